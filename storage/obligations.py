"""Obligations: dated things someone owes, selected and closed in sets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, Table, case, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from definitions.items import DueItem, Person
from storage.dialect import id_ranges, in_batches, insert_ignoring_duplicates
from storage.models import Award, Completion, Enrolment, Obligation, Team, Worker


def insert_obligations(session: Session, *, rows: list[dict[str, Any]]) -> int:
    return insert_ignoring_duplicates(
        session, cast(Table, Obligation.__table__), rows, unique=["source"]
    )


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
    return id_ranges(ids, size)


def open_due_items(
    session: Session, *, due_from: date, due_to: date, id_range: tuple[int, int]
) -> list[DueItem]:
    """Open obligations due in the range, within an id chunk, with their people."""
    return _due_items(
        session,
        Obligation.due_date.between(due_from, due_to),
        Obligation.id.between(*id_range),
    )


def open_items_by_id(session: Session, *, ids: Iterable[int]) -> dict[int, DueItem]:
    """The open obligations among `ids` (of workers still here), with their people."""
    found: dict[int, DueItem] = {}
    for part in in_batches(ids):
        found.update((i.obligation_id, i) for i in _due_items(session, Obligation.id.in_(part)))
    return found


def _due_items(session: Session, *where: Any) -> list[DueItem]:
    # Plain columns, not ORM entities: a sweep reads thousands of rows, and building an
    # identity-mapped object per worker per row cost more than the query itself.
    subject, manager, assessor, supervisor = (aliased(Worker) for _ in range(4))
    people = (subject, manager, assessor, supervisor)
    stmt = (
        select(
            Obligation.id,
            Obligation.kind,
            Obligation.milestone,
            Obligation.title,
            Obligation.due_date,
            Obligation.reminder_policy,
            Obligation.responsible_role,
            Obligation.rule,
            *(c for w in people for c in (w.id, w.external_id, w.name, w.email)),
            Obligation.source,
        )
        .join(subject, Obligation.subject_id == subject.id)
        .outerjoin(manager, subject.manager_id == manager.id)
        .outerjoin(Enrolment, Obligation.enrolment_id == Enrolment.id)
        .outerjoin(
            assessor,
            func.coalesce(Enrolment.assessor_id, subject.assessor_id, subject.manager_id)
            == assessor.id,
        )
        .outerjoin(supervisor, subject.supervisor_id == supervisor.id)
        .where(Obligation.status == "open", subject.status != "left", *where)
        .order_by(Obligation.id)
    )
    items = []
    for row in session.execute(stmt).all():
        found = [
            None if row[i] is None else Person(row[i], row[i + 1], row[i + 2], row[i + 3])
            for i in range(8, 24, 4)
        ]
        subject_person = found[0]
        assert subject_person is not None  # an inner join
        # The eight Obligation columns, typed so they can be spread before the people.
        head = cast(tuple[int, str, str, str, date, str, str, str], row[:8])
        items.append(DueItem(*head, subject_person, found[1], found[2], found[3], row[24]))
    return items


def _person(w: Worker | None) -> Person | None:
    return None if w is None else Person(w.id, w.external_id, w.name, w.email)


def people_with_roles(session: Session, *, roles: tuple[str, ...]) -> dict[str, list[Person]]:
    """{role: the people holding it who have not left}, for the few roles the organisation's
    reminder policies name (from its YAML, not from any input)."""
    found: dict[str, list[Person]] = {role: [] for role in roles}
    if not roles:
        return found
    stmt = select(Worker).where(Worker.role.in_(roles), Worker.status != "left").order_by(Worker.id)
    for w in session.scalars(stmt):
        if (p := _person(w)) is not None:
            found[w.role].append(p)
    return found


def close_obligation(
    session: Session, *, obligation_id: int, event_id: int, closed_on: date
) -> bool:
    """Close an open obligation; False when it was no longer open (closed by someone else)."""
    result = session.execute(
        update(Obligation)
        .where(Obligation.id == obligation_id, Obligation.status == "open")
        .values(status="done", closed_on=closed_on, closed_by_event_id=event_id)
    )
    return cast(CursorResult[Any], result).rowcount == 1


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
    return {milestone: n for milestone, n in session.execute(stmt).all()}


def overdue_items(session: Session, *, as_of: date, limit: int) -> list[tuple[str, str, str, date]]:
    """(team, kind, worker id, due date) of open items past their due date on `as_of`, the
    longest overdue first within each team and kind; at most `limit` rows (the artifact's
    length stays bounded whatever the workforce; `overdue_by_kind` gives the totals)."""
    stmt = (
        select(Team.key, Obligation.kind, Worker.external_id, Obligation.due_date)
        .join(Worker, Worker.id == Obligation.subject_id)
        .join(Team, Team.id == Worker.team_id)
        .where(Obligation.status == "open", Obligation.due_date < as_of)
        .order_by(Team.key, Obligation.kind, Obligation.due_date, Worker.external_id)
        .limit(limit)
    )
    return [(t, k, w, d) for t, k, w, d in session.execute(stmt).all()]


def people_by_id(session: Session, *, ids: Iterable[int]) -> dict[int, Person]:
    """Workers still here, by id (someone who has left is told nothing more)."""
    found: dict[int, Person] = {}
    for part in in_batches(ids):
        stmt = select(Worker).where(Worker.id.in_(part), Worker.status != "left")
        found.update(
            (w.id, Person(w.id, w.external_id, w.name, w.email)) for w in session.scalars(stmt)
        )
    return found


def open_by_team(
    session: Session, *, as_of: date, horizon: date
) -> list[tuple[str, str, int, int]]:
    """(team, kind, due by `horizon`, overdue) for every team and kind with open items: the
    daily flow's table for the workforce team (team keys and kinds, no names)."""
    due = case((Obligation.due_date.between(as_of, horizon), 1), else_=0)
    late = case((Obligation.due_date < as_of, 1), else_=0)
    stmt = (
        select(Team.key, Obligation.kind, func.sum(due), func.sum(late))
        .join(Worker, Worker.id == Obligation.subject_id)
        .join(Team, Team.id == Worker.team_id)
        .where(Obligation.status == "open", Obligation.due_date <= horizon)
        .group_by(Team.key, Obligation.kind)
        .order_by(Team.key, Obligation.kind)
    )
    return [(t, k, int(d or 0), int(o or 0)) for t, k, d, o in session.execute(stmt).all()]


