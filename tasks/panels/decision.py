"""The panel's decision about a candidate, recorded once and finally: the action plan and
signatures become dated items, progress slots the worker into a post or the waiting list,
and the outcome report goes to the worker and their team manager."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from definitions.calendar import human_date
from definitions.certificates import award_status
from definitions.errors import BadInput, Refused
from definitions.language import gettext_for
from definitions.organisation import Organisation
from definitions.panels import (
    DECIDED,
    CandidacyStatus,
    PanelDecision,
    PanelProgramme,
    signature_due,
)
from notifications import panel_pdf
from storage.files import write_atomically
from storage.history import record_event
from storage.links import Links
from storage.models import Candidacy, Panel, Team, Worker
from storage.obligations import insert_obligations
from storage.outbox import enqueue
from storage.panels import candidacies_of, obligations_from, set_candidacy
from storage.training import add_awards
from tasks import people
from tasks.panels.calendar import panel_meeting, sync_panels
from tasks.panels.common import obligation_row, panel_mail, people_by_id, programme_of, source
from tasks.panels.placement import fill_vacancies


@dataclass(frozen=True)
class DecisionResult:
    worker: str
    panel: date
    outcome: str
    decided_on: date
    event_id: int
    placement: str | None  # slotted, waiting (progress)
    post_team: str | None
    actions: int
    report_path: str


def decide(
    session: Session,
    organisation: Organisation,
    *,
    decision: PanelDecision,
    today: date,
    data_dir: Path,
    sender: str,
    links: Links | None = None,
) -> DecisionResult:
    """Record a panel's decision about a candidate, once and finally: the outcome report goes
    to the worker and team manager (who each sign it, by the link in their mail where the
    organisation has `links`); progress slots the worker into a
    vacant post or the waiting list; defer turns the action plan into dated items."""
    programme = programme_of(organisation)
    subject = people.worker(session, decision.worker)
    sync_panels(session, organisation)  # the meetings panels.yaml lists, before any daily run
    panel = panel_meeting(session, decision.panel)
    candidacy = _candidacy_to_decide(session, programme, decision, subject, panel, today)
    event_id = _record_decision(session, decision, subject, candidacy)
    sign_by = signature_due(decision.day, programme.signature_days, organisation.working_calendar())
    manager = people_by_id(session, [subject.manager_id]).get(subject.manager_id or -1)
    signers = [("worker", subject)] + ([("manager", manager)] if manager is not None else [])
    insert_obligations(
        session,
        rows=_follow_up_items(
            programme,
            decision,
            subject,
            candidacy,
            panel,
            sign_by,
            signers,
            organisation.profile.locale,
        ),
    )
    placement = post_team = None
    if decision.outcome == "progress":
        placement, post_team = _progress(
            session, organisation, programme, decision, subject, candidacy
        )
    report = _outcome_report(session, organisation, candidacy.id, data_dir)
    context = {
        "candidate_name": subject.name,
        "panel": panel.meets_on,
        "outcome": decision.outcome,
        "sign_by": sign_by,
        "placement": placement,
        "post_team": organisation.profile.team_title(post_team) if post_team else None,
        "actions": [a.model_dump() for a in decision.actions],
        "worker_id": subject.external_id,
        "to_title": next(
            (lv.title for lv in organisation.ladder.levels if lv.key == programme.to_level),
            programme.to_level,
        ),
    }
    mails = [
        panel_mail(
            organisation,
            sender,
            kind="panel_outcome",
            key=f"panel-outcome:{candidacy.id}:{person.id}",
            person=person,
            role=role,
            context={
                **context,
                "sign_link": links.make(
                    session, person=person, action="sign_outcome", target=candidacy.id, today=today
                )
                if links
                else None,
            },
            send_on=today,
            attachment_path=str(report),
            attachment_name=f"progression-outcome-{subject.external_id}-{panel.meets_on}.pdf",
        )
        for role, person in signers
    ]
    enqueue(session, rows=mails)
    return DecisionResult(
        decision.worker,
        panel.meets_on,
        decision.outcome,
        decision.day,
        event_id,
        placement,
        post_team,
        len(decision.actions),
        str(report),
    )


def _candidacy_to_decide(
    session: Session,
    programme: PanelProgramme,
    decision: PanelDecision,
    subject: Worker,
    panel: Panel,
    today: date,
) -> Candidacy:
    """The candidacy the decision is about, once the decider, the candidacy and the date are
    each found fit to record it."""
    decider = people.acting(session, decision.decided_by, "panel member")
    if decider.role not in programme.member_roles:
        raise Refused(
            f"{decision.decided_by} is a {decider.role}, not a member of the panel "
            f"({', '.join(programme.member_roles)}); the chair or a member records the decision"
        )
    candidacy = next(
        (c for c, p in candidacies_of(session, worker_id=subject.id) if p.id == panel.id), None
    )
    if candidacy is None:
        raise Refused(f"{decision.worker} was not a candidate at the panel on {panel.meets_on}")
    if candidacy.status in DECIDED:
        raise Refused(
            f"the panel on {panel.meets_on} already decided {decision.worker}: "
            f"{candidacy.outcome}, recorded by {candidacy.decided_by} on {candidacy.decided_on}; "
            "a panel decision is final and is recorded once"
        )
    if candidacy.status != CandidacyStatus.SUBMITTED:
        raise Refused(
            f"{decision.worker}'s pack was not submitted to the panel on {panel.meets_on} "
            f"({candidacy.status.replace('_', ' ')}); there is nothing to decide there"
        )
    day = decision.day
    if day < panel.meets_on:
        raise BadInput(f"the decision date {day} is before the panel met on {panel.meets_on}")
    if day > today:
        raise BadInput(f"the decision date {day} is in the future")
    return candidacy


def _record_decision(
    session: Session, decision: PanelDecision, subject: Worker, candidacy: Candidacy
) -> int:
    """The decision's history event and the candidacy moved on from submitted, once."""
    event_id = record_event(
        session,
        kind="panel.decided",
        actor=decision.decided_by,
        occurred_on=decision.day,
        subject_id=subject.id,
        payload={"candidacy": candidacy.id, **decision.model_dump(mode="json")},
    )
    if not set_candidacy(
        session,
        candidacy_id=candidacy.id,
        was=CandidacyStatus.SUBMITTED,
        status=CandidacyStatus.PROGRESSED
        if decision.outcome == "progress"
        else CandidacyStatus.DEFERRED,
        outcome=decision.outcome,
        decided_on=decision.day,
        decided_by=decision.decided_by,
        reasons=decision.reasons,
        further_work=decision.further_work,
        decision_event_id=event_id,
    ):  # a second run got there between our read and our write: keep the first
        raise Refused(
            f"the decision about {decision.worker} was recorded by someone else just now; a "
            "panel decision is recorded once"
        )
    return event_id


