"""Obligations: dated things someone owes, selected and closed in sets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from storage.dialect import insert_ignoring_duplicates
from storage.models import Enrolment, Obligation, Worker


@dataclass(frozen=True)
class Person:
    id: int
    external_id: str
    name: str
    email: str


@dataclass(frozen=True)
class DueItem:
    """An open obligation with the people a reminder may go to, read in one query."""

    obligation_id: int
    kind: str
    milestone: str
    title: str
    due_date: date
    reminder_policy: str
    responsible_role: str
    rule: str
    subject: Person
    manager: Person | None
    assessor: Person | None


def insert_obligations(session: Session, *, rows: list[dict[str, Any]]) -> int:
    return insert_ignoring_duplicates(session, Obligation.__table__, rows, unique=["source"])


def open_id_chunks(
    session: Session, *, due_from: date, due_to: date, size: int
) -> list[tuple[int, int]]:
    """Id ranges of open obligations due in [due_from, due_to], `size` obligations a range."""
    ids = list(
        session.scalars(
            select(Obligation.id)
            .where(Obligation.status == "open", Obligation.due_date.between(due_from, due_to))
            .order_by(Obligation.id)
        )
    )
    return [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]


def open_due_items(
    session: Session, *, due_from: date, due_to: date, id_range: tuple[int, int]
) -> list[DueItem]:
    """Open obligations due in the range, within an id chunk, with their people."""
    subject, manager, assessor = aliased(Worker), aliased(Worker), aliased(Worker)
    stmt = (
        select(Obligation, subject, manager, assessor)
        .join(subject, Obligation.subject_id == subject.id)
        .outerjoin(manager, subject.manager_id == manager.id)
        .outerjoin(Enrolment, Obligation.enrolment_id == Enrolment.id)
        .outerjoin(
            assessor,
            func.coalesce(Enrolment.assessor_id, subject.assessor_id, subject.manager_id)
            == assessor.id,
        )
        .where(
            Obligation.status == "open",
            Obligation.due_date.between(due_from, due_to),
            Obligation.id.between(*id_range),
            subject.status != "left",
        )
        .order_by(Obligation.id)
    )
    return [
        DueItem(
            o.id,
            o.kind,
            o.milestone,
            o.title,
            o.due_date,
            o.reminder_policy,
            o.responsible_role,
            o.rule,
            _person(s),
            _person(m),
            _person(a),
        )
        for o, s, m, a in session.execute(stmt).all()
    ]


def _person(w: Worker | None) -> Person | None:
    return None if w is None else Person(w.id, w.external_id, w.name, w.email)


def people_with_role(session: Session, *, role: str) -> list[Person]:
    stmt = select(Worker).where(Worker.role == role, Worker.status != "left").order_by(Worker.id)
    return [p for w in session.scalars(stmt) if (p := _person(w)) is not None]


def close_obligation(
    session: Session, *, obligation_id: int, event_id: int, closed_on: date
) -> bool:
    """Close an open obligation; False when it was no longer open (closed by someone else)."""
    result = session.execute(
        update(Obligation)
        .where(Obligation.id == obligation_id, Obligation.status == "open")
        .values(status="done", closed_on=closed_on, closed_by_event_id=event_id)
    )
    return result.rowcount == 1


def obligation_by_source(session: Session, source: str) -> Obligation | None:
    return session.scalars(select(Obligation).where(Obligation.source == source)).first()


def reschedule_open(session: Session, *, changes: list[dict[str, Any]]) -> int:
    """Move open obligations: `changes` are {'id', 'due_date', 'rule'} rows."""
    if not changes:
        return 0
    session.execute(update(Obligation), changes)
    return len(changes)


def obligations_of(session: Session, *, subject_id: int) -> list[Obligation]:
    stmt = (
        select(Obligation)
        .where(Obligation.subject_id == subject_id)
        .order_by(Obligation.due_date, Obligation.id)
    )
    return list(session.scalars(stmt))


def overdue_by_kind(session: Session, *, as_of: date) -> dict[str, int]:
    stmt = (
        select(Obligation.milestone, func.count())
        .where(Obligation.status == "open", Obligation.due_date < as_of)
        .group_by(Obligation.milestone)
    )
    return dict(session.execute(stmt).all())
