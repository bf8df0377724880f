"""The ASYE year's steps: enrol NQSWs, record reviews and decisions, record leave."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import update
from sqlalchemy.orm import Session

from definitions.asye import AsyeMilestoneRule, Leave, Milestone, asye_milestones
from definitions.errors import Refused
from definitions.items import Person
from definitions.meetings import MeetingView
from definitions.organisation import Organisation
from notifications.render import one_line
from storage.enrolments import (
    add_enrolments,
    add_leave,
    enrolment_of,
    follow_roster,
    leave_of,
    unenrolled,
)
from storage.history import record_event, record_events
from storage.meetings import meeting_of
from storage.models import Enrolment, Meeting, Worker
from storage.obligations import (
    close_obligation,
    insert_obligations,
    obligation_by_source,
    obligations_of,
    open_items_by_id,
    reschedule_open,
)
from storage.outbox import enqueue
from storage.roster import worker_by_external_id
from storage.training import add_awards
from tasks.compose import invite_rows
from tasks.runtime import current_runtime

PROGRAMME = "asye"
DECIDERS = ("workforce_lead", "head_of_service")  # may record for anyone


class DecisionError(Refused):
    """A review or decision that cannot be recorded; nothing was written."""


def _source(enrolment_id: int, milestone: str) -> str:
    return f"{PROGRAMME}:{enrolment_id}:{milestone}"


def _obligation_row(enrolment_id: int, worker_id: int, m: Milestone, policy: str) -> dict[str, Any]:
    return dict(
        source=_source(enrolment_id, m.key),
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

    Returns the external ids enrolled. Idempotent: enrolled workers are skipped.
    """
    programme = organisation.asye
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


