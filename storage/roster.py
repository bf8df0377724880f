"""Workers, teams and services: the roster, upserted by external id in a few statements."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from definitions.roster import LINK_COLUMNS, RosterRow
from storage.dialect import insert_ignoring_duplicates
from storage.models import Service, Team, Worker


@dataclass(frozen=True)
class ImportCounts:
    inserted: int
    updated: int
    unchanged: int


def known_external_ids(session: Session) -> frozenset[str]:
    return frozenset(session.scalars(select(Worker.external_id)))


def ensure_services(session: Session, *, services: Iterable[tuple[str, str]]) -> dict[str, int]:
    rows = [{"key": key, "title": title} for key, title in services]
    insert_ignoring_duplicates(session, cast(Table, Service.__table__), rows, unique=["key"])
    return {key: id_ for key, id_ in session.execute(select(Service.key, Service.id)).all()}


def upsert_workers(
    session: Session, *, entries: list[RosterRow], services: dict[str, int], as_of: date
) -> ImportCounts:
    """Insert new workers and update existing ones by external id; never duplicates. A
    worker whose role changes holds the new one from `as_of` (the day the roster said so)."""
    team_rows = [{"key": e.team, "service_id": services[e.service]} for e in entries]
    insert_ignoring_duplicates(session, cast(Table, Team.__table__), team_rows, unique=["key"])
    teams = {key: id_ for key, id_ in session.execute(select(Team.key, Team.id)).all()}

    fields = ("name", "email", "role", "start_date", "district", "status")
    existing = {
        row.external_id: row
        for row in session.execute(
            select(
                Worker.id,
                Worker.external_id,
                Worker.service_id,
                Worker.team_id,
                Worker.role_since,
                *(getattr(Worker, c) for c in LINK_COLUMNS),
                *(getattr(Worker, f) for f in fields),
            )
        )
    }
    new_rows, changed_rows, unchanged = [], [], 0
    for e in entries:
        values = {f: getattr(e, f) for f in fields}
        values.update(service_id=services[e.service], team_id=teams[e.team])
        current = existing.get(e.external_id)
        if current is None:
            new_rows.append({"external_id": e.external_id, **values})
        elif any(getattr(current, k) != v for k, v in values.items()):
            since = as_of if current.role != e.role else current.role_since
            changed_rows.append({"id": current.id, **values, "role_since": since})
        else:
            unchanged += 1
    insert_ignoring_duplicates(
        session, cast(Table, Worker.__table__), new_rows, unique=["external_id"]
    )
    if changed_rows:
        session.execute(update(Worker), changed_rows)

    # Second pass: managers, assessors and supervisors refer to workers that now all exist.
    ids = {ext: id_ for ext, id_ in session.execute(select(Worker.external_id, Worker.id)).all()}
    changed_ids = {row["id"] for row in changed_rows}
    links = []
    for e in entries:
        link: dict[str, int | None] = {"id": ids[e.external_id]}
        for column in LINK_COLUMNS:
            ref = getattr(e, column)
            link[column] = ids[ref] if ref else None
        current = existing.get(e.external_id)
        if current is None or any(getattr(current, c) != link[c] for c in LINK_COLUMNS):
            links.append(link)
            if current is not None and link["id"] not in changed_ids:
                changed_ids.add(link["id"])
                unchanged -= 1
    if links:
        session.execute(update(Worker), links)
    return ImportCounts(len(new_rows), len(changed_ids), unchanged)


def worker_by_external_id(session: Session, external_id: str) -> Worker | None:
    return session.scalars(select(Worker).where(Worker.external_id == external_id)).first()
