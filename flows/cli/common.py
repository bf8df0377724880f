"""What every `ladder` command shares: the console, the runtime, dates from options, and the
one place a `LadderError` becomes a message and exit code 1."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from typer.core import TyperGroup

from definitions.errors import LadderError
from definitions.settings import Settings
from storage.files import make_private_folders
from storage.history import channel
from tasks.runtime import Runtime, open_runtime

out = Console()
err = Console(stderr=True)


def fail(message: str) -> NoReturn:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


class LadderGroup(TyperGroup):
    """A command group that turns any LadderError a command raises into its message on
    stderr and exit code 1: the CLI catches Ladder's errors here, once."""

    def invoke(self, ctx: Any) -> Any:
        try:
            with channel(f"cli:{_login()}"):  # the history says it came by command
                return super().invoke(ctx)
        except LadderError as exc:
            fail(str(exc))


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container's bare uid)
        return str(os.getuid())


def command_group(help: str) -> typer.Typer:
    return typer.Typer(help=help, no_args_is_help=True, cls=LadderGroup)


def settings() -> Settings:
    """The LADDER_* settings, or a message naming each variable that is not usable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"LADDER_{'_'.join(str(p) for p in e['loc']).upper()}: "
            f"{str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        fail(f"a setting is not usable: {problems}")


def redact(url: str) -> str:
    """The URL without its password; a URL that does not parse is not shown at all (it may
    hold a password where a parser would not find it)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a URL)"


def runtime() -> Runtime:
    """Settings, the organisation and the database for one command, each checked with a
    clear message (a programme file, an unusable URL, an unmigrated schema)."""
    config = settings()
    where = redact(config.database_url)
    try:
        return open_runtime(config)
    except (ArgumentError, NoSuchModuleError) as exc:
        fail(
            f"LADDER_DATABASE_URL {where} is not a database URL Ladder can use ({exc}); "
            "e.g. sqlite:///var/ladder.sqlite or postgresql+psycopg://user@host/db"
        )
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        fail(f"cannot open the database {where}: {reason}")


# The dates Ladder works with: anything outside is a typing slip, and date arithmetic near
# year 9999 overflows.
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)


def parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        fail(f"{option} '{value}' is not a date; use YYYY-MM-DD")
    if not EARLIEST <= parsed <= LATEST:
        fail(f"{option} '{value}' is outside the dates Ladder works with ({EARLIEST} to {LATEST})")
    return parsed


def required_date(value: str, option: str) -> date:
    parsed = parse_date(value, option)
    assert parsed is not None
    return parsed


@contextmanager
def prefect_environment(data_dir: Path) -> Iterator[None]:
    """Prefect's environment for a command that runs flows, set up before prefect is
    imported (those commands import it only inside this block). Without PREFECT_API_URL,
    the command runs its own local Prefect server for the block (flows.stack.ephemeral):
    it is stopped when the block ends, or dies with the command if that is killed."""
    home = data_dir / "prefect"
    make_private_folders(home)
    os.environ.setdefault("PREFECT_HOME", str(home.resolve()))
    # The server's telemetry prints 'database is locked' tracebacks at exit.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The first start creates Prefect's database, which took 23-34 s here (20 s is the default).
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    if os.environ.get("PREFECT_API_URL"):
        yield  # the team's own server
        return
    from flows.stack.ephemeral import owned_prefect_server

    with owned_prefect_server(Path(os.environ["PREFECT_HOME"])):
        yield