def unswept_id_chunks(session: Session, *, size: int) -> list[tuple[int, int]]:
    """Id ranges of open obligations no sweep has seen yet (made since the last one)."""
    ids = list(
        session.scalars(
            select(Obligation.id)
            .where(Obligation.first_swept_on.is_(None), Obligation.status == "open")
            .order_by(Obligation.id)
        )
    )
    return id_ranges(ids, size)


def unswept_items(session: Session, *, id_range: tuple[int, int]) -> list[DueItem]:
    """The open obligations in the id range that no sweep has seen yet, with their people."""
    return _due_items(
        session, Obligation.first_swept_on.is_(None), Obligation.id.between(*id_range)
    )


def mark_swept(session: Session, *, id_range: tuple[int, int], on: date) -> None:
    session.execute(
        update(Obligation)
        .where(Obligation.first_swept_on.is_(None), Obligation.id.between(*id_range))
        .values(first_swept_on=on)
        .execution_options(synchronize_session=False)
    )


def unmark_overdue(session: Session, *, due_from: date, due_to: date, before: date) -> int:
    """Open items due in [due_from, due_to] and overdue by `before`, marked unseen again: an
    outage longer than the catch-up cap skipped their steps, so they are a backlog too."""
    result = session.execute(
        update(Obligation)
        .where(
            Obligation.status == "open",
            Obligation.due_date.between(due_from, due_to),
            Obligation.due_date < before,
            Obligation.first_swept_on.is_not(None),
        )
        .values(first_swept_on=None)
        .execution_options(synchronize_session=False)
    )
    return max(cast(CursorResult[Any], result).rowcount or 0, 0)


def close_for_leavers(session: Session, *, on: date) -> dict[int, int]:
    """Open items of workers the roster says have left, closed as 'left' (kept in the
    history, out of the overdue counts). Returns {worker id: items closed}."""
    left = select(Worker.id).where(Worker.status == "left")
    found = session.execute(
        select(Obligation.subject_id, func.count())
        .where(Obligation.status == "open", Obligation.subject_id.in_(left))
        .group_by(Obligation.subject_id)
    ).all()
    if found:
        session.execute(
            update(Obligation)
            .where(Obligation.status == "open", Obligation.subject_id.in_(left))
            .values(status="left", closed_on=on)
            .execution_options(synchronize_session=False)
        )
    return {int(w): int(n) for w, n in found}


def close_by_completion(
    session: Session,
    *,
    kind: str,
    milestone: str,
    module: str | None,
    pathway: str | None,
    as_of: date,
) -> int:
    """Close the open `kind`/`milestone` items whose worker has completed `module` (or been
    awarded `pathway`) by `as_of`, dated the day it was first done. One statement."""
    if module is not None:
        day = Completion.completed_on
        conditions = [
            Completion.worker_id == Obligation.subject_id,
            Completion.module == module,
            day <= as_of,
        ]
    else:
        day = Award.achieved_on
        conditions = [
            Award.worker_id == Obligation.subject_id,
            Award.kind == "pathway",
            Award.key == pathway,
            day <= as_of,
        ]
    done = select(func.min(day)).where(*conditions)
    found = exists().where(*conditions)
    result = session.execute(
        update(Obligation)
        .where(
            Obligation.kind == kind,
            Obligation.milestone == milestone,
            Obligation.status == "open",
            found,
        )
        .values(status="done", closed_on=done.scalar_subquery())
        .execution_options(synchronize_session=False)
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)
