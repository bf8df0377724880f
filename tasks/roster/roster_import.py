"""Import the roster CSV: validate every row, then upsert and enrol in one transaction."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from definitions.organisation import Organisation
from definitions.roster import RosterError, RosterProblem, address_warnings, parse_roster
from storage.dialect import refresh_statistics
from storage.history import record_event, record_events
from storage.obligations import close_for_leavers
from storage.roster import ensure_services, known_external_ids, upsert_workers
from tasks.programmes.enrolment import enrol_eligible, follow_roster_changes
from tasks.roster.moves import keep_slottings, record_moves, roster_moves
from tasks.roster.replacements import (
    close_filled_needs,
    note_replacement_needs,
    roles_and_teams,
)
from tasks.training.required import ensure_required_items


@dataclass(frozen=True)
class RosterImport:
    rows: int
    inserted: int
    updated: int
    unchanged: int
    enrolled: dict[str, list[str]]  # by programme key
    warnings: list[RosterProblem] = field(default_factory=list)


def read_csv(path: Path) -> tuple[list[str] | None, list[tuple[int, dict[str, str | None]]]]:
    """The header and (line number, row) pairs; Excel's UTF-8 byte-order mark is accepted."""
    if path.exists() and not path.is_file():  # a folder, a FIFO or a device: never opened
        raise RosterError(
            str(path), [RosterProblem(0, "-", "not a regular file; give the path of a .csv file")]
        )
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            # Rows as a spreadsheet numbers them (header = 1), even when a quoted cell
            # holds a line break and the file's line numbers run ahead.
            rows = [(number, dict(row)) for number, row in enumerate(reader, start=2)]
            header = None if reader.fieldnames is None else list(reader.fieldnames)
            return header, rows
    except FileNotFoundError:
        raise RosterError(str(path), [RosterProblem(0, "-", "file not found")]) from None
    except OSError as exc:
        raise RosterError(str(path), [RosterProblem(0, "-", exc.strerror or str(exc))]) from None
    except UnicodeDecodeError as exc:
        raise RosterError(
            str(path),
            [
                RosterProblem(
                    0, "-", f"not UTF-8 text (byte {exc.start}); save the sheet as 'CSV UTF-8'"
                )
            ],
        ) from None


def import_roster(
    session: Session,
    organisation: Organisation,
    path: Path,
    *,
    as_of: date,
    actor: str,
    allow_unlisted_move: bool = False,
) -> RosterImport:
    """All or nothing: any bad row raises RosterError and the caller's transaction rolls back."""
    header, raw = read_csv(path)
    rows = parse_roster(
        header,
        raw,
        source=path.name,
        organisation=organisation,
        known_ids=known_external_ids(session),
        as_of=as_of,
    )
    rows, reverted = keep_slottings(session, rows)
    moves = roster_moves(
        session, organisation, rows, source=path.name, allow_unlisted=allow_unlisted_move
    )
    warnings = reverted + address_warnings(rows)
    services = ensure_services(
        session, services=[(s.key, s.title) for s in organisation.profile.services]
    )
    before = roles_and_teams(session)
    counts = upsert_workers(session, services=services, entries=rows, as_of=as_of)
    # The scans below (who needs an enrolment, an item?) are planned on fresh statistics.
    refresh_statistics(session, ("workers", "teams"), rows=counts.inserted + counts.updated)
    record_moves(session, organisation, moves, as_of=as_of, actor=actor)
    note_replacement_needs(session, organisation, before=before, as_of=as_of, actor=actor)
    close_filled_needs(session, as_of=as_of, actor=actor)
    follow_roster_changes(session, organisation, as_of=as_of, actor=actor)
    enrolled = enrol_eligible(session, organisation, as_of=as_of, actor=actor)
    # A leaver owes nothing more: their open items close as "left", kept in the history.
    left = close_for_leavers(session, on=as_of)
    record_events(
        session,
        rows=[
            dict(
                kind="roster.left",
                actor=actor,
                occurred_on=as_of,
                subject_id=worker_id,
                payload={"items_closed": n},
            )
            for worker_id, n in sorted(left.items())
        ],
    )
    refresh_statistics(session, ("obligations", "enrolments"), rows=len(rows))
    if organisation.training is not None:
        ensure_required_items(session, organisation)
    record_event(
        session,
        kind="roster.imported",
        actor=actor,
        occurred_on=as_of,
        payload={
            "file": path.name,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "rows": len(rows),
            "inserted": counts.inserted,
            "updated": counts.updated,
            "enrolled": {k: len(ids) for k, ids in enrolled.items()},
            "leavers_items_closed": sum(left.values()),
            "warnings": [{"row": w.row, "column": w.column, "warning": w.reason} for w in warnings],
        },
    )
    return RosterImport(
        len(rows), counts.inserted, counts.updated, counts.unchanged, enrolled, warnings
    )
