"""Record supervision: one at a time (`ladder supervision record`) or a log file imported
whole. Each closes the worker's open supervision item and dates the next from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.completions import missing_columns
from definitions.errors import BadInput, Refused
from definitions.organisation import Organisation
from definitions.roster import RosterError, RosterProblem
from storage.history import record_event, record_events
from storage.models import Worker
from storage.obligations import insert_obligations
from storage.supervision import add_records, close_items, last_held, open_items, workers_by_id
from tasks.people import acting, require_may_act_for
from tasks.people import worker as find_worker
from tasks.roster.roster_import import read_csv
from tasks.supervision.schedule import item_row, require_supervision, role_start

LOG_COLUMNS = ("external_id", "held_on", "supervisor_id")


@dataclass(frozen=True)
class Recorded:
    worker: str
    held_on: date
    new: bool  # False: this supervision was already recorded
    next_due: date | None  # when the next one is due, when the worker has a schedule


@dataclass(frozen=True)
class Held:
    worker_id: int
    held_on: date
    supervisor_id: int
    notes: str
    source: str


def _follow_up(
    session: Session, organisation: Organisation, held: list[Held], *, actor: str, today: date
) -> dict[int, date]:
    """After new records: each worker's open item closes when a supervision was held on or
    after the day it counts from, and the next is dated from their latest. Returns each
    worker's next due date."""
    workers = {h.worker_id for h in held}
    latest = last_held(session, worker_ids=workers)
    current = open_items(session, worker_ids=workers)
    people = workers_by_id(session, ids=workers)
    closing: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for worker_id in sorted(workers):
        worker, item = people[worker_id], current.get(worker_id)
        since = role_start(worker.start_date, worker.role_since)
        base = date.fromisoformat(item.source.rsplit(":", 1)[1]) if item else None
        newest = max(h.held_on for h in held if h.worker_id == worker_id)
        # The open item counts from `base` (the last supervision, or the start in the role):
        # only a supervision after it (or on the first day in the role) closes it; an older
        # one, filled in late, is history only.
        if (
            item is not None
            and base is not None
            and not (newest > base or (newest == base and base == since))
        ):
            continue
        if item is not None:
            closing.append({"id": item.id, "closed_on": latest[worker_id]})
            events.append(
                dict(
                    kind="supervision.item_closed",
                    actor=actor,
                    occurred_on=today,
                    subject_id=worker_id,
                    obligation_id=item.id,
                    payload={
                        "held_on": latest[worker_id].isoformat(),
                        "due": item.due_date.isoformat(),
                        "late": latest[worker_id] > item.due_date,
                    },
                )
            )
        if (
            require_supervision(organisation).schedule_for(worker.role)
            and worker.status == "active"
        ):
            rows.append(
                item_row(
                    organisation,
                    worker_id=worker_id,
                    role=worker.role,
                    since=since,
                    last=latest[worker_id],
                    supervised_by="supervisor" if worker.supervisor_id else "manager",
                )
            )
    close_items(session, changes=closing)
    record_events(session, rows=events)
    insert_obligations(session, rows=rows)
    return {r["subject_id"]: r["due_date"] for r in rows}


def record_supervision(
    session: Session,
    organisation: Organisation,
    *,
    worker: str,
    held_on: date,
    by: str,
    notes: str = "",
    today: date,
) -> Recorded:
    """Record one supervision held by `by` (the worker's supervisor or manager, or a role the
    organisation's supervision.yaml allows) with `worker`, in the caller's transaction."""
    programme = require_supervision(organisation)
    subject = find_worker(session, worker)
    supervisor = acting(session, by, "supervisor")
    if supervisor.id == subject.id:
        raise Refused(
            f"{by} cannot record their own supervision; their supervisor or manager records it"
        )
    who = " or ".join(r.replace("_", " ") for r in programme.recorded_by)
    require_may_act_for(
        supervisor,
        allowed=(subject.supervisor_id, subject.manager_id),
        deciders=programme.recorded_by,
        refusal=(
            f"{by} is not {worker}'s supervisor or manager; only they, or a {who} "
            "(supervision.yaml: recorded_by), may record {worker}'s supervision"
        ).replace("{worker}", worker),
    )
    if held_on > today:
        raise BadInput(f"{held_on} is in the future; record a supervision once it has been held")
    if held_on < subject.start_date:
        raise BadInput(
            f"{held_on} is before {worker} started ({subject.start_date}); check the date"
        )
    new = add_records(
        session,
        rows=[
            dict(
                worker_id=subject.id,
                held_on=held_on,
                supervisor_id=supervisor.id,
                notes=notes.strip(),
                source="recorded",
                recorded_by=by,
            )
        ],
    )
    if not new:  # the same supervision recorded again (a re-run): nothing changes
        return Recorded(worker, held_on, False, _open_due(session, subject.id))
    record_event(
        session,
        kind="supervision.recorded",
        actor=by,
        occurred_on=held_on,
        subject_id=subject.id,
        payload={"held_on": held_on.isoformat(), "supervisor": by},
    )
    nxt = _follow_up(
        session,
        organisation,
        [Held(subject.id, held_on, supervisor.id, notes, "recorded")],
        actor=by,
        today=today,
    )
    return Recorded(worker, held_on, True, nxt.get(subject.id, _open_due(session, subject.id)))


