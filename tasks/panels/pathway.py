"""The training-pathway item of a pack: read from the training record, not a document, and
ticked off once the candidate has completed their service's pathway."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.organisation import Organisation
from definitions.training import PathwayProgress, pathway_progress
from storage.models import Obligation, Service, Worker
from storage.training import achievements
from tasks.panels.common import programme_of, settle


def pathway_for(organisation: Organisation, service_key: str) -> Any:
    programme = programme_of(organisation)
    training = organisation.training
    if training is None:
        return None
    for pathway in training.pathways:
        if pathway.level == programme.to_level and pathway.service in (service_key, None):
            return pathway
    return None


def pathway_progress_of(
    session: Session, organisation: Organisation, workers: list[Worker]
) -> dict[int, PathwayProgress | None]:
    services = dict(session.execute(select(Service.id, Service.key)).tuples().all())
    done = achievements(session, worker_ids=[w.id for w in workers])
    found: dict[int, PathwayProgress | None] = {}
    for w in workers:
        pathway = pathway_for(organisation, services[w.service_id])
        achieved, credited = done[w.id]
        found[w.id] = None if pathway is None else pathway_progress(pathway, achieved, credited)
    return found


def close_pathway_items(
    session: Session,
    organisation: Organisation,
    *,
    as_of: date,
    worker_ids: list[int] | None = None,
) -> int:
    """Tick off the training-pathway item of every open pack whose candidate has completed
    their service's pathway."""
    if organisation.panels is None:
        return 0
    keys = [i.key for i in organisation.panels.evidence_pack if i.check == "pathway"]
    stmt = (
        select(Obligation, Worker)
        .join(Worker, Obligation.subject_id == Worker.id)
        .where(
            Obligation.kind == "panel.evidence",
            Obligation.status == "open",
            Obligation.milestone.in_(keys),
        )
    )
    if worker_ids is not None:
        stmt = stmt.where(Obligation.subject_id.in_(worker_ids))
    rows = [tuple(r) for r in session.execute(stmt).all()]
    if not rows:
        return 0
    progress = pathway_progress_of(session, organisation, [w for _, w in rows])
    closed = 0
    for obligation, worker in rows:
        found = progress[worker.id]
        if found is None or not found.complete:
            continue
        closed += settle(
            session,
            obligation,
            kind="panel.pathway_completed",
            actor="system",
            on=as_of,
            subject_id=worker.id,
            payload={"pathway": found.pathway, "completed_on": str(found.completed_on)},
        )
    return closed
