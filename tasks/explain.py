"""`ladder explain`: every due date of a worker, the rule behind it, its reminders and history."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from definitions.calendar import human_date
from definitions.certificates import status_of
from definitions.meetings import MeetingView
from definitions.organisation import Organisation
from definitions.reminders import reminder_schedule
from definitions.training import credential_status, pathway_progress, renewal_opens
from storage.enrolments import enrolment_of, leave_of
from storage.history import events_for
from storage.models import Certificate, Meeting, Notice, OutboxMessage, Service, Worker
from storage.obligations import obligations_of
from storage.training import achievements, awards_of, bookings_of, credentials_of
from tasks.people import worker as find_worker


def explain_worker(
    engine: Engine, organisation: Organisation, external_id: str, *, as_of: date
) -> dict[str, Any]:
    calendar = organisation.working_calendar()
    with Session(engine) as session:
        worker = find_worker(session, external_id)
        people = {
            w.id: w.external_id
            for w in session.scalars(
                select(Worker).where(
                    Worker.id.in_([i for i in (worker.manager_id, worker.assessor_id) if i])
                )
            )
        }
        enrolment = enrolment_of(session, worker_id=worker.id, programme="asye")
        obligations = obligations_of(session, subject_id=worker.id)
        # What each step told whom: a notice per person, carried by a direct mail or a digest.
        sent: dict[tuple[int, str], list[dict[str, Any]]] = {}
        told = session.execute(
            select(Notice, OutboxMessage.status, OutboxMessage.channel)
            .outerjoin(OutboxMessage, OutboxMessage.id == Notice.outbox_id)
            .where(Notice.obligation_id.in_([o.id for o in obligations]))
            .order_by(Notice.id)
        ).all()
        for n, status, channel in told:
            sent.setdefault((n.obligation_id, n.step), []).append(
                {
                    "role": n.recipient_role,
                    "status": status or n.status,
                    "via": channel or n.mode,
                    "send_on": n.day.isoformat(),
                }
            )
        meetings = {
            m.obligation_id: m
            for m in session.scalars(
                select(Meeting).where(Meeting.obligation_id.in_([o.id for o in obligations]))
            )
        }
        zone = ZoneInfo(organisation.profile.calendar.timezone)
        items = []
        for o in obligations:
            policy = organisation.reminder_policies.get(o.reminder_policy)
            schedule = reminder_schedule(o.due_date, policy, calendar) if policy else []
            items.append(
                {
                    "milestone": o.milestone,
                    "title": o.title,
                    "due_date": o.due_date.isoformat(),
                    "due": human_date(o.due_date),
                    "status": o.status,
                    "overdue": o.status == "open" and o.due_date < as_of,
                    "closed_on": o.closed_on.isoformat() if o.closed_on else None,
                    "responsible": o.responsible_role,
                    "rule": o.rule,
                    "meeting": None
                    if o.id not in meetings
                    else {
                        "starts": meetings[o.id].starts_at.astimezone(zone).isoformat(),
                        "label": MeetingView(
                            meetings[o.id].starts_at.astimezone(zone),
                            meetings[o.id].minutes,
                            meetings[o.id].location,
                        ).label,
                        "minutes": meetings[o.id].minutes,
                        "where": meetings[o.id].location,
                        "status": meetings[o.id].status,
                        "version": meetings[o.id].sequence,
                    },
                    "reminders": [
                        {
                            "step": s.step.key,
                            "send_on": s.send_on.isoformat(),
                            "to": list(s.roles),
                            "escalation": s.step.escalation,
                            "messages": sent.get((o.id, s.step.key), []),
                        }
                        for s in schedule
                    ]
                    + [
                        # An item first seen already overdue: its one catch-up notice.
                        {
                            "step": "catch_up",
                            "send_on": sent[(o.id, "catch_up")][0]["send_on"],
                            "to": sorted({m["role"] for m in sent[(o.id, "catch_up")]}),
                            "escalation": True,
                            "messages": sent[(o.id, "catch_up")],
                        }
                        for _ in (1,)
                        if (o.id, "catch_up") in sent
                    ],
                }
            )
        history = [
            {"on": e.occurred_on.isoformat(), "kind": e.kind, "by": e.actor, "details": e.payload}
            for e in events_for(session, subject_id=worker.id)
        ]
        leave = (
            [
                {"from": p.start_date.isoformat(), "to": p.end_date.isoformat(), "reason": p.reason}
                for p in leave_of(session, enrolment_id=enrolment.id)
            ]
            if enrolment
            else []
        )
        training = _training(session, organisation, worker, as_of)
        progression = _progression(session, worker)
        programmes = _programmes(session, organisation, worker)
        supervision = _supervision(session, organisation, worker, as_of)
        registration = _registration(session, organisation, worker, as_of)
        return {
            "as_of": as_of.isoformat(),
            "worker": {
                "id": worker.external_id,
                "name": worker.name,
                "role": worker.role,
                "start_date": worker.start_date.isoformat(),
                "status": worker.status,
                "manager": people.get(worker.manager_id or 0),
                "assessor": people.get(worker.assessor_id or 0),
            },
            "asye": None
            if enrolment is None
            else {
                "start_date": enrolment.start_date.isoformat(),
                "status": enrolment.status,
                "outcome": enrolment.outcome,
                "leave": leave,
            },
            "programmes": programmes,
            "obligations": items,
            "training": training,
            "progression": progression,
            "supervision": supervision,
            "registration": registration,
            "history": history,
        }


def _supervision(
    session: Session, organisation: Organisation, worker: Worker, as_of: date
) -> dict[str, Any] | None:
    """The worker's supervision schedule, the supervisions held and the next one due."""
    from definitions.supervision import band_text
    from storage.supervision import open_items, records_of
    from tasks.supervision.schedule import role_start

    programme = organisation.supervision
    schedule = programme.schedule_for(worker.role) if programme else None
    if schedule is None:
        return None
    calendar = organisation.working_calendar()
    since = role_start(worker.start_date, worker.role_since)
    held = records_of(session, worker_id=worker.id)
    supervisors: dict[int, str] = dict(
        session.execute(
            select(Worker.id, Worker.external_id).where(
                Worker.id.in_(sorted({r.supervisor_id for r in held}) or [0])
            )
        )
        .tuples()
        .all()
    )
    item = open_items(session, worker_ids=[worker.id]).get(worker.id)
    return {
        "in_role_since": since.isoformat(),
        "schedule": [band_text(schedule, band, calendar) for band in schedule.bands],
        "band_now": band_text(schedule, schedule.band_at(since, as_of), calendar),
        "held": [
            {"on": r.held_on.isoformat(), "by": supervisors.get(r.supervisor_id)} for r in held
        ],
        "next_due": item.due_date.isoformat() if item else None,
        "overdue": bool(item and item.due_date < as_of),
        "rule": item.rule if item else None,
    }


