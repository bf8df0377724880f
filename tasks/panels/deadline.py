"""The submission deadline: at the end of its day a complete pack is locked and submitted,
an incomplete one rolls over to the next panel (evidence kept) and both people are told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from definitions.organisation import Organisation
from definitions.panels import CandidacyStatus, PanelProgramme
from storage.history import record_event
from storage.models import Candidacy, Evidence, Obligation, Panel, Worker
from storage.obligations import insert_obligations
from storage.outbox import enqueue
from storage.panels import (
    cancel_open,
    candidacies_at,
    current_evidence,
    next_open_panel,
    obligations_from,
    panels_to_lock,
    set_candidacy,
    set_panel,
)
from tasks.panels.common import (
    candidate_uid,
    panel_invite,
    panel_mail,
    people_by_id,
    programme_of,
    source,
)
from tasks.panels.evidence import pack_items


def _manifest(
    programme: PanelProgramme, evidence: list[Evidence], obligations: list[Obligation]
) -> dict[str, Any]:
    """What was submitted, frozen at the deadline: each item with its author, date and the
    stored file's hash (an item with no file, the training pathway, from the record)."""
    by_item = {e.item: e for e in evidence}
    closed = {o.milestone: o for o in obligations if o.kind == "panel.evidence"}
    items = []
    dated: date | None
    for rule in programme.evidence_pack:
        e = by_item.get(rule.key)
        if e is not None:
            author, dated = e.author, e.dated
        else:
            o = closed.get(rule.key)
            author, dated = "training record", o.closed_on if o else None
        items.append(
            {
                "item": rule.key,
                "title": rule.title,
                "evidence": e.id if e else None,
                "author": author,
                "dated": dated.isoformat() if dated else None,
                "file_name": e.file_name if e else None,
                "sha256": e.sha256 if e else None,
                "details": e.details if e else {},
            }
        )
    return {"items": items}


@dataclass
class DeadlineResult:
    locked: int = 0
    submitted: int = 0
    rolled_over: int = 0


def lock_due_panels(
    session: Session, organisation: Organisation, *, as_of: date, sender: str
) -> DeadlineResult:
    """At the end of a panel's deadline day: a complete pack is locked and submitted; an
    incomplete one moves to the next panel (evidence kept), and candidate and manager are
    told what is missing."""
    result = DeadlineResult()
    if organisation.panels is None:
        return result
    programme = organisation.panels
    for panel in panels_to_lock(session, as_of=as_of):
        if not set_panel(
            session, panel_id=panel.id, was="scheduled", status="locked", locked_on=as_of
        ):
            continue
        result.locked += 1
        nominated = candidacies_at(session, panel_id=panel.id, status=CandidacyStatus.NOMINATED)
        for candidacy, worker in nominated:
            made = obligations_from(session, prefix=source(candidacy.id, ""))
            missing = [o for o in made if o.kind == "panel.evidence" and o.status == "open"]
            evidence = current_evidence(session, candidacy_ids=[candidacy.id])
            if not missing:
                set_candidacy(
                    session,
                    candidacy_id=candidacy.id,
                    was=CandidacyStatus.NOMINATED,
                    status=CandidacyStatus.SUBMITTED,
                    locked_on=as_of,
                    pack=_manifest(programme, evidence, made),
                )
                cancel_open(
                    session, ids=[o.id for o in made if o.status == "open"], closed_on=as_of
                )
                record_event(
                    session,
                    kind="panel.pack_locked",
                    actor="system",
                    occurred_on=as_of,
                    subject_id=worker.id,
                    payload={"candidacy": candidacy.id, "panel": panel.meets_on.isoformat()},
                )
                if worker.status != "left":
                    invite_candidate(session, organisation, panel, candidacy, worker, as_of, sender)
                result.submitted += 1
                continue
            roll_over(
                session,
                organisation,
                panel,
                candidacy,
                worker,
                made,
                missing,
                evidence,
                as_of,
                sender,
            )
            result.rolled_over += 1
    return result


