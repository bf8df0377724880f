"""Nomination: a team manager puts a candidate forward for a panel (or resubmits one whose
action plan is done), and the evidence pack becomes items due at the deadline."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from definitions.errors import Refused
from definitions.organisation import Organisation
from definitions.panels import (
    CandidacyStatus,
    nomination_closed,
    nomination_refusal,
    resubmission_refusal,
)
from storage.history import record_event
from storage.models import Candidacy, Obligation
from storage.obligations import insert_obligations
from storage.panels import candidacies_of, obligations_from
from tasks import people
from tasks.panels.calendar import panel_meeting, sync_panels
from tasks.panels.common import active_candidacy, programme_of, source
from tasks.panels.evidence import pack_items
from tasks.panels.pathway import close_pathway_items


def _open_actions(session: Session, candidacy: Candidacy) -> list[Obligation]:
    return [
        o
        for o in obligations_from(session, prefix=source(candidacy.id, "action:"))
        if o.status == "open"
    ]


def nominate(
    session: Session,
    organisation: Organisation,
    *,
    worker: str,
    panel: date,
    actor: str,
    today: date,
) -> Candidacy:
    """A team manager puts a candidate forward for a panel; the evidence pack becomes items
    due at the panel's submission deadline."""
    programme = programme_of(organisation)
    subject = people.worker(session, worker)
    nominator = people.acting(session, actor, "nominator")
    deciders = organisation.ladder.decided_by.panels
    people.require_may_act_for(
        nominator,
        allowed=[subject.manager_id],
        deciders=deciders,
        refusal=f"{actor} is not {worker}'s team manager (nor a {' or '.join(deciders)}); "
        "the team manager nominates",
    )
    refusal = nomination_refusal(
        worker, status=subject.status, role=subject.role, programme=programme
    )
    if refusal:
        raise Refused(refusal)
    sync_panels(session, organisation)  # the meetings panels.yaml lists, before any daily run
    meeting = panel_meeting(session, panel)
    if nomination_closed(panel_status=meeting.status, deadline=meeting.deadline, today=today):
        raise Refused(
            f"the submission deadline for the panel on {panel} was {meeting.deadline}; "
            "nominate for a later panel"
        )
    active = active_candidacy(session, subject.id)
    if active is not None:
        raise Refused(
            f"{worker} is already a candidate for the panel on {active[1].meets_on} "
            f"({active[0].status})"
        )
    history = candidacies_of(session, worker_id=subject.id)
    previous, previous_panel = history[-1] if history else (None, None)
    deferred = previous is not None and previous.status == CandidacyStatus.DEFERRED
    open_actions = (
        [o.title for o in _open_actions(session, previous)]
        if previous is not None and deferred
        else []
    )
    refusal = resubmission_refusal(
        worker,
        previous=previous.status if previous is not None else None,
        previous_panel=previous_panel.meets_on if previous_panel is not None else None,
        open_actions=open_actions,
    )
    if refusal:
        raise Refused(refusal)
    candidacy = Candidacy(
        worker_id=subject.id,
        panel_id=meeting.id,
        previous_id=previous.id if previous is not None else None,
        nominated_by=actor,
        nominated_on=today,
        status=CandidacyStatus.NOMINATED,
    )
    session.add(candidacy)
    session.flush()
    insert_obligations(
        session,
        rows=pack_items(organisation, candidacy, subject, meeting, list(programme.evidence_pack)),
    )
    record_event(
        session,
        kind="panel.resubmitted" if deferred else "panel.nominated",
        actor=actor,
        occurred_on=today,
        subject_id=subject.id,
        payload={
            "candidacy": candidacy.id,
            "panel": meeting.meets_on.isoformat(),
            "deadline": meeting.deadline.isoformat(),
            "previous": previous.id if previous is not None else None,
        },
    )
    close_pathway_items(session, organisation, as_of=today, worker_ids=[subject.id])
    return candidacy
