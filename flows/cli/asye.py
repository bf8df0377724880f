"""`ladder asye`: enrol NQSWs, record reviews, the recommendation and the report, leave and
review meetings."""

from __future__ import annotations

from datetime import date

import typer

from definitions.meetings import MeetingTimeError, local_meeting_time
from definitions.programmes import require_asye
from flows.cli.common import command_group, fail, out, parse_date, required_date, runtime
from tasks.people import worker_ids
from tasks.programmes.decisions import record_outcome
from tasks.programmes.enrolment import enrol_in
from tasks.programmes.leave import change_leave, record_leave
from tasks.programmes.meetings import book_meeting

app = command_group("The ASYE year: enrol, reviews, decisions, leave.")


@app.command("enrol")
def asye_enrol(
    workers: list[str] = typer.Argument(None, help="external ids; all if omitted"),
    by: str = typer.Option("workforce-team"),
) -> None:
    """Enrol eligible NQSWs in ASYE (the daily flow also does this)."""
    rt = runtime()
    require_asye(rt.organisation.asye)
    with rt.transaction() as session:
        ids = worker_ids(session, workers) if workers else None
        enrolled = enrol_in(
            session,
            rt.organisation,
            require_asye(rt.organisation.asye),
            as_of=rt.today(),
            actor=by,
            worker_ids=ids,
        )
    out.print(f"enrolled {len(enrolled)}: {', '.join(enrolled) or 'nobody new'}")


def record_step(
    worker: str,
    milestone: str,
    outcome: str,
    by: str,
    on: date | None,
    notes: str,
    override: str = "",
    extend_months: int | None = None,
    programme: str = "asye",
) -> None:
    rt = runtime()
    today = rt.today()
    with rt.transaction() as session:
        result = record_outcome(
            session,
            rt.organisation,
            worker=worker,
            milestone=milestone,
            outcome=outcome,
            actor=by,
            occurred_on=on or today,
            today=today,
            notes=notes,
            override=override,
            extend_months=extend_months,
            programme=programme,
        )
    late = f", {result.days_late} day(s) after it was due" if result.days_late else ""
    out.print(f"recorded {milestone} for {worker}: {outcome} on {result.occurred_on}{late}")


@app.command("review")
def asye_review(
    worker: str,
    milestone: str = typer.Option(..., help="review_3, review_6 or review_9"),
    outcome: str = typer.Option(..., help="on_track, concerns or not_on_track"),
    by: str = typer.Option(..., help="the recorder's id (assessor or manager)"),
    on: str = typer.Option(None, help="YYYY-MM-DD; default today"),
    notes: str = typer.Option("", help="a short note kept in the history"),
) -> None:
    """Record an ASYE review outcome."""
    record_step(worker, milestone, outcome, by, parse_date(on, "--on"), notes)


@app.command("recommend")
def asye_recommend(
    worker: str,
    outcome: str = typer.Option(..., help="pass, fail or extend"),
    by: str = typer.Option(...),
    on: str = typer.Option(None),
    notes: str = typer.Option(""),
    override_reason: str = typer.Option(
        "", help="why it is made before every review is recorded (kept in the history)"
    ),
    extend_months: int = typer.Option(
        None, min=1, max=12, help="with extend: months to add (default: asye.yaml)"
    ),
) -> None:
    """Record the final recommendation (pass / fail / extend); extend dates the
    recommendation and the report again, later."""
    record_step(
        worker,
        "final_recommendation",
        outcome,
        by,
        parse_date(on, "--on"),
        notes,
        override_reason,
        extend_months,
    )


@app.command("report")
def asye_report(
    worker: str,
    by: str = typer.Option(...),
    on: str = typer.Option(None),
    notes: str = typer.Option(""),
) -> None:
    """Record that the assessor's report was submitted."""
    record_step(worker, "assessor_report", "submitted", by, parse_date(on, "--on"), notes)


@app.command("leave")
def asye_leave(
    worker: str,
    start: str = typer.Option(..., "--from"),
    end: str = typer.Option(..., "--to"),
    reason: str = typer.Option(...),
    by: str = typer.Option(...),
) -> None:
    """Record leave that pauses the ASYE year; later milestones move back."""
    leave_step(worker, start, end, reason, by)


