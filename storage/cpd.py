"""CPD records and registration items, read and written in sets."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import Table, case, exists, func, select
from sqlalchemy.orm import Session

from storage.dialect import insert_new_rows
from storage.models import CpdRecord, Obligation, Worker

CPD = "registration.cpd"


def add_record(session: Session, *, row: dict[str, Any]) -> bool:
    """Record one piece of CPD; False when the same (worker, day, title) is already on record."""
    table = cast(Table, CpdRecord.__table__)
    unique = ["worker_id", "done_on", "title"]
    return bool(insert_new_rows(session, table, [row], unique=unique, returning=["id"]))


def progress_of(
    session: Session, *, worker_id: int, start: date, end: date
) -> tuple[int, int, int]:
    """(records, with peer reflection, minutes) of a worker's CPD done in [start, end]."""
    peer = func.sum(case((CpdRecord.peer_reflection.is_(True), 1), else_=0))
    row = session.execute(
        select(func.count(CpdRecord.id), peer, func.coalesce(func.sum(CpdRecord.minutes), 0)).where(
            CpdRecord.worker_id == worker_id, CpdRecord.done_on.between(start, end)
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def records_of(session: Session, *, worker_id: int) -> list[CpdRecord]:
    stmt = select(CpdRecord).where(CpdRecord.worker_id == worker_id).order_by(CpdRecord.done_on)
    return list(session.scalars(stmt))


def without_item(session: Session, *, roles: tuple[str, ...], due: date) -> list[tuple[int, str]]:
    """Active workers in `roles` with no CPD item due on `due` (this cycle's)."""
    has = exists().where(
        Obligation.subject_id == Worker.id, Obligation.kind == CPD, Obligation.due_date == due
    )
    stmt = (
        select(Worker.id, Worker.external_id)
        .where(Worker.role.in_(roles), Worker.status == "active", ~has)
        .order_by(Worker.id)
    )
    return [(i, e) for i, e in session.execute(stmt).all()]


def open_item(session: Session, *, worker_id: int, due: date) -> Obligation | None:
    return session.scalars(
        select(Obligation).where(
            Obligation.subject_id == worker_id,
            Obligation.kind == CPD,
            Obligation.due_date == due,
            Obligation.status == "open",
        )
    ).first()