def _registration(
    session: Session, organisation: Organisation, worker: Worker, as_of: date
) -> dict[str, Any] | None:
    """The worker's CPD in this renewal cycle, against the regulator's rule."""
    from tasks.registration.cpd import progress

    programme = organisation.registration
    if programme is None or worker.role not in programme.roles:
        return None
    now = progress(session, organisation, worker_id=worker.id, on=as_of)
    rule = programme.cpd
    return {
        "regulator": programme.regulator,
        "cycle": [now.cycle_start.isoformat(), now.cycle_end.isoformat()],
        "window_opens": programme.cycle.opens_for(now.cycle_end).isoformat(),
        "rule": {
            "records": rule.min_records,
            "peer_reflection": rule.min_peer_reflection,
            "hours": rule.min_hours,
        },
        "progress": {
            "records": now.records,
            "peer_reflection": now.peer_reflection,
            "hours": now.hours,
        },
        "met": now.met(rule),
        "missing": now.shortfall(rule, organisation.working_calendar()._),
    }


def _progression(session: Session, worker: Worker) -> list[dict[str, Any]]:
    """Each panel the worker was a candidate at: the pack, the decision and what followed."""
    from storage.panels import candidacies_of, current_evidence, obligations_from

    found = []
    for c, panel in candidacies_of(session, worker_id=worker.id):
        evidence = current_evidence(session, candidacy_ids=[c.id])
        made = obligations_from(session, prefix=f"panel:{c.id}:")
        found.append(
            {
                "panel": panel.meets_on.isoformat(),
                "deadline": panel.deadline.isoformat(),
                "deadline_rule": panel.deadline_rule,
                "status": c.status,
                "nominated_by": c.nominated_by,
                "nominated_on": c.nominated_on.isoformat(),
                "resubmission_of": c.previous_id,
                "evidence": [
                    {
                        "item": e.item,
                        "author": e.author,
                        "dated": e.dated.isoformat(),
                        "file": e.file_name,
                        "sha256": e.sha256,
                        "carried": e.carried_from is not None,
                    }
                    for e in evidence
                ],
                "missing": [
                    o.milestone for o in made if o.kind == "panel.evidence" and o.status == "open"
                ],
                "decision": None
                if c.outcome is None
                else {
                    "outcome": c.outcome,
                    "decided_on": str(c.decided_on),
                    "decided_by": c.decided_by,
                    "reasons": c.reasons,
                    "further_work": c.further_work,
                    "placement": c.placement,
                    "report": c.report_path,
                },
                "actions": [
                    {
                        "title": o.title,
                        "owner": o.responsible_role,
                        "due": str(o.due_date),
                        "status": o.status,
                    }
                    for o in made
                    if o.kind == "panel.action"
                ],
                "signatures": {
                    o.responsible_role: (str(o.closed_on) if o.status == "done" else "not yet")
                    for o in made
                    if o.kind == "panel.signature"
                },
            }
        )
    return found


