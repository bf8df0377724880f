"""The one clock: sweep windows over calendar dates, so a missed day is caught up once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class DateWindow:
    """Calendar dates from `start` to `end`, both included; empty when start > end."""

    start: date
    end: date

    @property
    def is_empty(self) -> bool:
        return self.start > self.end

    def __contains__(self, d: object) -> bool:
        # A datetime is a date subclass but does not compare with one; it counts by its own
        # calendar date, so convert it to the organisation's zone before asking.
        if isinstance(d, datetime):
            d = d.date()
        return isinstance(d, date) and self.start <= d <= self.end

    def days(self) -> int:
        return 0 if self.is_empty else (self.end - self.start).days + 1

    def __str__(self) -> str:
        if self.is_empty:
            return f"nothing new (already swept up to {self.start - timedelta(days=1)})"
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def skipped_by_cap(last_swept: date | None, window: DateWindow) -> DateWindow:
    """The days a capped catch-up leaves out: after the last sweep, before the window. Their
    reminders are never sent, so the run must say so."""
    if last_swept is None or window.is_empty:
        return DateWindow(window.start, window.start - timedelta(days=1))
    return DateWindow(last_swept + timedelta(days=1), window.start - timedelta(days=1))


def sweep_window(last_swept: date | None, as_of: date, *, max_catch_up_days: int) -> DateWindow:
    """The dates a sweep on `as_of` must cover.

    Everything after the last successful sweep up to `as_of`, so days missed while Ladder
    was down are handled once on the next run. The first sweep ever covers `as_of` only (no
    back-dated reminders), and a catch-up never reaches back more than `max_catch_up_days`,
    so a system left off for months does not flood people with stale reminders.
    """
    if last_swept is None:
        return DateWindow(as_of, as_of)
    start = last_swept + timedelta(days=1)
    floor = as_of - timedelta(days=max_catch_up_days - 1)
    return DateWindow(max(start, floor), as_of)
