"""Moves in the roster: each change of role or service is a promotion, a lattice move or a
change off the ladder, recorded with the credit it carries; a move the ladder and lattice do
not allow is refused (the allowed ones listed) unless the import says it is meant."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from definitions.organisation import Organisation
from definitions.roster import RosterError, RosterProblem, RosterRow
from storage.dialect import in_batches
from storage.history import record_events
from storage.models import Completion, Event, Service, Team, Worker


@dataclass(frozen=True)
class Move:
    worker_id: int
    row: RosterRow
    kind: str  # promotion, lattice, off_ladder, unlisted
    old_role: str
    old_service: str


def roster_moves(
    session: Session,
    organisation: Organisation,
    rows: list[RosterRow],
    *,
    source: str,
    allow_unlisted: bool,
) -> list[Move]:
    """The moves a roster file makes, before anything is written; RosterError (every row
    named) for moves the ladder and lattice do not allow, unless `allow_unlisted`."""
    current = {
        external_id: (worker_id, role, service)
        for worker_id, external_id, role, service in session.execute(
            select(Worker.id, Worker.external_id, Worker.role, Service.key).join(
                Service, Service.id == Worker.service_id
            )
        ).all()
    }
    moves, problems = [], []
    ladder = organisation.ladder
    for row in rows:
        known = current.get(row.external_id)
        if known is None:
            continue
        worker_id, role, service = known
        if (role, service) == (row.role, row.service):
            continue
        kind = ladder.move(role, service, row.role, row.service)
        if kind is None and not allow_unlisted:
            allowed = ladder.moves_from(role, service)
            problems.append(
                RosterProblem(
                    row.row,
                    "role" if role != row.role else "service",
                    f"{row.external_id} moves from {role} ({service}) to {row.role} "
                    f"({row.service}), which the ladder and lattice (ladder.yaml) do not allow"
                    + (f"; allowed from {role}: {'; '.join(allowed)}" if allowed else "")
                    + "; if HR means it, import with --allow-unlisted-move (it is recorded)",
                )
            )
            continue
        moves.append(Move(worker_id, row, kind or "unlisted", role, service))
    if problems:
        raise RosterError(source, problems)
    return moves


def keep_slottings(
    session: Session, rows: list[RosterRow]
) -> tuple[list[RosterRow], list[RosterProblem]]:
    """Rows that would undo a slotting by a progression panel (the roster still shows the
    worker's old role or team) keep what Ladder holds, each reported: HR's record is behind,
    and silently applying it would demote the worker."""
    slotted: dict[int, tuple[str, date]] = {}
    for subject_id, occurred_on, payload in session.execute(
        select(Event.subject_id, Event.occurred_on, Event.payload)
        .where(Event.kind == "panel.slotted")
        .order_by(Event.id)
    ).all():
        if subject_id is not None:
            slotted[subject_id] = (str(payload.get("level")), occurred_on)
    if not slotted:
        return rows, []
    now = {
        w.external_id: w
        for part in in_batches(slotted)
        for w in session.scalars(select(Worker).where(Worker.id.in_(part)))
    }
    teams = dict(session.execute(select(Team.id, Team.key)).tuples().all())
    managers = dict(session.execute(select(Worker.id, Worker.external_id)).tuples().all())
    kept, warnings = [], []
    for row in rows:
        worker = now.get(row.external_id)
        held = slotted.get(worker.id) if worker else None
        if worker is None or held is None or worker.role != held[0]:
            kept.append(row)  # never slotted, or moved on since
            continue
        team = teams.get(worker.team_id, row.team)
        if (row.role, row.team) == (worker.role, team):
            kept.append(row)
            continue
        warnings.append(
            RosterProblem(
                row.row,
                "role" if row.role != worker.role else "team",
                f"{row.external_id} was slotted by the progression panel as {worker.role} in "
                f"{team} on {held[1]}, but the roster still shows {row.role} in {row.team}; "
                "Ladder keeps the slotting: update the HR record to match",
            )
        )
        kept.append(
            replace(
                row,
                role=worker.role,
                team=team,
                manager_id=managers.get(worker.manager_id or 0),
                district=worker.district,
            )
        )
    return kept, warnings


def record_moves(
    session: Session, organisation: Organisation, moves: list[Move], *, as_of: date, actor: str
) -> None:
    """One event per move: what it was, and what credit came along (completions carried;
    a lattice move says whether it keeps credit)."""
    if not moves:
        return
    counts: dict[int, int] = {}
    for part in in_batches(m.worker_id for m in moves):
        counts.update(
            session.execute(
                select(Completion.worker_id, func.count())
                .where(Completion.worker_id.in_(part))
                .group_by(Completion.worker_id)
            )
            .tuples()
            .all()
        )
    rows = []
    for m in moves:
        lattice = organisation.ladder.lattice_move(m.old_role, m.old_service, m.row.service)
        rows.append(
            dict(
                kind="roster.moved",
                actor=actor,
                occurred_on=as_of,
                subject_id=m.worker_id,
                payload={
                    "move": m.kind,
                    "from": {"role": m.old_role, "service": m.old_service},
                    "to": {"role": m.row.role, "service": m.row.service, "team": m.row.team},
                    "completions_carried": counts.get(m.worker_id, 0),
                    **({"keeps_credit": lattice.keeps_credit} if lattice else {}),
                },
            )
        )
    record_events(session, rows=rows)
