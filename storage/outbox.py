"""The outbox: messages queued once under a dedup key, marked sent once the server took them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.dialect import insert_ignoring_duplicates
from storage.models import OutboxMessage


@dataclass(frozen=True)
class QueuedMessage:
    id: int
    message_id: str
    to_address: str
    subject: str
    body_text: str
    body_html: str
    attempts: int


def enqueue(session: Session, *, rows: list[dict[str, Any]]) -> int:
    """Queue messages; a dedup key already queued (or sent) is skipped. Returns rows added."""
    return insert_ignoring_duplicates(session, OutboxMessage.__table__, rows, unique=["dedup_key"])


def queued_batch(session: Session, *, limit: int, after_id: int = 0) -> list[QueuedMessage]:
    stmt = (
        select(
            OutboxMessage.id,
            OutboxMessage.message_id,
            OutboxMessage.to_address,
            OutboxMessage.subject,
            OutboxMessage.body_text,
            OutboxMessage.body_html,
            OutboxMessage.attempts,
        )
        .where(OutboxMessage.status == "queued", OutboxMessage.id > after_id)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return [QueuedMessage(*row) for row in session.execute(stmt)]


def mark_sent(session: Session, *, message_id: int, at: datetime) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "queued")
        .values(status="sent", sent_at=at, attempts=OutboxMessage.attempts + 1, last_error=None)
    )


def mark_failed_attempt(
    session: Session, *, message_ids: list[int], error: str, permanent: bool
) -> None:
    """Record a failed attempt; a permanent failure stops retries, a temporary one stays queued."""
    if not message_ids:
        return
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == "queued")
        .values(
            status="failed" if permanent else "queued",
            attempts=OutboxMessage.attempts + 1,
            last_error=error[:2000],
        )
    )


def status_counts(session: Session) -> dict[str, int]:
    stmt = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    return dict(session.execute(stmt).all())


def sent_by_kind(session: Session) -> dict[str, int]:
    stmt = (
        select(OutboxMessage.kind + ":" + OutboxMessage.step, func.count())
        .where(OutboxMessage.status == "sent")
        .group_by(OutboxMessage.kind, OutboxMessage.step)
    )
    return dict(session.execute(stmt).all())
