"""Enrolment in the ASYE year: enrol eligible workers, their milestones becoming obligations,
and date the open milestones again when the start date or leave changes."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from definitions.asye import Leave, Milestone, asye_milestones, require_asye
from definitions.organisation import Organisation
from storage.enrolments import add_enrolments, follow_roster, leave_of, unenrolled
from storage.history import record_events
from storage.models import Enrolment
from storage.obligations import insert_obligations, obligations_of, reschedule_open
from tasks.asye.enrolled import PROGRAMME, milestone_source


def _obligation_row(enrolment_id: int, worker_id: int, m: Milestone, policy: str) -> dict[str, Any]:
    return dict(
        source=milestone_source(enrolment_id, m.key),
        subject_id=worker_id,
        enrolment_id=enrolment_id,
        kind=f"{PROGRAMME}.{m.kind}",
        milestone=m.key,
        title=m.title,
        due_date=m.due,
        responsible_role=m.responsible,
        reminder_policy=policy,
        rule=m.rule,
        status="open",
    )


def enrol_eligible(
    session: Session,
    organisation: Organisation,
    *,
    as_of: date,
    actor: str = "system",
    worker_ids: list[int] | None = None,
) -> list[str]:
    """Enrol every eligible worker not yet on ASYE; their milestones become obligations.

    Returns the external ids enrolled. Idempotent: enrolled workers are skipped. An
    organisation with no ASYE year enrols no one.
    """
    programme = organisation.asye
    if programme is None:
        return []
    candidates = unenrolled(
        session, programme=PROGRAMME, roles=programme.eligible_roles, worker_ids=worker_ids
    )
    enrolments = add_enrolments(session, programme=PROGRAMME, candidates=candidates)
    calendar = organisation.working_calendar()
    rows = [
        _obligation_row(enrolments[c.worker_id], c.worker_id, m, programme.policy_for(m.key))
        for c in candidates
        for m in asye_milestones(c.start_date, programme, calendar)
    ]
    insert_obligations(session, rows=rows)
    record_events(
        session,
        rows=[
            dict(
                kind="asye.enrolled",
                actor=actor,
                occurred_on=as_of,
                subject_id=c.worker_id,
                payload={
                    "enrolment_id": enrolments[c.worker_id],
                    "start_date": c.start_date.isoformat(),
                },
            )
            for c in candidates
        ],
    )
    return [c.external_id for c in candidates]


def redate_open_milestones(
    session: Session, organisation: Organisation, enrolment: Enrolment
) -> list[tuple[str, date, date]]:
    """Date the enrolment's open milestones again from its start date and recorded leave.

    Done milestones keep their dates. Returns (milestone, old due, new due) for each move.
    """
    leave = [Leave(p.start_date, p.end_date) for p in leave_of(session, enrolment_id=enrolment.id)]
    calendar = organisation.working_calendar()
    dated = {
        m.key: m
        for m in asye_milestones(
            enrolment.start_date,
            require_asye(organisation.asye),
            calendar,
            leave,
            enrolment.extended_months,
        )
    }
    moved, changes = [], []
    for o in obligations_of(session, subject_id=enrolment.worker_id):
        m = dated.get(o.milestone)
        if o.enrolment_id == enrolment.id and o.status == "open" and m and m.due != o.due_date:
            moved.append((o.milestone, o.due_date, m.due))
            changes.append({"id": o.id, "due_date": m.due, "rule": m.rule})
    reschedule_open(session, changes=changes)
    return moved


def moves(moved: list[tuple[str, date, date]]) -> list[list[str]]:
    """Moved milestones as the history keeps them: [milestone, old due, new due]."""
    return [[key, old.isoformat(), new.isoformat()] for key, old, new in moved]


def follow_roster_changes(
    session: Session, organisation: Organisation, *, as_of: date, actor: str
) -> int:
    """After a roster import: enrolments take the roster's assessor, and a corrected start
    date re-dates the open milestones (recorded in the history). Returns enrolments re-dated."""
    corrected = follow_roster(session, programme=PROGRAMME)
    events = []
    for enrolment_id, old, new in corrected:
        enrolment = session.get(Enrolment, enrolment_id)
        assert enrolment is not None
        session.refresh(enrolment)
        moved = redate_open_milestones(session, organisation, enrolment)
        events.append(
            dict(
                kind="asye.start_date_corrected",
                actor=actor,
                occurred_on=as_of,
                subject_id=enrolment.worker_id,
                payload={
                    "from": old.isoformat(),
                    "to": new.isoformat(),
                    "moved": moves(moved),
                },
            )
        )
    record_events(session, rows=events)
    return len(corrected)
