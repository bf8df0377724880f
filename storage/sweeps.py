"""The sweep watermark: the last calendar date each flow has handled."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import SweepRun


def last_swept(session: Session, *, flow: str) -> date | None:
    return session.scalar(select(func.max(SweepRun.window_end)).where(SweepRun.flow == flow))


def record_sweep(
    session: Session,
    *,
    flow: str,
    as_of: date,
    window_start: date,
    window_end: date,
    counts: dict[str, Any],
) -> None:
    session.add(
        SweepRun(
            flow=flow, as_of=as_of, window_start=window_start, window_end=window_end, counts=counts
        )
    )
    session.flush()