def _follow_up_items(
    programme: PanelProgramme,
    decision: PanelDecision,
    subject: Worker,
    candidacy: Candidacy,
    panel: Panel,
    sign_by: date,
    signers: list[tuple[str, Worker]],
    locale: str,
) -> list[dict[str, Any]]:
    """The obligation rows a decision makes: each action of the plan, and each signature,
    titled and explained in the organisation's language."""
    _ = gettext_for(locale)
    policies = programme.reminder_policies
    rows = [
        obligation_row(
            candidacy.id,
            f"action:{n}",
            subject_id=subject.id,
            kind="panel.action",
            milestone=f"action_{n}",
            title=action.title,
            due_date=action.due,
            responsible_role=action.owner,
            reminder_policy=policies.action,
            rule=_("action plan agreed at the panel on {date}").format(
                date=human_date(panel.meets_on, locale)
            ),
        )
        for n, action in enumerate(decision.actions, start=1)
    ]
    rows += [
        obligation_row(
            candidacy.id,
            f"sign:{role}",
            subject_id=subject.id,
            kind="panel.signature",
            milestone=f"sign_{role}",
            title=(
                _("Sign the progression outcome report (worker)")
                if role == "worker"
                else _("Sign the progression outcome report (team manager)")
            ),
            due_date=sign_by,
            responsible_role=role,
            reminder_policy=policies.signature,
            rule=_("{days} days after the decision on {date}, on a working day").format(
                days=programme.signature_days, date=human_date(decision.day, locale)
            ),
        )
        for role, _person in signers
    ]
    return rows


def _progress(
    session: Session,
    organisation: Organisation,
    programme: PanelProgramme,
    decision: PanelDecision,
    subject: Worker,
    candidacy: Candidacy,
) -> tuple[str, str | None]:
    """The progression award, waiting for a post, then a vacant post if one fits:
    (placement, the post's team)."""
    add_awards(
        session,
        rows=[
            dict(
                worker_id=subject.id,
                kind="progression",
                key=programme.to_level,
                achieved_on=decision.day,
                expires_on=None,
                status=award_status(organisation, "progression", programme.to_level),
            )
        ],
    )
    set_candidacy(
        session, candidacy_id=candidacy.id, was=CandidacyStatus.PROGRESSED, placement="waiting"
    )
    slotted = fill_vacancies(
        session, organisation, as_of=decision.day, actor=decision.decided_by, only=[candidacy.id]
    )
    return ("slotted" if slotted else "waiting"), (slotted[0][1] if slotted else None)


def _outcome_report(
    session: Session, organisation: Organisation, candidacy_id: int, data_dir: Path
) -> Path:
    """The outcome report PDF as the candidacy now stands, its path kept on the candidacy."""
    candidacy = session.get(Candidacy, candidacy_id)
    assert candidacy is not None
    session.refresh(candidacy)
    worker = session.get(Worker, candidacy.worker_id)
    panel = session.get(Panel, candidacy.panel_id)
    assert worker is not None and panel is not None
    teams = dict(session.execute(select(Team.id, Team.key)).tuples().all())
    made = obligations_from(session, prefix=source(candidacy.id, ""))
    manager = session.get(Worker, worker.manager_id) if worker.manager_id else None
    decider = session.scalars(
        select(Worker).where(Worker.external_id == (candidacy.decided_by or ""))
    ).first()
    view = panel_pdf.OutcomeView(
        organisation=organisation.name,
        title=programme_of(organisation).title,
        candidate=worker.name,
        external_id=worker.external_id,
        team=organisation.profile.team_title(teams.get(worker.team_id, "")),
        panel=panel.meets_on,
        outcome=candidacy.outcome or "",
        decided_on=candidacy.decided_on or panel.meets_on,
        decided_by=decider.name if decider else (candidacy.decided_by or ""),
        reasons=candidacy.reasons or "",
        further_work=candidacy.further_work or "",
        placement=candidacy.placement,
        actions=tuple(
            (o.title, o.responsible_role, o.due_date) for o in made if o.kind == "panel.action"
        ),
        sign_by=next((o.due_date for o in made if o.kind == "panel.signature"), None),
        manager=manager.name if manager else "",
        locale=organisation.profile.locale,
    )
    path = data_dir / "panels" / "outcomes" / f"outcome-{candidacy.id}.pdf"
    write_atomically(path, panel_pdf.outcome_report(view))
    session.execute(
        update(Candidacy).where(Candidacy.id == candidacy.id).values(report_path=str(path))
    )
    return path
