"""`ladder stack start|stop`: the full local stack for a workforce team (flows/stack/)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from types import FrameType

import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from definitions.loader import SAMPLE_ORGANISATION
from flows.cli.common import command_group, fail, out, runtime
from flows.cli.common import settings as read_settings
from flows.stack.processes import Stack, StackError, stop_recorded
from notifications.signing import create_key
from notifications.sink import SmtpSink
from storage.db import upgrade
from storage.models import Worker
from tasks.roster.roster_import import import_roster

app = command_group("The full local stack: Prefect server and UI, deployments, work pool, workers.")


def _home(data_dir: Path) -> Path:
    return (data_dir / "prefect-stack").resolve()


@app.command("start")
def stack_start(
    port: int = typer.Option(4200, help="the Prefect server's port on 127.0.0.1"),
    workers: int = typer.Option(1, min=1, max=16, help="process workers to start"),
    sample: bool = typer.Option(
        False, help="load the sample roster and a signing key if the database has no workers"
    ),
    sink: bool = typer.Option(
        True, help="run the local SMTP sink on LADDER_SMTP_PORT (for a loopback SMTP host)"
    ),
) -> None:
    """Start the stack and keep it up until Ctrl-C (or `ladder stack stop`), which stops
    every process it started."""
    settings = read_settings()
    upgrade(settings.database_url)
    ctx = runtime()
    # The workers run from the checkout: give them absolute paths to this data folder.
    data_dir = settings.data_dir.resolve()
    env_extra = {"LADDER_DATA_DIR": str(data_dir)}
    if not os.environ.get("LADDER_DATABASE_URL"):
        env_extra["LADDER_DATABASE_URL"] = f"sqlite:///{data_dir / 'ladder.sqlite'}"
    if sample:
        with Session(ctx.engine) as session:
            empty = not session.scalar(select(func.count()).select_from(Worker))
        if empty:
            roster = SAMPLE_ORGANISATION / "roster.csv"
            with ctx.transaction() as session:
                result = import_roster(
                    session, ctx.organisation, roster, as_of=ctx.today(), actor="stack"
                )
            out.print(f"loaded the sample roster: {result.inserted} workers")
        if not settings.signing_key.exists():
            key = settings.data_dir / "keys" / "stack-signing-key.pem"
            if not key.exists():
                create_key(key)
            env_extra["LADDER_SIGNING_KEY"] = str(key.resolve())
    mail = None
    if sink and settings.smtp_host in ("127.0.0.1", "localhost"):
        mail = SmtpSink(settings.mail_dir, port=settings.smtp_port)
        try:
            mail.start()
        except (OSError, RuntimeError) as exc:
            fail(
                f"cannot run the SMTP sink on 127.0.0.1:{settings.smtp_port} ({exc}); "
                "is one running already? then start with --no-sink"
            )
        out.print(f"SMTP sink on 127.0.0.1:{settings.smtp_port}, mail under {settings.mail_dir}")

    stack = Stack(
        home=_home(settings.data_dir),
        port=port,
        workers=workers,
        env={**os.environ, **env_extra},
        say=out.print,
    )

    def stop_on(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # Ctrl-C and SIGTERM stop the stack even when this process was started with SIGINT
    # ignored (a background job of a script), and the children start with the default.
    signal.signal(signal.SIGINT, stop_on)
    signal.signal(signal.SIGTERM, stop_on)
    first_login = not stack.auth_file.exists()
    try:
        stack.start()
        out.print(
            f"open {stack.ui_url} (Deployments: schedules and forms; Runs; Artifacts). "
            "Ctrl-C stops everything."
        )
        if first_login:  # shown once, to the person who started it
            out.print(
                f"The Prefect UI asks who you are: sign in with {stack.auth_string()} "
                f"(kept in {stack.auth_file}, readable only by you).",
                soft_wrap=True,  # a login broken over two lines cannot be copied
            )
        else:
            out.print(
                f"The Prefect UI asks who you are: your login is in {stack.auth_file}.",
                soft_wrap=True,
            )
        while True:
            for name, process in stack.children.items():
                if process.poll() is not None:
                    raise StackError(f"{name} stopped; see {stack.logs / (name + '.log')}")
            time.sleep(1)
    except KeyboardInterrupt:
        out.print("stopping the stack ...")
    except StackError as exc:
        stack.stop()
        if mail:
            mail.stop()
        fail(str(exc))
    stack.stop()
    if mail:
        mail.stop()
    out.print("stopped: server, workers and sink; nothing left running")


@app.command("stop")
def stack_stop() -> None:
    """Stop a stack started from this data folder in another shell."""

    stopped = stop_recorded(_home(read_settings().data_dir))
    out.print(f"stopped: {', '.join(stopped)}" if stopped else "no stack is running here")
