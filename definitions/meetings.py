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
    problem = clock_change_problem(naive, timezone)
    if problem:
        raise MeetingTimeError(problem)
    return naive.replace(tzinfo=ZoneInfo(timezone))


def _real(naive: datetime, zone: ZoneInfo) -> bool:
    """Whether the wall-clock time `naive` names exactly one moment in `zone`."""
    early, late = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    return early.utcoffset() == late.utcoffset()


def clock_change_problem(naive: datetime, timezone: str) -> str | None:
    """Why the wall-clock time `naive` is no good in `timezone`, or None: a time the clocks
    skip when they go forward, or pass twice when they go back, would put a meeting an
    hour off for someone. Names the times on either side that are real."""
    zone = ZoneInfo(timezone)
    if _real(naive, zone):
        return None
    minute = timedelta(minutes=1)
    before, after = naive - minute, naive + minute
    while not _real(before, zone):
        before -= minute
    while not _real(after, zone):
        after += minute
    early = naive.replace(tzinfo=zone, fold=0)
    skipped = early.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive
    what = (
        "does not exist (the clocks go forward)"
        if skipped
        else "happens twice (the clocks go back)"
    )
    return (
        f"{naive:%Y-%m-%d %H:%M} {what} in {timezone}; choose a time before "
        f"{before + minute:%H:%M}, or from {after:%H:%M}"
    )


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
