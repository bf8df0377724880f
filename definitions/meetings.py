"""Meetings in the organisation's time zone: a local wall-clock time a person can trust."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from definitions.errors import BadInput


class MeetingTimeError(BadInput):
    """A meeting time that does not name one real moment in the organisation's zone."""


def local_meeting_time(text: str, timezone: str) -> datetime:
    """Read 'YYYY-MM-DD HH:MM' as a wall-clock time in `timezone`, refusing the times a clock
    change skips (01:30 on the last Sunday of March in London) or repeats (01:30 on the last
    Sunday of October), which would otherwise put a meeting an hour off for someone."""
    try:
        naive = datetime.fromisoformat(text.strip().replace("T", " "))
    except ValueError:
        raise MeetingTimeError(
            f"'{text}' is not a date and time; write it as YYYY-MM-DD HH:MM, e.g. 2026-05-01 10:00"
        ) from None
    if naive.tzinfo is not None:
        raise MeetingTimeError(
            f"'{text}' carries an offset; write the local time in {timezone} without one"
        )
    zone = ZoneInfo(timezone)
    early, late = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if early.utcoffset() != late.utcoffset():
        skipped = early.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive
        what = (
            "does not exist (the clocks go forward)"
            if skipped
            else ("happens twice (the clocks go back)")
        )
        raise MeetingTimeError(
            f"{naive:%Y-%m-%d %H:%M} {what} in {timezone}; choose a time outside 01:00-02:00"
        )
    return early


def ends_at(starts: datetime, minutes: int) -> datetime:
    """The end of a meeting `minutes` long, in the start's zone. Python adds a timedelta to
    an aware datetime on the wall clock, which across a clock change gives a meeting an hour
    too long or short; this adds real elapsed time."""
    zone = starts.tzinfo
    return (starts.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(zone)


@dataclass(frozen=True)
class MeetingView:
    """A booked meeting as messages show it, in the organisation's time zone."""

    starts: datetime  # aware, in the organisation's zone
    minutes: int
    location: str

    @property
    def label(self) -> str:
        """'Monday 30 March 2026 at 10:00 (BST)'."""
        return f"{self.starts:%A} {self.starts.day} {self.starts:%B %Y at %H:%M} ({self.zone})"

    @property
    def zone(self) -> str:
        return self.starts.tzname() or ""