def leave_step(
    worker: str, start: str, end: str, reason: str, by: str, programme: str = "asye"
) -> None:
    """Record leave on a programme from the --from and --to options, and say what moved."""
    first, last = required_date(start, "--from"), required_date(end, "--to")
    rt = runtime()
    with rt.transaction() as session:
        moved = record_leave(
            session,
            rt.organisation,
            worker=worker,
            start=first,
            end=last,
            reason=reason,
            actor=by,
            today=rt.today(),
            programme=programme,
        )
    _moved_said(moved, "leave recorded")


def change_leave_step(
    worker: str,
    was: str,
    start: str | None,
    end: str | None,
    by: str,
    *,
    cancel: bool,
    programme: str = "asye",
) -> None:
    """Change or cancel the leave that starts on --was, and say what moved."""
    rt = runtime()
    with rt.transaction() as session:
        moved = change_leave(
            session,
            rt.organisation,
            worker=worker,
            was=required_date(was, "--was"),
            start=parse_date(start, "--from"),
            end=parse_date(end, "--to"),
            actor=by,
            today=rt.today(),
            cancel=cancel,
            programme=programme,
        )
    _moved_said(moved, "leave cancelled" if cancel else "leave changed")


def _moved_said(moved: list[tuple[str, date, date]], said: str) -> None:
    for key, old, new in moved:
        out.print(f"{key}: {old} -> {new}")
    out.print(f"{said}; {len(moved)} milestone(s) moved")


@app.command("leave-change")
def asye_leave_change(
    worker: str,
    was: str = typer.Option(..., help="YYYY-MM-DD: the first day of the leave as recorded"),
    start: str = typer.Option(None, "--from", help="the new first day (default: unchanged)"),
    end: str = typer.Option(None, "--to", help="the new last day (default: unchanged)"),
    by: str = typer.Option(...),
) -> None:
    """Shorten, lengthen or move recorded leave; the open milestones are dated again."""
    change_leave_step(worker, was, start, end, by, cancel=False)


@app.command("leave-cancel")
def asye_leave_cancel(
    worker: str,
    was: str = typer.Option(..., help="YYYY-MM-DD: the first day of the leave as recorded"),
    by: str = typer.Option(...),
) -> None:
    """Cancel recorded leave (entered by mistake); the open milestones are dated again."""
    change_leave_step(worker, was, None, None, by, cancel=True)


@app.command("meeting")
def asye_meeting(
    worker: str,
    milestone: str = typer.Option(..., help="the milestone the meeting is for, e.g. review_3"),
    at: str = typer.Option(None, help="local time in the organisation's zone: 'YYYY-MM-DD HH:MM'"),
    minutes: int = typer.Option(60, help="how long, in minutes"),
    where: str = typer.Option("", help="the place, e.g. 'Room 2, Civic Centre'"),
    cancel: bool = typer.Option(False, "--cancel", help="cancel the booked meeting"),
    by: str = typer.Option(..., help="the booker's id (assessor or manager)"),
) -> None:
    """Book, move or cancel a review meeting; the NQSW and assessor get a calendar invite."""
    if cancel == (at is not None):
        fail("give either --at 'YYYY-MM-DD HH:MM' to book or move the meeting, or --cancel")
    rt = runtime()
    starts = None
    if at is not None:
        try:
            starts = local_meeting_time(at, rt.organisation.profile.calendar.timezone)
        except MeetingTimeError as exc:
            fail(f"--at: {exc}")
    with rt.transaction() as session:
        result = book_meeting(
            session,
            rt.organisation,
            worker=worker,
            milestone=milestone,
            starts=starts,
            minutes=minutes,
            location=where,
            actor=by,
            sender_address=rt.sender_address,
            today=rt.today(),
        )
    when = f"{result.starts:%A %d %B %Y %H:%M %Z}"
    if result.change == "unchanged":
        out.print(
            f"{milestone} meeting for {worker} is already booked for {when}; nothing sent",
            soft_wrap=True,
        )
        return
    out.print(
        f"{milestone} meeting for {worker} {result.change} ({when}, version {result.sequence}); "
        f"{result.invites_queued} invite(s) queued: they go out with the next daily run, or "
        "now with `ladder mail send`",
        soft_wrap=True,
    )
