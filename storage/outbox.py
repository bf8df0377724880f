"""The outbox: messages queued once under a dedup key, marked sent once the server took them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, func, or_, select, update
from sqlalchemy.orm import Session

from storage.dialect import insert_ignoring_duplicates
from storage.models import OutboxMessage, Worker


@dataclass(frozen=True)
class QueuedMessage:
    id: int
    message_id: str
    to_address: str
    subject: str
    body_text: str
    body_html: str
    attempts: int
    ics: str | None = None
    attachment_path: str | None = None
    attachment_name: str | None = None


def enqueue(session: Session, *, rows: list[dict[str, Any]]) -> int:
    """Queue messages; a dedup key already queued (or sent) is skipped. Returns rows added."""
    return insert_ignoring_duplicates(
        session, cast(Table, OutboxMessage.__table__), rows, unique=["dedup_key"]
    )


def claim_batch(
    session: Session,
    *,
    limit: int,
    now: datetime,
    lease_until: datetime,
    token: str,
    after_id: int = 0,
    gone: tuple[str, ...] = (),
) -> list[QueuedMessage]:
    """Lease up to `limit` queued messages due an attempt (never tried, or past their backoff)
    that no other delivery holds. Leases held by `gone` (holders whose process is known to
    be dead: a handful, see `leases_held`) are taken over before they run out. The caller
    commits, then sends what it got."""
    free = or_(
        OutboxMessage.lease_until.is_(None),
        OutboxMessage.lease_until <= now,
        *([OutboxMessage.lease_token.in_(gone)] if gone else []),
    )
    due = or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)
    candidates = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "queued", OutboxMessage.id > after_id, due, free)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    while True:
        ids = list(session.scalars(candidates))
        if not ids:
            return []
        # The condition is checked again as the rows are updated: of two deliveries racing
        # for the same rows, only one gets each; the loser looks again for free ones.
        claimed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "queued", free)
            .values(lease_until=lease_until, lease_token=token)
            .returning(
                OutboxMessage.id,
                OutboxMessage.message_id,
                OutboxMessage.to_address,
                OutboxMessage.subject,
                OutboxMessage.body_text,
                OutboxMessage.body_html,
                OutboxMessage.attempts,
                OutboxMessage.ics,
                OutboxMessage.attachment_path,
                OutboxMessage.attachment_name,
            )
            .execution_options(synchronize_session=False)
        ).all()
        if claimed:
            break
    return sorted((QueuedMessage(*row) for row in claimed), key=lambda m: m.id)


def _held(message_ids: list[int], token: str) -> Any:
    return (
        OutboxMessage.id.in_(message_ids),
        OutboxMessage.status == "queued",
        OutboxMessage.lease_token == token,
    )


# The lease ends; the token stays, naming the run that last handled the message.
_RELEASED = {"lease_until": None}


def hold(session: Session, *, message_id: int, token: str, until: datetime) -> bool:
    """Renew this run's lease on a message just before sending it; False when the lease ran
    out and another run has taken the message over (then this run must not send it)."""
    renewed = session.execute(
        update(OutboxMessage)
        .where(*_held([message_id], token))
        .values(lease_until=until)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    return bool(renewed)


def mark_sent(session: Session, *, message_id: int, token: str, at: datetime) -> None:
    session.execute(
        update(OutboxMessage)
        .where(*_held([message_id], token))
        .values(
            status="sent",
            sent_at=at,
            attempts=OutboxMessage.attempts + 1,
            last_error=None,
            **_RELEASED,
        )
        .execution_options(synchronize_session=False)
    )


def release(session: Session, *, message_ids: list[int], token: str, error: str) -> None:
    """Give back messages this run leased but did not send (the server could not be reached,
    or the run stopped): they stay queued, with the reason, for the next run. Not counted as
    an attempt, since the server never saw them."""
    if message_ids:
        session.execute(
            update(OutboxMessage)
            .where(*_held(message_ids, token))
            .values(last_error=error[:2000], **_RELEASED)
            .execution_options(synchronize_session=False)
        )


def mark_refused(
    session: Session,
    *,
    message_id: int,
    token: str,
    attempts: int,
    error: str,
    retry_at: datetime | None,
) -> None:
    """The server refused this message: try again at `retry_at`, or never (None: failed)."""
    session.execute(
        update(OutboxMessage)
        .where(*_held([message_id], token))
        .values(
            status="queued" if retry_at else "failed",
            attempts=attempts,
            last_error=error[:2000],
            next_attempt_at=retry_at,
            **_RELEASED,
        )
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class LeaseHeld:
    holder: str
    messages: int
    until: datetime


def leases_held(session: Session, *, now: datetime, limit: int = 100) -> list[LeaseHeld]:
    """Who holds leases on queued messages now, with how many and until when: one row per
    delivery run in flight (a handful), not per message."""
    stmt = (
        select(OutboxMessage.lease_token, func.count(), func.max(OutboxMessage.lease_until))
        .where(
            OutboxMessage.status == "queued",
            OutboxMessage.lease_until > now,
            OutboxMessage.lease_token.is_not(None),
        )
        .group_by(OutboxMessage.lease_token)
        .order_by(OutboxMessage.lease_token)
        .limit(limit)
    )
    return [LeaseHeld(str(t), int(n), until) for t, n, until in session.execute(stmt).all()]


def handled_by(session: Session, *, token: str) -> dict[str, int]:
    """{status: messages} of what the run named `token` last handled: what the server
    accepted (sent), refused for good (failed), or left queued for a later attempt."""
    stmt = (
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.lease_token == token)
        .group_by(OutboxMessage.status)
    )
    return {status: int(n) for status, n in session.execute(stmt).all()}


def status_counts(session: Session) -> dict[str, int]:
    stmt = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    return {status: n for status, n in session.execute(stmt).all()}


def channel_counts(session: Session) -> dict[tuple[str, str], int]:
    """{(channel, status): messages}: direct reminders, digests and invites, by status."""
    stmt = select(OutboxMessage.channel, OutboxMessage.status, func.count()).group_by(
        OutboxMessage.channel, OutboxMessage.status
    )
    return {(c, s): n for c, s, n in session.execute(stmt).all()}


@dataclass(frozen=True)
class Undelivered:
    id: int
    status: str
    kind: str
    step: str
    recipient: str | None
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None


def undelivered(session: Session, *, limit: int = 50) -> list[Undelivered]:
    """Failed messages, and queued ones that have met an error, newest first (ids, no names)."""
    stmt = (
        select(
            OutboxMessage.id,
            OutboxMessage.status,
            OutboxMessage.kind,
            OutboxMessage.step,
            Worker.external_id,
            OutboxMessage.attempts,
            OutboxMessage.last_error,
            OutboxMessage.next_attempt_at,
        )
        .outerjoin(Worker, Worker.id == OutboxMessage.recipient_id)
        .where(
            (OutboxMessage.status == "failed")
            | ((OutboxMessage.status == "queued") & OutboxMessage.last_error.is_not(None))
        )
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return [Undelivered(*row) for row in session.execute(stmt)]


def day_counts(session: Session, *, send_on: date) -> list[tuple[str, str, str, int]]:
    """(channel, kind, status, messages) of the mails of one day."""
    stmt = (
        select(OutboxMessage.channel, OutboxMessage.kind, OutboxMessage.status, func.count())
        .where(OutboxMessage.send_on == send_on)
        .group_by(OutboxMessage.channel, OutboxMessage.kind, OutboxMessage.status)
        .order_by(OutboxMessage.channel, OutboxMessage.kind, OutboxMessage.status)
    )
    return [(c, k, s, int(n)) for c, k, s, n in session.execute(stmt).all()]