def _training(
    session: Session, organisation: Organisation, worker: Worker, as_of: date
) -> dict[str, Any] | None:
    """Credentials with their status and rule, pathway progress, awards and bookings."""
    programme = organisation.training
    if programme is None:
        return None
    credentials = []
    for c in credentials_of(session, worker_id=worker.id):
        validity = programme.module(c.module).validity
        credentials.append(
            {
                "module": c.module,
                "title": programme.module(c.module).title,
                "valid_from": c.valid_from.isoformat(),
                "expires_on": c.expires_on.isoformat(),
                "status": credential_status(validity, c.expires_on, as_of)
                if validity and c.status == "active"
                else c.status,
                "renewal_opens": renewal_opens(validity, c.expires_on).isoformat()
                if validity
                else None,
                "rule": c.rule,
            }
        )
    done = achievements(session, worker_ids=[worker.id])[worker.id]
    service = session.get(Service, worker.service_id)
    pathways = []
    for pathway in programme.pathways:
        if pathway.service and service is not None and pathway.service != service.key:
            continue
        progress = pathway_progress(pathway, *done)
        pathways.append(
            {
                "pathway": pathway.key,
                "title": pathway.title,
                "complete": progress.complete,
                "completed_on": progress.completed_on.isoformat()
                if progress.completed_on
                else None,
                "sets": [
                    {"rule": st.rule, "done": st.done, "why": st.why, "missing": list(st.missing)}
                    for st in progress.sets
                ],
            }
        )
    return {
        "credentials": credentials,
        "pathways": pathways,
        "awards": [
            {
                "kind": a.kind,
                "key": a.key,
                "achieved_on": a.achieved_on.isoformat(),
                "status": a.status,
            }
            for a in awards_of(session, worker_id=worker.id)
        ],
        "certificates": [
            {
                "serial": c.serial,
                "title": c.title,
                "issued_on": c.issued_on.isoformat(),
                "expires_on": c.expires_on.isoformat() if c.expires_on else None,
                "status": status_of(state=c.status, expires_on=c.expires_on, on=as_of),
            }
            for c in session.scalars(
                select(Certificate)
                .where(Certificate.worker_id == worker.id)
                .order_by(Certificate.issued_on, Certificate.id)
            )
        ],
        "bookings": [
            {
                "module": s.module,
                "held_on": s.held_on.isoformat(),
                "venue": s.venue,
                "district": s.district,
                "status": b.status,
                "why": b.why,
            }
            for b, s in bookings_of(session, worker_id=worker.id)
        ],
    }


def _programmes(
    session: Session, organisation: Organisation, worker: Worker
) -> list[dict[str, Any]]:
    """Each dated programme the worker is on (the ASYE year, an induction, a probation):
    from when, where it stands, its leave, and what each milestone is dated by."""
    found = []
    for programme in organisation.dated_programmes:
        enrolment = enrolment_of(session, worker_id=worker.id, programme=programme.key)
        if enrolment is None:
            continue
        found.append(
            {
                "programme": programme.key,
                "title": programme.title,
                "start_date": enrolment.start_date.isoformat(),
                "status": enrolment.status,
                "outcome": enrolment.outcome,
                "completed_on": enrolment.completed_on.isoformat()
                if enrolment.completed_on
                else None,
                "extended_months": enrolment.extended_months,
                "leave": [
                    {
                        "from": p.start_date.isoformat(),
                        "to": p.end_date.isoformat(),
                        "reason": p.reason,
                    }
                    for p in leave_of(session, enrolment_id=enrolment.id)
                ],
                "milestones": [
                    {
                        "key": m.key,
                        "title": m.title,
                        "kind": m.kind,
                        "dated": (
                            f"{m.span.text()} after the milestone before"
                            if m.from_previous
                            else f"{m.span.text()} from the start"
                        ),
                        "closes_with": (
                            f"module {m.closes_with.module}"
                            if m.closes_with and m.closes_with.module
                            else f"pathway {m.closes_with.pathway}"
                            if m.closes_with
                            else f"an outcome recorded ({', '.join(m.outcomes)})"
                        ),
                    }
                    for m in programme.milestones
                ],
            }
        )
    return found
