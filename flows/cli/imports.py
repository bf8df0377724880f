"""`ladder import`: roster, completions and sessions files, each all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import typer

from flows.cli.common import command_group, out, runtime
from tasks.programmes.enrolment import enrolled_text
from tasks.roster.roster_import import import_roster
from tasks.training.completions import import_completions as run_completions_import
from tasks.training.sessions import import_sessions as run_sessions_import

app = command_group("Import files (all-or-nothing).")


@app.command("workers")
def import_workers(
    file: Path,
    by: str = typer.Option("workforce-team", help="who imports"),
    allow_unlisted_move: bool = typer.Option(
        False, help="accept role moves the ladder and lattice do not list (each is recorded)"
    ),
) -> None:
    """Import or update workers from a roster CSV (see README for the columns)."""
    rt = runtime()
    with rt.transaction() as session:
        result = import_roster(
            session,
            rt.organisation,
            file,
            as_of=rt.today(),
            actor=by,
            allow_unlisted_move=allow_unlisted_move,
        )
    out.print(
        f"{file.name}: {result.rows} rows; {result.inserted} new, {result.updated} "
        f"updated, {result.unchanged} unchanged; "
        f"{enrolled_text(rt.organisation, result.enrolled)}"
    )
    for warning in result.warnings:  # imported, but worth a look (kept in the history too)
        out.print(f"  warning: {warning}", highlight=False, markup=False, soft_wrap=True)


@app.command("completions")
def import_completions(
    file: Path,
    by: str = typer.Option("workforce-team", help="who is importing (kept in the history)"),
) -> None:
    """Import completed modules (attendance sheet or LMS export): all-or-nothing; a
    re-import records nothing twice."""
    rt = runtime()
    with rt.transaction() as session:
        rows, result = run_completions_import(
            session, rt.organisation, file, actor=by, today=rt.today()
        )
    out.print(
        f"{file.name}: {rows} rows; {result.completions} new completion(s), "
        f"{result.credentials} credential(s), {result.renewed} renewed, {result.awards} "
        f"award(s) waiting for a certificate"
        + (
            "; pathways completed: " + ", ".join(f"{w} {p}" for w, p in result.pathways)
            if result.pathways
            else ""
        ),
        soft_wrap=True,
    )


@app.command("sessions")
def import_sessions(file: Path, by: str = typer.Option("workforce-team")) -> None:
    """Import refresher sessions (module, date, time, venue, district, capacity)."""
    rt = runtime()
    with rt.transaction() as session:
        rows, added = run_sessions_import(
            session, rt.organisation, file, actor=by, today=rt.today()
        )
    out.print(f"{file.name}: {rows} rows; {added} new session(s)")
