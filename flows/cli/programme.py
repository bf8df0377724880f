"""`ladder programme`: dated programmes besides the ASYE year (an induction, a probation
review): enrol, record a milestone's outcome, leave that pauses the programme."""

from __future__ import annotations

import typer

from flows.cli.asye import change_leave_step, leave_step, record_step
from flows.cli.common import command_group, out, parse_date, runtime
from tasks.people import worker_ids
from tasks.programmes.enrolment import enrol_in

app = command_group("Dated programmes (programmes.yaml): enrol, record milestones, leave.")

PROGRAMME = typer.Argument(..., help="the programme's key in programmes.yaml, e.g. induction")


@app.command("enrol")
def programme_enrol(
    programme: str = PROGRAMME,
    workers: list[str] = typer.Argument(None, help="external ids; all eligible if omitted"),
    by: str = typer.Option("workforce-team"),
) -> None:
    """Enrol the workers the programme is for (the daily flow also does this)."""
    rt = runtime()
    scheme = rt.organisation.programme(programme)
    with rt.transaction() as session:
        ids = worker_ids(session, workers) if workers else None
        enrolled = enrol_in(
            session, rt.organisation, scheme, as_of=rt.today(), actor=by, worker_ids=ids
        )
    out.print(f"enrolled {len(enrolled)} in {scheme.called}: {', '.join(enrolled) or 'nobody new'}")


@app.command("record")
def programme_record(
    programme: str = PROGRAMME,
    worker: str = typer.Argument(..., help="the worker's id"),
    milestone: str = typer.Argument(..., help="the milestone's key, e.g. sign_off"),
    outcome: str = typer.Option(..., help="one of the milestone's outcomes, e.g. pass"),
    by: str = typer.Option(
        ...,
        help="the recorder's id (the worker's manager, or a role "
        "the programme's recorded_by names)",
    ),
    on: str = typer.Option(None, help="YYYY-MM-DD; default today"),
    notes: str = typer.Option("", help="a short note kept in the history"),
    override_reason: str = typer.Option(
        "", help="a recommendation before every review is recorded: why (kept in the history)"
    ),
    extend_months: int = typer.Option(
        None, min=1, max=12, help="with extend: months to add (default: the programme's)"
    ),
) -> None:
    """Record a milestone's outcome: a review held, a sign-off or decision (pass, fail or
    extend, which dates it and what follows again, later), evidence received."""
    record_step(
        worker,
        milestone,
        outcome,
        by,
        parse_date(on, "--on"),
        notes,
        override_reason,
        extend_months,
        programme,
    )


@app.command("leave")
def programme_leave(
    programme: str = PROGRAMME,
    worker: str = typer.Argument(..., help="the worker's id"),
    start: str = typer.Option(..., "--from"),
    end: str = typer.Option(..., "--to"),
    reason: str = typer.Option(...),
    by: str = typer.Option(...),
) -> None:
    """Record leave that pauses the programme; its later milestones move back."""
    leave_step(worker, start, end, reason, by, programme)


@app.command("leave-change")
def programme_leave_change(
    programme: str = PROGRAMME,
    worker: str = typer.Argument(..., help="the worker's id"),
    was: str = typer.Option(..., help="YYYY-MM-DD: the first day of the leave as recorded"),
    start: str = typer.Option(None, "--from", help="the new first day (default: unchanged)"),
    end: str = typer.Option(None, "--to", help="the new last day (default: unchanged)"),
    cancel: bool = typer.Option(False, "--cancel", help="cancel the leave (entered by mistake)"),
    by: str = typer.Option(...),
) -> None:
    """Shorten, lengthen, move or cancel recorded leave; open milestones are dated again."""
    change_leave_step(worker, was, start, end, by, cancel=cancel, programme=programme)