@task(name="enrol-nqsws", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def enrol_nqsws(as_of: date) -> int:
    """Enrol NQSWs who joined the roster since the last run."""
    runtime = current_runtime()
    with Session(runtime.engine) as session, session.begin():
        enrolled = enrol_eligible(session, runtime.organisation, as_of=as_of)
    if enrolled:
        get_run_logger().info("enrolled %d NQSW(s) in ASYE: %s", len(enrolled), ", ".join(enrolled))
    return len(enrolled)


@dataclass(frozen=True)
class RecordedDecision:
    event_id: int
    worker: str
    milestone: str
    outcome: str
    due_date: date
    occurred_on: date

    @property
    def days_late(self) -> int:
        return max(0, (self.occurred_on - self.due_date).days)


def _resolve(session: Session, external_id: str, what: str) -> Worker:
    worker = worker_by_external_id(session, external_id)
    if worker is None:
        raise DecisionError(
            f"no {what} with id '{external_id}' in Ladder; check the id or import the roster first"
        )
    return worker


def _not_enrolled(organisation: Organisation, subject: Worker) -> str:
    eligible = organisation.asye.eligible_roles
    if subject.role not in eligible:
        return (
            f"{subject.external_id} is not on ASYE: their role is {subject.role}, and ASYE is "
            f"for {', '.join(eligible)}"
        )
    return (
        f"{subject.external_id} is not enrolled in ASYE yet; enrol them with "
        f"`ladder asye enrol {subject.external_id}`"
    )


def _enrolled(
    session: Session, organisation: Organisation, worker: str
) -> tuple[Worker, Enrolment]:
    subject = _resolve(session, worker, "worker")
    enrolment = enrolment_of(session, worker_id=subject.id, programme=PROGRAMME)
    if enrolment is None:
        raise DecisionError(_not_enrolled(organisation, subject))
    return subject, enrolment


def _enrolled_milestone(
    session: Session, organisation: Organisation, worker: str, milestone: str
) -> tuple[Worker, Enrolment, AsyeMilestoneRule]:
    """The worker, their ASYE enrolment and the milestone's rule, or a DecisionError that
    says which is missing."""
    subject, enrolment = _enrolled(session, organisation, worker)
    try:
        return subject, enrolment, organisation.asye.milestone(milestone)
    except KeyError as exc:
        raise DecisionError(str(exc.args[0])) from None


def _check_recorder(session: Session, actor: str, subject: Worker, enrolment: Enrolment) -> None:
    recorder = _resolve(session, actor, "recorder")
    if recorder.id not in {enrolment.assessor_id, subject.manager_id} and (
        recorder.role not in DECIDERS
    ):
        raise DecisionError(
            f"{actor} is neither {subject.external_id}'s assessor nor their manager, nor a "
            f"{' or '.join(DECIDERS)}; ask one of them to record it"
        )


def record_outcome(
    session: Session,
    organisation: Organisation,
    *,
    worker: str,
    milestone: str,
    outcome: str,
    actor: str,
    occurred_on: date,
    today: date,
    notes: str = "",
) -> RecordedDecision:
    """Record a review, final recommendation or report; closes its obligation, once."""
    subject, enrolment, rule = _enrolled_milestone(session, organisation, worker, milestone)
    if outcome not in rule.outcomes:
        raise DecisionError(
            f"'{outcome}' is not an outcome of the {rule.title}; use one of "
            f"{', '.join(rule.outcomes)}"
        )
    _check_recorder(session, actor, subject, enrolment)
    if occurred_on > today:
        raise DecisionError(
            f"the date {occurred_on} is in the future; record it on the day it happened"
        )
    if occurred_on < enrolment.start_date:
        raise DecisionError(
            f"the date {occurred_on} is before the ASYE started ({enrolment.start_date})"
        )
    obligation = obligation_by_source(session, _source(enrolment.id, milestone))
    if obligation is None:
        raise DecisionError(f"{worker} has no {rule.title} on record")
    if obligation.status != "open":
        raise DecisionError(
            f"the {rule.title} for {worker} was already recorded on "
            f"{obligation.closed_on}; a decision is recorded once"
        )
    event_id = record_event(
        session,
        kind=f"asye.{rule.kind}_recorded",
        actor=actor,
        occurred_on=occurred_on,
        subject_id=subject.id,
        obligation_id=obligation.id,
        payload={
            "milestone": milestone,
            "outcome": outcome,
            "notes": notes,
            "due_date": obligation.due_date.isoformat(),
        },
    )
    if not close_obligation(
        session, obligation_id=obligation.id, event_id=event_id, closed_on=occurred_on
    ):  # someone else recorded it in between: roll back, keep theirs
        raise DecisionError(
            f"the {rule.title} for {worker} was recorded by someone else just "
            "now; a decision is recorded once"
        )
    if rule.kind == "recommendation":
        session.execute(
            update(Enrolment).where(Enrolment.id == enrolment.id).values(outcome=outcome)
        )
        if outcome == "pass":  # the ASYE certificate waits for the next certificate batch
            add_awards(
                session,
                rows=[
                    dict(
                        worker_id=subject.id,
                        kind="asye",
                        key="asye",
                        achieved_on=occurred_on,
                        expires_on=None,
                        status="waiting",
                    )
                ],
            )
    elif rule.kind == "report":
        session.execute(
            update(Enrolment).where(Enrolment.id == enrolment.id).values(status="completed")
        )
    return RecordedDecision(event_id, worker, milestone, outcome, obligation.due_date, occurred_on)


def redate_open_milestones(
    session: Session, organisation: Organisation, enrolment: Enrolment
) -> list[tuple[str, date, date]]:
    """Date the enrolment's open milestones again from its start date and recorded leave.

    Done milestones keep their dates. Returns (milestone, old due, new due) for each move.
    """
    leave = [Leave(p.start_date, p.end_date) for p in leave_of(session, enrolment_id=enrolment.id)]
    calendar = organisation.working_calendar()
    dated = {
        m.key: m for m in asye_milestones(enrolment.start_date, organisation.asye, calendar, leave)
    }
    moved, changes = [], []
    for o in obligations_of(session, subject_id=enrolment.worker_id):
        m = dated.get(o.milestone)
        if o.enrolment_id == enrolment.id and o.status == "open" and m and m.due != o.due_date:
            moved.append((o.milestone, o.due_date, m.due))
            changes.append({"id": o.id, "due_date": m.due, "rule": m.rule})
    reschedule_open(session, changes=changes)
    return moved


def _moves(moved: list[tuple[str, date, date]]) -> list[list[str]]:
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
                    "moved": _moves(moved),
                },
            )
        )
    record_events(session, rows=events)
    return len(corrected)


def record_leave(
    session: Session,
    organisation: Organisation,
    *,
    worker: str,
    start: date,
    end: date,
    reason: str,
    actor: str,
    today: date,
) -> list[tuple[str, date, date]]:
    """Record leave that pauses the ASYE year; open milestones move, done ones stay.

    Returns (milestone, old due date, new due date) for each obligation that moved.
    """
    subject, enrolment = _enrolled(session, organisation, worker)
    _check_recorder(session, actor, subject, enrolment)
    try:
        period = Leave(start, end)
    except ValueError as exc:
        raise DecisionError(str(exc)) from None
    add_leave(session, enrolment_id=enrolment.id, start=start, end=end, reason=reason)
    moved = redate_open_milestones(session, organisation, enrolment)
    record_event(
        session,
        kind="asye.leave_recorded",
        actor=actor,
        occurred_on=today,
        subject_id=subject.id,
        payload={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "days": period.days,
            "reason": reason,
            "moved": _moves(moved),
        },
    )
    return moved


