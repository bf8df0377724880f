"""Programme enrolments and the leave that pauses them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.orm import Session

from storage.dialect import in_batches
from storage.models import Enrolment, LeavePeriod, Obligation, Worker


@dataclass(frozen=True)
class Candidate:
    worker_id: int
    external_id: str
    start_date: date
    assessor_id: int | None


def unenrolled(
    session: Session,
    *,
    programme: str,
    roles: tuple[str, ...],
    worker_ids: list[int] | None = None,
    started_from: date | None = None,
) -> list[Candidate]:
    """Active workers in `roles` (who started on or after `started_from`, when given) with
    no enrolment on `programme` yet (one query)."""
    enrolled = select(Enrolment.worker_id).where(Enrolment.programme == programme)
    stmt = (
        select(
            Worker.id, Worker.external_id, Worker.start_date, Worker.assessor_id, Worker.manager_id
        )
        .where(Worker.role.in_(roles), Worker.status != "left", Worker.id.not_in(enrolled))
        .order_by(Worker.id)
    )
    if started_from is not None:
        stmt = stmt.where(Worker.start_date >= started_from)
    # Given ids (a roster file's new workers) are read a bounded IN list at a time.
    statements = (
        [stmt]
        if worker_ids is None
        else [stmt.where(Worker.id.in_(part)) for part in in_batches(worker_ids)]
    )
    found = [
        Candidate(r.id, r.external_id, r.start_date, r.assessor_id or r.manager_id)
        for statement in statements
        for r in session.execute(statement)
    ]
    return sorted(found, key=lambda c: c.worker_id)


def add_enrolments(
    session: Session, *, programme: str, candidates: list[Candidate]
) -> dict[int, int]:
    """Enrol candidates; returns worker id -> enrolment id."""
    if not candidates:
        return {}
    rows = [
        dict(
            worker_id=c.worker_id,
            programme=programme,
            start_date=c.start_date,
            assessor_id=c.assessor_id,
        )
        for c in candidates
    ]
    session.execute(insert(Enrolment), rows)
    found: dict[int, int] = {}
    for part in in_batches(c.worker_id for c in candidates):
        stmt = select(Enrolment.worker_id, Enrolment.id).where(
            Enrolment.programme == programme, Enrolment.worker_id.in_(part)
        )
        found.update(session.execute(stmt).tuples().all())
    return found


def enrolment_of(session: Session, *, worker_id: int, programme: str) -> Enrolment | None:
    stmt = (
        select(Enrolment)
        .where(Enrolment.worker_id == worker_id, Enrolment.programme == programme)
        .order_by(Enrolment.id.desc())
    )
    return session.scalars(stmt).first()


def leave_of(session: Session, *, enrolment_id: int) -> list[LeavePeriod]:
    stmt = (
        select(LeavePeriod)
        .where(LeavePeriod.enrolment_id == enrolment_id)
        .order_by(LeavePeriod.start_date)
    )
    return list(session.scalars(stmt))


def add_leave(session: Session, *, enrolment_id: int, start: date, end: date, reason: str) -> None:
    session.add(
        LeavePeriod(enrolment_id=enrolment_id, start_date=start, end_date=end, reason=reason)
    )
    session.flush()


def follow_roster(session: Session, *, programme: str) -> list[tuple[int, date, date]]:
    """Active enrolments take the roster's current assessor (or the manager) and start date.

    Returns (enrolment id, old start, new start) for each start date the roster corrected.
    """
    roster_assessor = (
        select(func.coalesce(Worker.assessor_id, Worker.manager_id))
        .where(Worker.id == Enrolment.worker_id)
        .scalar_subquery()
    )
    session.execute(
        update(Enrolment)
        .where(Enrolment.programme == programme, Enrolment.status == "active")
        .values(assessor_id=roster_assessor)
        .execution_options(synchronize_session=False)
    )
    corrected = session.execute(
        select(Enrolment.id, Enrolment.start_date, Worker.start_date)
        .join(Worker, Worker.id == Enrolment.worker_id)
        .where(
            Enrolment.programme == programme,
            Enrolment.status == "active",
            Enrolment.start_date != Worker.start_date,
        )
    ).all()
    if corrected:
        session.execute(
            update(Enrolment), [{"id": i, "start_date": new} for i, _, new in corrected]
        )
    return [(i, old, new) for i, old, new in corrected]


def finish_enrolments(session: Session, *, programme: str, as_of: date) -> None:
    """Active enrolments on `programme` with no item left open are completed, on the day
    their last item closed (`as_of` if none says). One statement."""
    items = select(Obligation.id).where(Obligation.enrolment_id == Enrolment.id)
    still_open = exists().where(
        Obligation.enrolment_id == Enrolment.id, Obligation.status == "open"
    )
    last_closed = (
        select(func.max(Obligation.closed_on))
        .where(Obligation.enrolment_id == Enrolment.id)
        .scalar_subquery()
    )
    session.execute(
        update(Enrolment)
        .where(
            Enrolment.programme == programme,
            Enrolment.status == "active",
            items.exists(),
            ~still_open,
        )
        .values(status="completed", completed_on=func.coalesce(last_closed, as_of))
        .execution_options(synchronize_session=False)
    )
