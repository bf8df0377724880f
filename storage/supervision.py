"""Supervision records and the open supervision item of each worker, read and written in sets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, case, func, select, update
from sqlalchemy.orm import Session

from storage.dialect import in_batches, insert_new_rows
from storage.models import Obligation, SupervisionRecord, Team, Worker

SUPERVISION = "supervision"


def add_records(session: Session, *, rows: list[dict[str, Any]]) -> set[tuple[int, date]]:
    """Record supervisions; one already recorded for the same worker and day is skipped.
    Returns the (worker id, day) of those recorded now."""
    table = cast(Table, SupervisionRecord.__table__)
    unique = ["worker_id", "held_on"]
    return {
        (w, d) for w, d in insert_new_rows(session, table, rows, unique=unique, returning=unique)
    }


def last_held(session: Session, *, worker_ids: Iterable[int]) -> dict[int, date]:
    """The latest supervision of each of these workers."""
    found: dict[int, date] = {}
    for part in in_batches(worker_ids):
        stmt = (
            select(SupervisionRecord.worker_id, func.max(SupervisionRecord.held_on))
            .where(SupervisionRecord.worker_id.in_(part))
            .group_by(SupervisionRecord.worker_id)
        )
        found.update(session.execute(stmt).tuples().all())
    return found


def open_items(session: Session, *, worker_ids: Iterable[int]) -> dict[int, Obligation]:
    """The open supervision item of each of these workers."""
    found: dict[int, Obligation] = {}
    for part in in_batches(worker_ids):
        stmt = select(Obligation).where(
            Obligation.kind == SUPERVISION,
            Obligation.status == "open",
            Obligation.subject_id.in_(part),
        )
        found.update((o.subject_id, o) for o in session.scalars(stmt))
    return found


def unscheduled(
    session: Session, *, roles: tuple[str, ...]
) -> list[tuple[int, str, date, date | None, int | None]]:
    """Active workers in `roles` with no open supervision item: (id, role, start, role since,
    supervisor id)."""
    has_item = select(Obligation.subject_id).where(
        Obligation.kind == SUPERVISION, Obligation.status == "open"
    )
    stmt = (
        select(Worker.id, Worker.role, Worker.start_date, Worker.role_since, Worker.supervisor_id)
        .where(Worker.role.in_(roles), Worker.status == "active", Worker.id.not_in(has_item))
        .order_by(Worker.id)
    )
    return [tuple(r) for r in session.execute(stmt).all()]  # type: ignore[misc]


def cancel_items(session: Session, *, ids: list[int]) -> None:
    for part in in_batches(ids):
        session.execute(
            update(Obligation)
            .where(Obligation.id.in_(part), Obligation.status == "open")
            .values(status="cancelled")
            .execution_options(synchronize_session=False)
        )


def reopen_cancelled(session: Session, *, sources: list[str]) -> int:
    """Open again the cancelled supervision items with these sources (paused by leave)."""
    reopened = 0
    for part in in_batches(sources):
        result = session.execute(
            update(Obligation)
            .where(
                Obligation.kind == SUPERVISION,
                Obligation.source.in_(part),
                Obligation.status == "cancelled",
            )
            .values(status="open")
            .execution_options(synchronize_session=False)
        )
        reopened += int(getattr(result, "rowcount", 0) or 0)
    return reopened


def close_items(session: Session, *, changes: list[dict[str, Any]]) -> None:
    """Close supervision items: {'id', 'closed_on', 'closed_by_event_id'} rows."""
    if changes:
        session.execute(update(Obligation), [{**c, "status": "done"} for c in changes])


def workers_by_id(session: Session, *, ids: Iterable[int]) -> dict[int, Worker]:
    found: dict[int, Worker] = {}
    for part in in_batches(ids):
        found.update((w.id, w) for w in session.scalars(select(Worker).where(Worker.id.in_(part))))
    return found


def records_of(session: Session, *, worker_id: int) -> list[SupervisionRecord]:
    stmt = (
        select(SupervisionRecord)
        .where(SupervisionRecord.worker_id == worker_id)
        .order_by(SupervisionRecord.held_on)
    )
    return list(session.scalars(stmt))


def compliance_by_team(
    session: Session, *, roles: tuple[str, ...], as_of: date
) -> list[tuple[str, int, int]]:
    """(team, workers with a supervision item, of them overdue) for each team."""
    late = func.sum(case((Obligation.due_date < as_of, 1), else_=0))
    stmt = (
        select(Team.key, func.count(Obligation.id), late)
        .join(Worker, Worker.id == Obligation.subject_id)
        .join(Team, Team.id == Worker.team_id)
        .where(
            Obligation.kind == SUPERVISION,
            Obligation.status == "open",
            Worker.role.in_(roles),
        )
        .group_by(Team.key)
        .order_by(Team.key)
    )
    return [(t, int(n), int(o or 0)) for t, n, o in session.execute(stmt).all()]
