"""Refresher sessions: import the file of sessions on offer (module, day, venue, places)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from definitions.completions import parse_sessions
from definitions.organisation import Organisation
from definitions.training import require_programme
from storage.history import record_event
from storage.training import add_sessions
from tasks.roster.roster_import import read_csv


def import_sessions(
    session: Session, organisation: Organisation, path: Path, *, actor: str, today: date
) -> tuple[int, int]:
    header, raw = read_csv(path)
    rows = parse_sessions(
        header,
        raw,
        source=path.name,
        training=require_programme(organisation.training),
        timezone=organisation.profile.calendar.timezone,
    )
    added = add_sessions(
        session,
        rows=[
            dict(
                module=r.module,
                held_on=r.held_on,
                starts_at=r.starts_at,
                minutes=r.minutes,
                venue=r.venue,
                district=r.district,
                capacity=r.capacity,
            )
            for r in rows
        ],
    )
    record_event(
        session,
        kind="training.sessions_imported",
        actor=actor,
        occurred_on=today,
        payload={"file": path.name, "rows": len(rows), "new": added},
    )
    return len(rows), added
