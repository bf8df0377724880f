"""The `ladder` command line, one module per command group. Commands call the use cases in
tasks/ through `Runtime.transaction()`; any LadderError they raise becomes one clear line
and exit code 1 (common.LadderGroup). Prefect is imported only by the commands that run a
flow, after its environment is prepared."""

from __future__ import annotations

import typer

from flows.cli import asye, certificates, db, explain, imports, mail, panels, runs, stack, training
from flows.cli.common import LadderGroup

app = typer.Typer(
    help="Ladder: learning and progression for a social-service workforce.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=LadderGroup,
)
app.add_typer(db.app, name="db")
app.add_typer(imports.app, name="import")
app.add_typer(asye.app, name="asye")
app.add_typer(mail.app, name="mail")
app.add_typer(training.credit_app, name="credit")
app.add_typer(certificates.keys_app, name="keys")
app.add_typer(certificates.app, name="certificates")
app.add_typer(training.policy_app, name="policy")
app.command("needs")(training.training_needs)
app.command("web")(runs.web)
app.command("daily")(runs.daily)
app.command("explain")(explain.explain)
app.command("demo")(runs.demo)
app.add_typer(panels.app, name="panel")
app.add_typer(stack.app, name="stack")


def main() -> None:
    app()
