"""Record leave that pauses the ASYE year: open milestones move back, done ones stay."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from definitions.asye import Leave
from definitions.errors import BadInput
from definitions.organisation import Organisation
from storage.enrolments import add_leave
from storage.history import record_event
from tasks.asye.enrolled import enrolled, require_recorder
from tasks.asye.enrolment import moves, redate_open_milestones


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
) -> list[tuple[str, date, date]]:
    """Record leave that pauses the ASYE year; open milestones move, done ones stay.

    Returns (milestone, old due date, new due date) for each obligation that moved.
    """
    subject, enrolment = enrolled(session, organisation, worker)
    require_recorder(session, organisation, actor, subject, enrolment)
    try:
        period = Leave(start, end)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    add_leave(session, enrolment_id=enrolment.id, start=start, end=end, reason=reason)
    moved = redate_open_milestones(session, organisation, enrolment)
    record_event(
        session,
        kind="asye.leave_recorded",
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
