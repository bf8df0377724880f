"""Record leave that pauses a dated programme (the ASYE year, an induction): open
milestones move back, done ones stay."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from definitions.errors import BadInput, NotFound, Refused
from definitions.organisation import Organisation
from definitions.programmes import Leave
from storage.enrolments import add_leave, leave_of
from storage.history import record_event
from storage.models import Enrolment, LeavePeriod
from tasks.programmes.enrolled import ASYE, enrolled, require_recorder
from tasks.programmes.enrolment import moves, redate_open_milestones


def record_leave(
    session: Session,
    organisation: Organisation,
    *,
    worker: str,
    start: date,
    end: date,
    reason: str,
    actor: str,
    today: date,
    programme: str = ASYE,
) -> list[tuple[str, date, date]]:
    """Record leave that pauses the programme; open milestones move, done ones stay.

    Returns (milestone, old due date, new due date) for each obligation that moved.
    """
    subject, enrolment = enrolled(session, organisation, worker, programme)
    require_recorder(session, organisation, actor, subject, enrolment)
    try:
        period = Leave(start, end)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    _refuse_overlap(session, worker, enrolment, period)
    add_leave(session, enrolment_id=enrolment.id, start=start, end=end, reason=reason)
    moved = redate_open_milestones(session, organisation, enrolment)
    record_event(
        session,
        kind=f"{programme}.leave_recorded",
        actor=actor,
        occurred_on=today,
        subject_id=subject.id,
        payload={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "days": period.days,
            "reason": reason,
            "moved": moves(moved),
        },
    )
    return moved


def _refuse_overlap(
    session: Session, worker: str, enrolment: Enrolment, period: Leave, *, ignore: int | None = None
) -> None:
    """Leave periods never overlap: a day away counts once, and a period is changed where it
    is, not recorded twice."""
    group = "asye" if enrolment.programme == ASYE else f"programme {enrolment.programme}"
    for other in leave_of(session, enrolment_id=enrolment.id):
        if other.id != ignore and other.start_date <= period.end and period.start <= other.end_date:
            raise Refused(
                f"{worker} already has leave from {other.start_date} to {other.end_date} "
                f"({other.reason}), which overlaps {period.start}..{period.end}; change that "
                f"period instead (`ladder {group} leave-change {worker} --was {other.start_date} "
                "--from ... --to ...`) or cancel it"
            )


def _period(session: Session, worker: str, enrolment_id: int, was: date) -> LeavePeriod:
    for period in leave_of(session, enrolment_id=enrolment_id):
        if period.start_date == was:
            return period
    recorded = ", ".join(
        f"{p.start_date}..{p.end_date}" for p in leave_of(session, enrolment_id=enrolment_id)
    )
    raise NotFound(
        f"{worker} has no leave starting {was}; "
        + (f"their leave: {recorded}" if recorded else "they have no leave recorded")
    )


def change_leave(
    session: Session,
    organisation: Organisation,
    *,
    worker: str,
    was: date,
    start: date | None,
    end: date | None,
    actor: str,
    today: date,
    cancel: bool = False,
    programme: str = ASYE,
) -> list[tuple[str, date, date]]:
    """Shorten, lengthen, move or cancel the leave period that starts on `was`; the open
    milestones are dated again (done ones stay). Returns what moved."""
    subject, enrolment = enrolled(session, organisation, worker, programme)
    require_recorder(session, organisation, actor, subject, enrolment)
    period = _period(session, worker, enrolment.id, was)
    before = (period.start_date, period.end_date)
    if cancel:
        session.delete(period)
        session.flush()
    else:
        try:
            changed = Leave(start or period.start_date, end or period.end_date)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        _refuse_overlap(session, worker, enrolment, changed, ignore=period.id)
        period.start_date, period.end_date = changed.start, changed.end
        session.flush()
    moved = redate_open_milestones(session, organisation, enrolment)
    record_event(
        session,
        kind=f"{programme}.leave_cancelled" if cancel else f"{programme}.leave_changed",
        actor=actor,
        occurred_on=today,
        subject_id=subject.id,
        payload={
            "was": [before[0].isoformat(), before[1].isoformat()],
            **(
                {}
                if cancel
                else {"now": [period.start_date.isoformat(), period.end_date.isoformat()]}
            ),
            "moved": moves(moved),
        },
    )
    return moved
