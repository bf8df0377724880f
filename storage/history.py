"""The append-only history: every decision and happening, with who and when."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage.models import Event

# How the decisions being recorded reached Ladder: "cli:<login>", "form:<flow run id>",
# "link:<token id>", "schedule:<flow run id>". Set once by the entry point (a command, a
# form's flow, the web app), read by every event recorded under it.
_channel: ContextVar[str | None] = ContextVar("ladder_channel", default=None)


@contextmanager
def channel(name: str) -> Iterator[None]:
    """Record every event inside this block as having come through `name`."""
    token = _channel.set(name[:200])
    try:
        yield
    finally:
        _channel.reset(token)


def current_channel() -> str | None:
    return _channel.get()


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
                channel=_channel.get(),
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
        session.execute(
            insert(Event), [{"payload": {}, "channel": _channel.get(), **row} for row in rows]
        )
