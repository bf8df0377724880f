"""Notices: what each person is to be told, decided by a sweep, composed into mails in sets."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from definitions.reminders import Notice
from storage.dialect import id_ranges, in_batches, insert_ignoring_duplicates
from storage.models import Notice as NoticeRow
from storage.models import Obligation, OutboxMessage


@dataclass(frozen=True)
class PendingNotice:
    notice: Notice
    role: str
    step: str


def insert_notices(session: Session, *, rows: list[dict[str, Any]]) -> int:
    """Record notices; a dedup key already recorded (told before) is skipped."""
    return insert_ignoring_duplicates(
        session, cast(Table, NoticeRow.__table__), rows, unique=["dedup_key"]
    )


def pending_recipient_chunks(session: Session, *, day: date, size: int) -> list[tuple[int, int]]:
    """Recipient id ranges holding notices not yet composed, about `size` recipients each.

    Every notice of one person is in one range, so their digest is composed in one place."""
    ids = list(
        session.scalars(
            select(NoticeRow.recipient_id)
            .where(NoticeRow.status == "pending", NoticeRow.day <= day)
            .group_by(NoticeRow.recipient_id)
            .order_by(NoticeRow.recipient_id)
        )
    )
    return id_ranges(ids, size)


def pending_notices(
    session: Session, *, day: date, recipients: tuple[int, int]
) -> dict[int, list[PendingNotice]]:
    """Uncomposed notices up to `day` of the recipients in the id range, by recipient."""
    stmt = (
        select(NoticeRow)
        .where(
            NoticeRow.status == "pending",
            NoticeRow.day <= day,
            NoticeRow.recipient_id.between(*recipients),
        )
        .order_by(NoticeRow.recipient_id, NoticeRow.id)
    )
    found: dict[int, list[PendingNotice]] = defaultdict(list)
    for row in session.scalars(stmt):
        notice = Notice(
            id=row.id,
            recipient_id=row.recipient_id,
            obligation_id=row.obligation_id,
            due=row.due_date,
            mode="digest" if row.mode == "digest" else "direct",
            escalation=row.escalation,
        )
        found[row.recipient_id].append(PendingNotice(notice, row.recipient_role, row.step))
    return dict(found)


def mails_today(
    session: Session, *, day: date, recipients: tuple[int, int], channel: str
) -> dict[int, int]:
    """How many mails of a channel (direct, digest) each recipient in the range has for `day`."""
    stmt = (
        select(OutboxMessage.recipient_id, func.count())
        .where(
            OutboxMessage.send_on == day,
            OutboxMessage.channel == channel,
            OutboxMessage.recipient_id.between(*recipients),
        )
        .group_by(OutboxMessage.recipient_id)
    )
    return {r: n for r, n in session.execute(stmt).all() if r is not None}


def still_open(
    session: Session, *, day: date, until: date, recipients: tuple[int, int]
) -> dict[int, dict[int, str]]:
    """Items each recipient was told about before `day` that are still open and due by
    `until` (overdue ones included): {recipient: {obligation id: role they were told as}}."""
    stmt = (
        select(NoticeRow.recipient_id, NoticeRow.obligation_id, func.max(NoticeRow.recipient_role))
        .join(Obligation, Obligation.id == NoticeRow.obligation_id)
        .where(
            NoticeRow.status == "composed",
            NoticeRow.day < day,
            NoticeRow.recipient_id.between(*recipients),
            Obligation.status == "open",
            Obligation.due_date <= until,
        )
        .group_by(NoticeRow.recipient_id, NoticeRow.obligation_id)
    )
    found: dict[int, dict[int, str]] = defaultdict(dict)
    for recipient, obligation, role in session.execute(stmt).all():
        found[recipient][obligation] = role
    return dict(found)


def outbox_ids(session: Session, *, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in in_batches(keys):
        stmt = select(OutboxMessage.dedup_key, OutboxMessage.id).where(
            OutboxMessage.dedup_key.in_(part)
        )
        found.update((k, i) for k, i in session.execute(stmt).all())
    return found


def settle(session: Session, *, changes: list[dict[str, Any]]) -> None:
    """Mark notices composed (with the mail that carries them) or dropped: {'id', 'status',
    'outbox_id'} rows, in one executemany."""
    if changes:
        session.execute(update(NoticeRow), changes)
