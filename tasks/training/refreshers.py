"""Refresher bookings: place each worker whose renewal window has opened on a session before
their expiry, nearest first, the waiting list when full, and mail each placement once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from definitions.calendar import human_date
from definitions.items import Person
from definitions.language import gettext_for
from definitions.meetings import MeetingView
from definitions.organisation import Organisation
from definitions.training import SessionOffer, choose_session, renewal_opens, require_programme
from notifications import compose
from notifications.ics import Attendee, meeting_ics
from storage.notices import insert_notices
from storage.obligations import people_with_roles
from storage.outbox import enqueue
from storage.training import (
    add_bookings,
    credential_expiries,
    end_bookings,
    held_for_done_renewals,
    renewals_to_place,
    sessions_with_places,
)
from tasks.reminders.compose import outbox_row


@dataclass(frozen=True)
class BookingResult:
    booked: int
    waitlisted: int
    no_session: int
    released: int = 0
    # (worker id, module, expiry) of each worker with no session to go to: for the team.
    without_session: tuple[tuple[str, str, date], ...] = ()


def book_refreshers(
    session: Session, organisation: Organisation, *, as_of: date, sender_address: str
) -> BookingResult:
    """Place every worker whose renewal window has opened on a refresher session before
    their expiry: own district first, then the nearest with space; the waiting list when
    every session is full. Each placement is mailed once, a booking with a calendar invite."""
    training = require_programme(organisation.training)
    modules = [m.key for m in training.modules if m.validity is not None]
    released = release_places(session, organisation, as_of=as_of, sender_address=sender_address)
    rebook_until = as_of + timedelta(days=training.rebook_within_days)
    due = []
    candidates = [
        (obligation, worker, current)
        for obligation, worker, current, held_on in renewals_to_place(session, modules=modules)
        # booked on a session still to come: settled
        if not (
            current is not None
            and current.status == "booked"
            and held_on is not None
            and held_on >= as_of
        )
    ]
    expiries = credential_expiries(
        session, ids=[int(o.source.split(":")[1]) for o, _, _ in candidates]
    )
    for obligation, worker, current in candidates:
        validity = training.module(obligation.milestone).validity
        assert validity is not None
        expires = expiries.get(int(obligation.source.split(":")[1]), obligation.due_date)
        if renewal_opens(validity, expires) <= as_of:
            due.append((obligation, worker, expires, current))
    if not due:
        return BookingResult(0, 0, 0, released)

    def until(expires: date) -> date:
        # Lapsed or in grace: the nearest session with space from now, not one before an
        # expiry already past.
        return expires if expires > as_of else rebook_until

    latest = max(until(expires) for _, _, expires, _ in due)
    offers: dict[str, list[SessionOffer]] = defaultdict(list)
    details = {}
    for s, booked in sessions_with_places(
        session,
        modules={o.milestone for o, _, _, _ in due},
        start=as_of + timedelta(days=1),
        end=latest,
    ):
        offers[s.module].append(SessionOffer(s.id, s.held_on, s.district, s.capacity, booked))
        details[s.id] = s
    rows: list[dict[str, Any]] = []
    without: list[tuple[str, str, date]] = []
    unplaced: list[Any] = []
    # A booking that ends: "missed" (its session passed and the renewal is still open) or
    # "moved" (a waiting-list place became a real place elsewhere). Kept, for the history.
    ended: list[dict[str, Any]] = []
    promoted: list[Any] = []  # waiting-list places that became places on the same session
    for obligation, worker, expires, current in due:  # earliest expiry first
        missed = current is not None and current.status == "booked"
        options = offers[obligation.milestone]
        placement = choose_session(
            training,
            options,
            home=worker.district,
            earliest=as_of + timedelta(days=1),
            latest=until(expires),
        )
        if placement is None:
            without.append((worker.external_id, obligation.milestone, expires))
            unplaced.append(obligation)
            if missed and current is not None:
                ended.append({"id": current.id, "status": "missed"})
            continue
        stale = current is not None and current.session_id not in details  # its day passed
        if (
            current is not None
            and current.status == "waitlisted"
            and placement.status != "booked"
            and not stale
        ):
            continue  # still no place: they stay on the waiting list they are on
        if placement.status == "booked":
            index = next(i for i, o in enumerate(options) if o.id == placement.session_id)
            chosen = options[index]
            options[index] = SessionOffer(
                chosen.id, chosen.held_on, chosen.district, chosen.capacity, chosen.booked + 1
            )
        if current is not None and current.session_id == placement.session_id:
            promoted.append((current.id, current.session_id, worker.id, obligation.id, "booked"))
            ended.append({"id": current.id, "status": "booked"})
            continue
        if current is not None:
            ended.append({"id": current.id, "status": "missed" if missed else "moved"})
        rows.append(
            dict(
                session_id=placement.session_id,
                worker_id=worker.id,
                obligation_id=obligation.id,
                status=placement.status,
                why=placement.why[:200],
                placed_on=as_of,
            )
        )
    end_bookings(session, changes=ended)
    placed = add_bookings(session, rows=rows) + promoted
    workers = {w.id: w for _, w, _, _ in due}
    obligations = {o.id: o for o, _, _, _ in due}
    zone = ZoneInfo(organisation.profile.calendar.timezone)
    mails = []
    for booking_id, session_id, worker_id, obligation_id, status in placed:
        s, worker = details[session_id], workers[worker_id]
        starts = datetime.combine(s.held_on, time.fromisoformat(s.starts_at), tzinfo=zone)
        view = MeetingView(starts, s.minutes, f"{s.venue} ({s.district})")
        obligation = obligations[obligation_id]
        message = compose.booking(
            person_name=worker.name,
            title=training.module(obligation.milestone).title,
            meeting=view,
            waitlisted=status == "waitlisted",
            expires=obligation.due_date,
            voice=organisation.voice,
            lapsed=obligation.due_date < as_of,
        )
        ics = None
        if status == "booked":
            ics = meeting_ics(
                uid=f"booking-{booking_id}@{sender_address.rpartition('@')[2]}",
                sequence=0,
                starts=starts,
                minutes=s.minutes,
                summary=training.module(obligation.milestone).title,
                location=view.location,
                description=gettext_for(organisation.profile.locale)(
                    "Refresher before your {title} expires ({date})."
                ).format(
                    title=training.module(obligation.milestone).title,
                    date=human_date(obligation.due_date, organisation.profile.locale),
                ),
                organiser=Attendee(organisation.profile.sender_name, sender_address),
                attendees=[Attendee(worker.name, worker.email)],
                stamp=datetime.now(UTC),
            )
        key = f"booking:{booking_id}:{status}"
        mails.append(
            outbox_row(
                key,
                sender_address,
                worker,
                "worker",
                message,
                send_on=as_of,
                kind=obligation.milestone,
                step="booked" if status == "booked" else "waitlisted",
                obligation_id=obligation_id,
                channel="invite",
                ics=ics,
            )
        )
    enqueue(session, rows=mails)
    tell_bookers(session, organisation, unplaced, as_of=as_of)
    booked = sum(1 for p in placed if p[4] == "booked")
    return BookingResult(
        booked, len(placed) - booked, len(without), released, tuple(sorted(without))
    )


BOOKINGS = "bookings"  # the part a notice about a booking problem is addressed in


def tell_bookers(
    session: Session, organisation: Organisation, renewals: list[Any], *, as_of: date
) -> int:
    """The people who book refresher places (training.yaml `bookings_by`) hear, in their
    digest and once per renewal, of each worker with no session to go to."""
    if not renewals:
        return 0
    training = require_programme(organisation.training)
    roles = training.bookings_by or organisation.ladder.decided_by.policy
    holders = [p for people in people_with_roles(session, roles=roles).values() for p in people]
    rows = [
        dict(
            dedup_key=f"obligation:{o.id}:{o.due_date}:no_session:{person.id}",
            obligation_id=o.id,
            recipient_id=person.id,
            recipient_role=BOOKINGS,
            step="no_session",
            escalation=False,
            mode="digest",
            due_date=o.due_date,
            day=as_of,
            status="pending",
        )
        for o in renewals
        for person in {p.id: p for p in holders}.values()
    ]
    return insert_notices(session, rows=rows)


def release_places(
    session: Session, organisation: Organisation, *, as_of: date, sender_address: str
) -> int:
    """Places on sessions still to come held for renewals that are done (renewed elsewhere,
    or a completion recorded early): released for someone else, and the worker told, with a
    calendar update that removes the session. Returns the places released."""
    training = require_programme(organisation.training)
    held = held_for_done_renewals(session, after=as_of)
    if not held:
        return 0
    was = {b.id: b.status for b, _, _ in held}
    end_bookings(session, changes=[{"id": b.id, "status": "released"} for b, _, _ in held])
    zone = ZoneInfo(organisation.profile.calendar.timezone)
    mails = []
    for booking, s, worker in held:
        starts = datetime.combine(s.held_on, time.fromisoformat(s.starts_at), tzinfo=zone)
        view = MeetingView(starts, s.minutes, f"{s.venue} ({s.district})")
        title = training.module(s.module).title
        message = compose.booking(
            person_name=worker.name,
            title=title,
            meeting=view,
            waitlisted=was[booking.id] == "waitlisted",
            expires=s.held_on,
            voice=organisation.voice,
            released=True,
        )
        ics = None
        if was[booking.id] == "booked":  # the invite they had is withdrawn
            ics = meeting_ics(
                uid=f"booking-{booking.id}@{sender_address.rpartition('@')[2]}",
                sequence=1,
                starts=starts,
                minutes=s.minutes,
                summary=title,
                location=view.location,
                description=title,
                organiser=Attendee(organisation.profile.sender_name, sender_address),
                attendees=[Attendee(worker.name, worker.email)],
                stamp=datetime.now(UTC),
                cancelled=True,
            )
        mails.append(
            outbox_row(
                f"booking:{booking.id}:released",
                sender_address,
                Person(worker.id, worker.external_id, worker.name, worker.email),
                "worker",
                message,
                send_on=as_of,
                kind=s.module,
                step="released",
                obligation_id=booking.obligation_id,
                channel="invite" if ics else "direct",
                ics=ics,
            )
        )
    enqueue(session, rows=mails)
    return len(held)
