"""`ladder daily`, `ladder demo` and `ladder web`: run the daily flow once, the simulated
year, and the verification page. Prefect is imported only here, after its environment is
prepared, so the other commands never start it."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from prefect import State

from flows.cli.common import (
    fail,
    out,
    parse_date,
    prefect_environment,
    required_date,
    runtime,
    settings,
)


def daily(
    as_of: str = typer.Option(None, help="YYYY-MM-DD; default today (organisation tz)"),
) -> None:
    """Run the daily flow once (Prefect, local ephemeral mode unless PREFECT_API_URL is set)."""
    rt = runtime()  # settings, programme files and schema are checked before Prefect starts
    day = parse_date(as_of, "--as-of")
    with prefect_environment(rt.settings.data_dir):
        from flows.daily import daily as daily_flow

        state: State[dict[str, Any]] = asyncio.run(daily_flow(as_of=day, return_state=True))  # type: ignore[arg-type]  # an async flow's call is a coroutine
        if not state.is_completed():
            # The traceback is in the flow run's logs (Prefect UI); the console gets the reason.
            fail(f"the daily run {(state.name or state.type.value).lower()}: {state.message}")
        result = asyncio.run(state.aresult())
    out.print(", ".join(f"{key}: {value}" for key, value in result.items()))


def web(
    port: int = typer.Option(8000, min=1, max=65535, help="the port to listen on"),
    host: str = typer.Option("127.0.0.1", help="the address to listen on"),
) -> None:
    """Serve the verification page (/verify/SERIAL) and the JWKS (/.well-known/jwks.json)."""
    import uvicorn

    from flows.web.app import create_app

    runtime()
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")


def demo(
    days: int = typer.Option(365, help="days to simulate"),
    start: str = typer.Option("2026-01-01", help="first simulated day"),
    seed: int = typer.Option(2026, help="random seed for the simulated people"),
    reset: bool = typer.Option(False, help="also reset a database the demo did not make"),
    organisation: Path = typer.Option(
        None,
        "--organisation",
        help=(
            "an organisation's folder (e.g. definitions/examples/home-care-induction); "
            "default LADDER_ORGANISATION, else the sample council"
        ),
    ),
) -> None:
    """The main job on embedded defaults: a simulated year of daily runs with a local SMTP sink."""
    config = settings()
    if organisation is not None:
        if not (organisation / "organisation.yaml").is_file():
            fail(
                f"--organisation {organisation}: no organisation.yaml there; name a folder "
                "like definitions/sample or one under definitions/examples/"
            )
        config = config.model_copy(update={"organisation": organisation})
    first_day = required_date(start, "--start")
    # The progress bar is the demo's console; flow and task logs still reach the Prefect API.
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    with prefect_environment(config.data_dir):
        from flows.demo.year import run_demo

        code = run_demo(config, first_day=first_day, days=days, seed=seed, reset=reset, console=out)
    raise typer.Exit(code)
