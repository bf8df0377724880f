"""`ladder supervision`: record a supervision held, or import a supervision log."""

from __future__ import annotations

from pathlib import Path

import typer

from definitions.calendar import human_date
from flows.cli.common import command_group, out, required_date, runtime
from tasks.supervision.record import import_supervision_log, record_supervision

app = command_group("Supervision: record one held, or import a log of them.")


@app.command("record")
def record(
    worker: str,
    on: str = typer.Option(..., help="YYYY-MM-DD, the day the supervision was held"),
    by: str = typer.Option(..., help="your roster id: the worker's supervisor or manager"),
    notes: str = typer.Option("", help="what was discussed (kept in Ladder, never mailed)"),
) -> None:
    """Record a supervision; the next one is then due from it, by the worker's schedule."""
    held_on = required_date(on, "--on")
    rt = runtime()
    with rt.transaction() as session:
        result = record_supervision(
            session,
            rt.organisation,
            worker=worker,
            held_on=held_on,
            by=by,
            notes=notes,
            today=rt.today(),
        )
    locale = rt.organisation.profile.locale
    said = "recorded" if result.new else "was already recorded; nothing changed"
    line = f"{worker}: supervision on {human_date(held_on, locale)} {said}"
    if result.next_due:
        line += f"; the next is due by {human_date(result.next_due, locale)}"
    out.print(line, highlight=False, soft_wrap=True)


@app.command("import")
def import_log(
    file: Path,
    by: str = typer.Option(
        ..., help="your roster id (a role supervision.yaml's recorded_by names)"
    ),
) -> None:
    """Import a supervision log CSV (external_id, held_on, supervisor_id, notes): all or
    nothing; a re-import records nothing twice."""
    rt = runtime()
    with rt.transaction() as session:
        rows, new = import_supervision_log(
            session, rt.organisation, file, actor=by, today=rt.today()
        )
    out.print(f"{file.name}: {rows} rows; {new} new supervision record(s)")
