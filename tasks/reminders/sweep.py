"""The sweep's window: the dates since the last successful sweep, the due dates whose
reminder steps can fall in them, and the watermark moved once they are handled."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from definitions.clock import DateWindow, sweep_window
from definitions.organisation import Organisation
from storage.obligations import open_id_chunks
from storage.sweeps import last_swept, record_sweep

SWEEP = "daily"


def due_range(organisation: Organisation, window: DateWindow) -> tuple[date, date]:
    """Due dates whose reminder steps can fall inside `window`, over every policy."""
    policies = organisation.reminder_policies.values()
    earliest = min(p.earliest_offset for p in policies)
    latest = max(p.latest_offset for p in policies)
    # Steps move off weekends, bank holidays and closure days: widen the range by the longest
    # closure near the window (plus a margin for closures added later); steps_due then picks
    # exactly.
    calendar = organisation.working_calendar()
    around = timedelta(days=latest - earliest + 62)
    closure = calendar.longest_closure(window.start - around, window.end + around)
    slack = timedelta(days=closure + 1)
    return (
        window.start - timedelta(days=latest) - slack,
        window.end - timedelta(days=earliest) + slack,
    )


def plan_window(
    session: Session, organisation: Organisation, *, as_of: date, chunk_size: int
) -> tuple[DateWindow, date | None, list[tuple[int, int]]]:
    """(the window to sweep, the last day swept, the id chunks of obligations whose reminder
    steps may fall in the window)."""
    last = last_swept(session, flow=SWEEP)
    window = sweep_window(last, as_of, max_catch_up_days=organisation.profile.max_catch_up_days)
    chunks: list[tuple[int, int]] = []
    if not window.is_empty:
        due_from, due_to = due_range(organisation, window)
        chunks = open_id_chunks(session, due_from=due_from, due_to=due_to, size=chunk_size)
    return window, last, chunks


def close_sweep(
    session: Session, *, as_of: date, window_start: date, window_end: date, counts: dict[str, Any]
) -> None:
    """Move the watermark: these dates (a window that is not empty) are handled and will not
    be swept again."""
    record_sweep(
        session,
        flow=SWEEP,
        as_of=as_of,
        window_start=window_start,
        window_end=window_end,
        counts=counts,
    )