def roll_over(
    session: Session,
    organisation: Organisation,
    panel: Panel,
    candidacy: Candidacy,
    worker: Worker,
    made: list[Obligation],
    missing: list[Obligation],
    evidence: list[Evidence],
    as_of: date,
    sender: str,
) -> None:
    """Move an incomplete pack to the next open panel, carrying the evidence already in and
    asking again only for what is missing; the candidate and their manager are told."""
    programme = programme_of(organisation)
    set_candidacy(
        session,
        candidacy_id=candidacy.id,
        was=CandidacyStatus.NOMINATED,
        status=CandidacyStatus.ROLLED_OVER,
        locked_on=as_of,
    )
    cancel_open(session, ids=[o.id for o in made if o.status == "open"], closed_on=as_of)
    following = next_open_panel(session, after=panel.meets_on, deadline_from=as_of)
    moved_to = None
    if following is not None:
        moved_to = Candidacy(
            worker_id=worker.id,
            panel_id=following.id,
            previous_id=candidacy.id,
            nominated_by="system",
            nominated_on=as_of,
            status=CandidacyStatus.NOMINATED,
        )
        session.add(moved_to)
        session.flush()
        # Evidence already in counts at the next panel: carried, not asked for again.
        for e in evidence:
            session.add(
                Evidence(
                    candidacy_id=moved_to.id,
                    item=e.item,
                    author=e.author,
                    dated=e.dated,
                    file_path=e.file_path,
                    file_name=e.file_name,
                    sha256=e.sha256,
                    details=e.details,
                    recorded_by=e.recorded_by,
                    recorded_on=e.recorded_on,
                    status="current",
                    carried_from=e.id,
                )
            )
        still = [programme.item(o.milestone) for o in missing]
        rows = pack_items(organisation, moved_to, worker, following, still)
        insert_obligations(session, rows=rows)
        # Items already in are recorded as done at the next panel, so explain shows them.
    record_event(
        session,
        kind="panel.rolled_over",
        actor="system",
        occurred_on=as_of,
        subject_id=worker.id,
        payload={
            "candidacy": candidacy.id,
            "panel": panel.meets_on.isoformat(),
            "missing": [o.milestone for o in missing],
            "moved_to": following.meets_on.isoformat() if following else None,
            "new_candidacy": moved_to.id if moved_to else None,
        },
    )
    told = people_by_id(session, [worker.id, worker.manager_id])
    context = {
        "candidate_name": worker.name,
        "panel": panel.meets_on,
        "deadline": panel.deadline,
        "missing": [o.title for o in missing],
        "next_panel": following.meets_on if following else None,
        "next_deadline": following.deadline if following else None,
    }
    # The candidate's calendar entry moves with them: the same UID, a higher SEQUENCE (the
    # new candidacy's id), at the next panel; cancelled when no later panel is scheduled.
    moved = panel_invite(
        organisation,
        following or panel,
        uid=candidate_uid(worker, sender),
        sequence=moved_to.id if moved_to else candidacy.id,
        attendees=[worker],
        sender=sender,
        on=as_of,
        cancelled=following is None,
    )
    mails = [
        panel_mail(
            organisation,
            sender,
            kind="panel_rollover",
            key=f"panel-rollover:{candidacy.id}:{person.id}",
            person=person,
            role=role,
            context=context,
            send_on=as_of,
            ics=moved if role == "worker" else None,
        )
        for role, pid in (("worker", worker.id), ("manager", worker.manager_id))
        if pid is not None and (person := told.get(pid)) is not None and person.status != "left"
    ]
    enqueue(session, rows=mails)


def invite_candidate(
    session: Session,
    organisation: Organisation,
    panel: Panel,
    candidacy: Candidacy,
    worker: Worker,
    as_of: date,
    sender: str,
) -> None:
    """The candidate whose pack is complete is invited to the panel meeting (.ics)."""
    mail = panel_mail(
        organisation,
        sender,
        kind="panel_invite",
        key=f"panel-invite:{candidacy.id}:{worker.id}",
        person=worker,
        role="worker",
        context={
            "panel": panel.meets_on,
            "starts_at": panel.starts_at,
            "venue": panel.venue,
            "title": programme_of(organisation).title,
        },
        send_on=as_of,
        ics=panel_invite(
            organisation,
            panel,
            uid=candidate_uid(worker, sender),
            sequence=candidacy.id,
            attendees=[worker],
            sender=sender,
            on=as_of,
        ),
    )
    enqueue(session, rows=[mail])
