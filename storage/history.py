"""The append-only history: every decision and happening, with who and when."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage.models import Event


def record_event(
    session: Session,
    *,
    kind: str,
    actor: str,
    occurred_on: date,
    subject_id: int | None = None,
    obligation_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> int:
    """Append one event and return its id."""
    result = session.execute(
        insert(Event).returning(Event.id),
        [
            dict(
                kind=kind,
                actor=actor,
                occurred_on=occurred_on,
                subject_id=subject_id,
                obligation_id=obligation_id,
                payload=payload or {},
            )
        ],
    )
    return int(result.scalar_one())


def events_for(session: Session, *, subject_id: int) -> list[Event]:
    stmt = select(Event).where(Event.subject_id == subject_id).order_by(Event.id)
    return list(session.scalars(stmt))


def record_events(session: Session, *, rows: list[dict[str, Any]]) -> None:
    """Append many events in one statement (rows: kind, actor, occurred_on, subject_id, ...)."""
    if rows:
        session.execute(insert(Event), [{"payload": {}, **row} for row in rows])
