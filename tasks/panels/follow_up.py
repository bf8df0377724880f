"""After the decision: the worker and their team manager sign the outcome report, and a
deferral's action plan is done item by item until the worker may be resubmitted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from definitions.errors import BadInput, NotFound, Refused
from definitions.organisation import Organisation
from definitions.panels import DECIDED
from storage.history import record_event
from storage.models import Candidacy, Panel, Worker
from storage.obligations import obligation_by_source
from storage.panels import candidacies_of, obligations_from
from tasks import people
from tasks.panels.common import settle, source


def _decided(session: Session, worker: Worker) -> tuple[Candidacy, Panel]:
    for candidacy, panel in reversed(candidacies_of(session, worker_id=worker.id)):
        if candidacy.status in DECIDED:
            return candidacy, panel
    raise NotFound(f"{worker.external_id} has no panel decision on record")


def sign_outcome(
    session: Session,
    organisation: Organisation,
    *,
    worker: str,
    actor: str,
    on: date,
    today: date,
) -> str:
    """The worker or their team manager signs the outcome report (an acknowledgement)."""
    subject = people.worker(session, worker)
    signer = people.acting(session, actor, "signer")
    if signer.id == subject.id:
        role = "worker"
    elif signer.id == subject.manager_id:
        role = "manager"
    else:
        raise Refused(
            f"{actor} is neither {worker} nor their team manager; only they sign the outcome report"
        )
    if on > today:
        raise BadInput(f"{on} is in the future")
    candidacy, panel = _decided(session, subject)
    obligation = obligation_by_source(session, source(candidacy.id, f"sign:{role}"))
    if obligation is None or obligation.status != "open":
        raise Refused(
            f"{actor} already signed {worker}'s outcome report from the panel on {panel.meets_on}"
        )
    if on < (candidacy.decided_on or panel.meets_on):
        raise BadInput(f"{on} is before the decision on {candidacy.decided_on}")
    settle(
        session,
        obligation,
        kind="panel.outcome_signed",
        actor=actor,
        on=on,
        subject_id=subject.id,
        payload={"candidacy": candidacy.id, "as": role, "report": candidacy.report_path},
    )
    return role


@dataclass(frozen=True)
class ActionDone:
    title: str
    open_left: int
    ready_to_resubmit: bool


def complete_action(
    session: Session,
    organisation: Organisation,
    *,
    worker: str,
    item: int,
    actor: str,
    on: date,
    today: date,
    note: str = "",
) -> ActionDone:
    """Mark one item of a deferral action plan done (the team manager monitors the plan in
    supervision); when the last is done the worker may be resubmitted."""
    subject = people.worker(session, worker)
    recorder = people.acting(session, actor, "recorder")
    deciders = organisation.ladder.decided_by.panels
    people.require_may_act_for(  # the worker may not tick off their own plan
        recorder,
        allowed=[subject.manager_id],
        deciders=deciders,
        refusal=(
            f"{actor} is not {subject.external_id}'s team manager, nor a "
            f"{' or '.join(r.replace('_', ' ') for r in deciders)}; the team manager marks "
            "an action done once they have seen it in supervision"
        ),
    )
    if on > today:
        raise BadInput(f"{on} is in the future")
    candidacy, panel = _decided(session, subject)
    actions = [o for o in obligations_from(session, prefix=source(candidacy.id, "action:"))]
    chosen = next((o for o in actions if o.milestone == f"action_{item}"), None)
    if chosen is None:
        raise NotFound(
            f"{worker}'s action plan from the panel on {panel.meets_on} has items 1 to "
            f"{len(actions)}; there is no item {item}"
        )
    if chosen.status != "open":
        raise Refused(
            f"action {item} ('{chosen.title}') was already recorded done on {chosen.closed_on}"
        )
    settle(
        session,
        chosen,
        kind="panel.action_done",
        actor=actor,
        on=on,
        subject_id=subject.id,
        payload={"candidacy": candidacy.id, "item": item, "note": note},
    )
    left = sum(1 for o in actions if o.status == "open" and o.id != chosen.id)
    if left == 0:
        record_event(
            session,
            kind="panel.action_plan_complete",
            actor=actor,
            occurred_on=on,
            subject_id=subject.id,
            payload={"candidacy": candidacy.id},
        )
    return ActionDone(chosen.title, left, left == 0)