def _open_due(session: Session, worker_id: int) -> date | None:
    item = open_items(session, worker_ids=[worker_id]).get(worker_id)
    return item.due_date if item else None


def import_supervision_log(
    session: Session, organisation: Organisation, path: Path, *, actor: str, today: date
) -> tuple[int, int]:
    """A supervision log (external_id, held_on, supervisor_id, notes): all or nothing, every
    problem listed by row and column; re-importing records nothing twice. The person
    importing must hold a role supervision.yaml's `recorded_by` names. Returns (rows, new)."""
    programme = require_supervision(organisation)
    from tasks.people import require_role

    require_role(session, actor, roles=programme.recorded_by, may="import a supervision log")
    header, raw = read_csv(path)
    missing_columns(header, LOG_COLUMNS, path.name)
    people = {w.external_id: w for w in session.scalars(select(Worker))}
    problems: list[RosterProblem] = []
    held: list[Held] = []
    seen: dict[tuple[str, date], int] = {}
    for line, row in raw:
        values = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        bad = len(problems)
        worker = people.get(values.get("external_id", ""))
        if worker is None:
            problems.append(
                RosterProblem(
                    line,
                    "external_id",
                    f"'{values.get('external_id', '')}' is not a worker in Ladder; import the "
                    "roster first or correct the id",
                )
            )
        supervisor = people.get(values.get("supervisor_id", ""))
        if supervisor is None:
            problems.append(
                RosterProblem(
                    line,
                    "supervisor_id",
                    f"'{values.get('supervisor_id', '')}' is not a worker in Ladder; name the "
                    "supervisor by their roster id",
                )
            )
        try:
            held_on = date.fromisoformat(values.get("held_on", ""))
        except ValueError:
            problems.append(
                RosterProblem(
                    line,
                    "held_on",
                    f"'{values.get('held_on', '')}' is not a date; use YYYY-MM-DD, e.g. 2026-03-31",
                )
            )
            continue
        if held_on > today:
            problems.append(
                RosterProblem(
                    line, "held_on", f"{held_on} is in the future; log supervision once held"
                )
            )
        if worker is not None and held_on < worker.start_date:
            problems.append(
                RosterProblem(
                    line,
                    "held_on",
                    f"{held_on} is before {worker.external_id} started ({worker.start_date})",
                )
            )
        if len(problems) > bad or worker is None or supervisor is None:
            continue
        key = (worker.external_id, held_on)
        if key in seen:
            problems.append(
                RosterProblem(
                    line, "held_on", f"the same supervision as row {seen[key]}; remove one of them"
                )
            )
            continue
        seen[key] = line
        held.append(
            Held(worker.id, held_on, supervisor.id, values.get("notes", ""), f"{path.name}:{line}")
        )
    if problems:
        raise RosterError(path.name, problems)
    rows: list[dict[str, Any]] = [
        dict(
            worker_id=h.worker_id,
            held_on=h.held_on,
            supervisor_id=h.supervisor_id,
            notes=h.notes,
            source=h.source,
            recorded_by=actor,
        )
        for h in held
    ]
    recorded = add_records(session, rows=rows)
    fresh = [h for h in held if (h.worker_id, h.held_on) in recorded]
    record_events(
        session,
        rows=[
            dict(
                kind="supervision.recorded",
                actor=actor,
                occurred_on=h.held_on,
                subject_id=h.worker_id,
                payload={"held_on": h.held_on.isoformat(), "source": h.source},
            )
            for h in fresh
        ],
    )
    if fresh:
        _follow_up(session, organisation, fresh, actor=actor, today=today)
    new = len(fresh)
    record_event(
        session,
        kind="supervision.log_imported",
        actor=actor,
        occurred_on=today,
        payload={"file": path.name, "rows": len(held), "new": new},
    )
    return len(held), new
