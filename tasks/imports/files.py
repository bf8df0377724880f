"""Import one CSV file, all-or-nothing in one transaction (the roster, training
completions or refresher sessions). A bad file raises its RosterError, which names the
file, row and field and says how to fix it; nothing of it is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from definitions.forms import ImportKind
from tasks.roster.roster_import import import_roster
from tasks.runtime import current_runtime
from tasks.training.completions import import_completions
from tasks.training.sessions import import_sessions

# The order an inbox is read in: completions and sessions refer to workers on the roster.
KINDS: tuple[ImportKind, ...] = ("workers", "completions", "sessions")


def import_one(session: Session, kind: ImportKind, path: Path, *, actor: str) -> dict[str, Any]:
    """Import one file of this kind in the caller's transaction; its counts, by name."""
    runtime = current_runtime()
    today = runtime.calendar.today()
    if kind == "workers":
        roster = import_roster(session, runtime.organisation, path, as_of=today, actor=actor)
        return {
            "rows": roster.rows,
            "new": roster.inserted,
            "updated": roster.updated,
            "unchanged": roster.unchanged,
            **{
                f"enrolled in {runtime.organisation.programme(k).called}": len(ids)
                for k, ids in roster.enrolled.items()
            },
        }
    if kind == "completions":
        rows, update = import_completions(
            session, runtime.organisation, path, actor=actor, today=today
        )
        return {
            "rows": rows,
            "new completions": update.completions,
            "credentials": update.credentials,
            "renewed": update.renewed,
            "awards waiting for a certificate": update.awards,
            "pathways completed": len(update.pathways),
        }
    rows, added = import_sessions(session, runtime.organisation, path, actor=actor, today=today)
    return {"rows": rows, "new sessions": added}
