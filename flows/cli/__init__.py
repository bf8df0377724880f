"""The `ladder` command line, one module per command group. Commands call the use cases in
tasks/ through `Runtime.transaction()`; any LadderError they raise becomes one clear line
and exit code 1 (common.LadderGroup). Prefect is imported only by the commands that run a
flow, after its environment is prepared."""

from __future__ import annotations

import os

import typer

from definitions.loader import SAMPLE_ORGANISATION, lifecycles_in
from flows.cli import (
    asye,
    certificates,
    db,
    explain,
    imports,
    mail,
    panels,
    programme,
    registration,
    runs,
    stack,
    supervision,
    training,
)
from flows.cli.common import LadderGroup

app = typer.Typer(
    help="Ladder: learning and progression for a social-service workforce.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=LadderGroup,
)
# The command groups of a lifecycle the organisation does not run are left out of --help
# (they still answer, saying the organisation runs no such lifecycle).
lifecycles = lifecycles_in(os.environ.get("LADDER_ORGANISATION") or SAMPLE_ORGANISATION)
app.add_typer(db.app, name="db")
app.add_typer(imports.app, name="import")
app.add_typer(asye.app, name="asye", hidden="asye" not in lifecycles)
app.add_typer(programme.app, name="programme", hidden="programmes" not in lifecycles)
app.add_typer(mail.app, name="mail")
app.add_typer(training.credit_app, name="credit", hidden="training" not in lifecycles)
app.add_typer(certificates.keys_app, name="keys")
app.add_typer(certificates.app, name="certificates")
app.add_typer(training.policy_app, name="policy", hidden="training" not in lifecycles)
app.add_typer(training.needs_app, name="needs", hidden="training" not in lifecycles)
app.command("web")(runs.web)
app.command("daily")(runs.daily)
app.command("explain")(explain.explain)
app.command("demo")(runs.demo)
app.add_typer(panels.app, name="panel", hidden="panels" not in lifecycles)
app.add_typer(stack.app, name="stack")
app.add_typer(supervision.app, name="supervision", hidden="supervision" not in lifecycles)
app.add_typer(registration.app, name="cpd", hidden="registration" not in lifecycles)


def main() -> None:
    app()