@dataclass(frozen=True)
class BookedMeeting:
    meeting_id: int
    worker: str
    milestone: str
    starts: datetime
    sequence: int
    change: str  # booked, moved, cancelled, unchanged
    invites_queued: int


def book_meeting(
    session: Session,
    organisation: Organisation,
    *,
    worker: str,
    milestone: str,
    starts: datetime | None,
    minutes: int,
    location: str,
    actor: str,
    today: date,
    sender_address: str,
    now: datetime | None = None,
) -> BookedMeeting:
    """Book, move or (with `starts` None) cancel the meeting for a worker's ASYE milestone,
    and queue a calendar invite (or cancellation) to the worker and their assessor.

    Booking the same time and place again changes nothing and sends nothing; a change keeps
    the meeting's UID and raises its SEQUENCE, so calendars update the one event."""
    subject, enrolment, rule = _enrolled_milestone(session, organisation, worker, milestone)
    _check_recorder(session, actor, subject, enrolment)
    obligation = obligation_by_source(session, _source(enrolment.id, milestone))
    if obligation is None or obligation.status != "open":
        raise DecisionError(
            f"the {rule.title} for {worker} is already recorded; there is nothing to meet about"
        )
    if not 15 <= minutes <= 480:
        raise DecisionError(f"a meeting of {minutes} minutes? give 15 to 480 minutes")
    location = one_line(location)
    if starts is not None and not location:
        raise DecisionError("say where the meeting is (--where), e.g. 'Room 2, Civic Centre'")
    if starts is not None and starts.date() < today:
        raise DecisionError(f"{starts:%Y-%m-%d %H:%M} has passed; book a time from today on")
    existing = meeting_of(session, obligation.id)
    if starts is None:
        if existing is None or existing.status == "cancelled":
            raise DecisionError(f"no meeting is booked for the {rule.title} of {worker}")
        change = "cancelled"
    elif existing is None:
        change = "booked"
    elif (
        existing.status == "booked"
        and (existing.starts_at == starts and existing.minutes == minutes)
        and existing.location == location
    ):
        zone = starts.tzinfo
        return BookedMeeting(
            existing.id,
            worker,
            milestone,
            existing.starts_at.astimezone(zone),
            existing.sequence,
            "unchanged",
            0,
        )
    else:
        change = "moved" if existing.status == "booked" else "booked"
    domain = sender_address.rpartition("@")[2] or "ladder.invalid"
    if existing is None:
        assert starts is not None
        meeting = Meeting(
            uid=f"{uuid.uuid4()}@{domain}",
            obligation_id=obligation.id,
            starts_at=starts,
            minutes=minutes,
            location=location,
            sequence=0,
            status="booked",
            booked_by=actor,
        )
        session.add(meeting)
    else:
        meeting = existing
        meeting.sequence += 1
        meeting.booked_by = actor
        if starts is None:
            meeting.status = "cancelled"
        else:
            meeting.starts_at, meeting.minutes, meeting.location = starts, minutes, location
            meeting.status = "booked"
    session.flush()
    zone = ZoneInfo(organisation.profile.calendar.timezone)
    view = MeetingView(meeting.starts_at.astimezone(zone), meeting.minutes, meeting.location)
    record_event(
        session,
        kind=f"asye.meeting_{change}",
        actor=actor,
        occurred_on=today,
        subject_id=subject.id,
        obligation_id=obligation.id,
        payload={
            "milestone": milestone,
            "meeting_id": meeting.id,
            "starts": view.starts.isoformat(),
            "minutes": meeting.minutes,
            "sequence": meeting.sequence,
        },
    )
    item = open_items_by_id(session, ids=[obligation.id])[obligation.id]
    organiser = worker_by_external_id(session, actor)
    rows = invite_rows(
        item,
        meeting_id=meeting.id,
        uid=meeting.uid,
        sequence=meeting.sequence,
        meeting=view,
        cancelled=change == "cancelled",
        rescheduled=change == "moved",
        organiser=None
        if organiser is None
        else Person(organiser.id, organiser.external_id, organiser.name, organiser.email),
        organisation=organisation,
        sender_address=sender_address,
        as_of=today,
        stamp=now or datetime.now(UTC),
    )
    queued = enqueue(session, rows=rows)
    return BookedMeeting(
        meeting.id, worker, milestone, view.starts, meeting.sequence, change, queued
    )
