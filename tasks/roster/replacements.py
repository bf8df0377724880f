"""Replacement needs: a worker who moved up the ladder leaves their old team a training need."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from definitions.organisation import Organisation
from storage.history import record_event
from storage.models import TrainingNeed, Worker


def roles_and_teams(session: Session) -> dict[int, tuple[str, int]]:
    return {
        i: (role, team)
        for i, role, team in session.execute(select(Worker.id, Worker.role, Worker.team_id)).all()
    }


def note_replacement_needs(
    session: Session,
    organisation: Organisation,
    *,
    before: dict[int, tuple[str, int]],
    as_of: date,
    actor: str,
) -> int:
    """A worker who moved up the ladder (a higher rank on the same track) leaves a gap: their
    old team needs someone trained for the old level. Recorded as an open training need."""
    after = roles_and_teams(session)
    names: dict[int, str] = {
        i: external_id
        for i, external_id in session.execute(select(Worker.id, Worker.external_id)).all()
    }
    needs = []
    for worker_id, (old_role, old_team) in before.items():
        new_role = after.get(worker_id, (old_role, old_team))[0]
        promotion = organisation.ladder.promotion(old_role, new_role)
        if promotion is None:
            continue
        old, new = promotion
        needs.append(
            TrainingNeed(
                team_id=old_team,
                level=old_role,
                worker_id=worker_id,
                reason=f"{names[worker_id]} moved up from {old.title} to {new.title}",
                noted_on=as_of,
                status="open",
            )
        )
    session.add_all(needs)
    session.flush()
    for need in needs:
        record_event(
            session,
            kind="training.replacement_needed",
            actor=actor,
            occurred_on=as_of,
            subject_id=need.worker_id,
            payload={"team_id": need.team_id, "level": need.level, "need": need.id},
        )
    return len(needs)


def close_filled_needs(session: Session, *, as_of: date, actor: str) -> list[int]:
    """Open needs the roster shows met: an active worker at the level in the team who joined
    the team's level on or after the need was noted (a new starter, or someone moved in).
    Each closes with who filled it. Returns the needs closed."""
    open_needs = list(session.scalars(select(TrainingNeed).where(TrainingNeed.status == "open")))
    if not open_needs:
        return []
    closed = []
    for need in open_needs:
        filler = session.execute(
            select(Worker.id, Worker.external_id)
            .where(
                Worker.team_id == need.team_id,
                Worker.role == need.level,
                Worker.status == "active",
                Worker.id != need.worker_id,
                func.coalesce(Worker.role_since, Worker.start_date) >= need.noted_on,
            )
            .order_by(Worker.id)
            .limit(1)
        ).first()
        if filler is None:
            continue
        close_need(session, need, reason=f"filled by {filler.external_id}", actor=actor, on=as_of)
        closed.append(need.id)
    return closed


def close_need(session: Session, need: TrainingNeed, *, reason: str, actor: str, on: date) -> None:
    need.status = "closed"
    session.flush()
    record_event(
        session,
        kind="training.replacement_need_closed",
        actor=actor,
        occurred_on=on,
        subject_id=need.worker_id,
        payload={"need": need.id, "reason": reason},
    )
