"""Book, move or cancel the meeting for an ASYE milestone, and queue its calendar invites."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from definitions.errors import BadInput, NotFound, Refused
from definitions.items import Person
from definitions.meetings import MeetingView
from definitions.organisation import Organisation
from notifications.render import one_line
from storage.history import record_event
from storage.meetings import meeting_of
from storage.models import Meeting
from storage.obligations import obligation_by_source, open_items_by_id
from storage.outbox import enqueue
from storage.roster import worker_by_external_id
from tasks.programmes.enrolled import enrolled_milestone, milestone_source, require_recorder
from tasks.reminders.compose import invite_rows


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
    subject, enrolment, rule = enrolled_milestone(session, organisation, worker, milestone)
    require_recorder(session, organisation, actor, subject, enrolment)
    obligation = obligation_by_source(session, milestone_source(enrolment.id, milestone))
    if obligation is None or obligation.status != "open":
        raise Refused(
            f"the {rule.title} for {worker} is already recorded; there is nothing to meet about"
        )
    if not 15 <= minutes <= 480:
        raise BadInput(f"a meeting of {minutes} minutes? give 15 to 480 minutes")
    location = one_line(location)
    if starts is not None and not location:
        raise BadInput("say where the meeting is (--where), e.g. 'Room 2, Civic Centre'")
    if starts is not None and starts.date() < today:
        raise BadInput(f"{starts:%Y-%m-%d %H:%M} has passed; book a time from today on")
    existing = meeting_of(session, obligation.id)
    if starts is None:
        if existing is None or existing.status == "cancelled":
            raise NotFound(f"no meeting is booked for the {rule.title} of {worker}")
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
