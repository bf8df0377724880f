"""Replacement needs: a worker who moved up the ladder leaves their old team a training need."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
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
