"""Enrolment in dated programmes (the ASYE year, an induction, a probation review): enrol
eligible workers, their milestones becoming obligations, and date the open milestones again
when the start date or leave changes."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from definitions.organisation import Organisation
from definitions.programmes import Leave, Milestone, Programme, date_milestones
from storage.enrolments import add_enrolments, follow_roster, leave_of, unenrolled
from storage.history import record_events
from storage.models import Enrolment
from storage.obligations import insert_obligations, obligations_of, reschedule_open
from tasks.programmes.enrolled import milestone_source, programme_of


def obligation_row(
    programme: Programme, enrolment_id: int, worker_id: int, m: Milestone, source: str = ""
) -> dict[str, Any]:
    """The item a dated milestone becomes (`source` defaults to the milestone's own)."""
    return dict(
        source=source or milestone_source(enrolment_id, m.key, programme.key),
        subject_id=worker_id,
        enrolment_id=enrolment_id,
        kind=f"{programme.key}.{m.kind}",
        milestone=m.key,
        title=m.title,
        due_date=m.due,
        responsible_role=m.responsible,
        reminder_policy=programme.policy_for(m.key),
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
) -> dict[str, list[str]]:
    """Enrol every eligible worker not yet on each dated programme the organisation runs;
    their milestones become obligations.

    Returns, by programme key, the external ids enrolled. Idempotent: enrolled workers are
    skipped. An organisation with no programmes enrols no one.
    """
    return {
        programme.key: enrol_in(
            session, organisation, programme, as_of=as_of, actor=actor, worker_ids=worker_ids
        )
        for programme in organisation.dated_programmes
    }


def enrolled_text(organisation: Organisation, enrolled: dict[str, list[str]]) -> str:
    """'enrolled: 8 in ASYE, 1 in induction', or 'nobody new enrolled'."""
    parts = [
        f"{len(ids)} in {organisation.programme(key).called}"
        for key, ids in enrolled.items()
        if ids
    ]
    return f"enrolled: {', '.join(parts)}" if parts else "nobody new enrolled"


def enrol_in(
    session: Session,
    organisation: Organisation,
    programme: Programme,
    *,
    as_of: date,
    actor: str,
    worker_ids: list[int] | None = None,
) -> list[str]:
    """Enrol the workers eligible for one programme (its roles; started on or after its
    `starters_from`) who are not on it yet."""
    candidates = unenrolled(
        session,
        programme=programme.key,
        roles=programme.eligible_roles,
        worker_ids=worker_ids,
        started_from=programme.starters_from,
    )
    enrolments = add_enrolments(session, programme=programme.key, candidates=candidates)
    calendar = organisation.working_calendar()
    rows = [
        obligation_row(programme, enrolments[c.worker_id], c.worker_id, m)
        for c in candidates
        for m in date_milestones(c.start_date, programme, calendar)
    ]
    insert_obligations(session, rows=rows)
    record_events(
        session,
        rows=[
            dict(
                kind=f"{programme.key}.enrolled",
                actor=actor,
                occurred_on=as_of,
                subject_id=c.worker_id,
                payload={
                    "programme": programme.key,
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
        for m in date_milestones(
            enrolment.start_date,
            programme_of(organisation, enrolment.programme),
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
    count = 0
    for programme in organisation.dated_programmes:
        corrected = follow_roster(session, programme=programme.key)
        events = []
        for enrolment_id, old, new in corrected:
            enrolment = session.get(Enrolment, enrolment_id)
            assert enrolment is not None
            session.refresh(enrolment)
            moved = redate_open_milestones(session, organisation, enrolment)
            events.append(
                dict(
                    kind=f"{programme.key}.start_date_corrected",
                    actor=actor,
                    occurred_on=as_of,
                    subject_id=enrolment.worker_id,
                    payload={
                        "programme": programme.key,
                        "from": old.isoformat(),
                        "to": new.isoformat(),
                        "moved": moves(moved),
                    },
                )
            )
        record_events(session, rows=events)
        count += len(corrected)
    return count
