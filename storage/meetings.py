"""Meetings booked for obligations (ASYE reviews), read in sets for the messages that show them."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.meetings import MeetingView
from definitions.organisation import Organisation
from storage.dialect import in_batches
from storage.models import Meeting


def meetings_for(
    session: Session, *, obligation_ids: Iterable[int], organisation: Organisation
) -> dict[int, MeetingView]:
    """Booked (not cancelled) meetings of these obligations, in the organisation's zone."""
    zone = ZoneInfo(organisation.profile.calendar.timezone)
    found: dict[int, MeetingView] = {}
    for part in in_batches(obligation_ids):
        stmt = select(Meeting).where(Meeting.obligation_id.in_(part), Meeting.status == "booked")
        for m in session.scalars(stmt):
            found[m.obligation_id] = MeetingView(
                m.starts_at.astimezone(zone), m.minutes, m.location
            )
    return found


def meeting_of(session: Session, obligation_id: int) -> Meeting | None:
    return session.scalars(select(Meeting).where(Meeting.obligation_id == obligation_id)).first()
