"""Compose: turn each person's notices for the day into direct mails and at most one digest,
and a meeting into its calendar invites.

Runs after every chunk of the sweep has decided its notices, per range of recipients, so
each person's day is composed in one place and one transaction: a notice is either in the
outbox (direct or in a digest) or still pending, never half-done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from definitions.calendar import human_date
from definitions.items import DueItem, Person, SignedLink
from definitions.language import gettext_for
from definitions.meetings import MeetingView
from definitions.organisation import Organisation
from definitions.reminders import fold_for_cap
from notifications import compose
from notifications.compose import DigestLine
from notifications.ics import Attendee, meeting_ics
from notifications.message import message_id_for
from notifications.render import RenderedMessage
from storage.links import Links, links_for_reminders
from storage.meetings import meetings_for
from storage.models import Worker
from storage.notices import (
    PendingNotice,
    mails_today,
    outbox_ids,
    pending_notices,
    settle,
    still_open,
)
from storage.obligations import open_items_by_id, people_by_id
from storage.outbox import enqueue


@dataclass
class Composed:
    """What composing a set of recipients' days produced, before it is written."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    carried_by: dict[int, str] = field(default_factory=dict)  # notice id -> message dedup key
    dropped: list[int] = field(default_factory=list)  # notices whose item closed meanwhile
    direct: int = 0
    digests: int = 0
    folded: int = 0


def outbox_row(
    key: str,
    sender_address: str,
    person: Person | Worker,
    role: str,
    message: RenderedMessage,
    *,
    send_on: date,
    **values: Any,
) -> dict[str, Any]:
    """A message to queue: its dedup key and the Message-ID derived from it, the recipient,
    the rendered parts, and `values` (kind, step, obligation_id, channel, ics, attachment)."""
    return dict(
        dedup_key=key,
        message_id=message_id_for(key, sender_address),
        recipient_id=person.id,
        recipient_role=role,
        to_address=person.email,
        subject=message.subject,
        body_text=message.text,
        body_html=message.html,
        send_on=send_on,
        status="queued",
        attempts=0,
        **values,
    )


def digest_key(recipient_id: int, day: date, earlier_today: int) -> str:
    # One digest a person a day; should a second composition that day ever find new notices
    # (a re-run after new items), it goes as a numbered follow-up rather than being lost.
    suffix = f":{earlier_today + 1}" if earlier_today else ""
    return f"digest:{recipient_id}:{day}{suffix}"


def compose_day(
    *,
    pending: dict[int, list[PendingNotice]],
    items: dict[int, DueItem],
    earlier: dict[int, dict[int, str]],
    people: dict[int, Person],
    meetings: dict[int, MeetingView],
    direct_today: dict[int, int],
    digests_today: dict[int, int],
    organisation: Organisation,
    as_of: date,
    sender_address: str,
    links: dict[tuple[int, int], SignedLink] | None = None,
) -> Composed:
    """Pure: the outbox rows for these recipients' notices, applying routing and the cap;
    `links` are the signed links made for them, by (recipient id, obligation id)."""
    links = links or {}
    out = Composed()
    cap = organisation.delivery.daily_cap

    for recipient_id, notices in sorted(pending.items()):
        person = people.get(recipient_id)
        # An item closed, or a person who left, since the sweep decided: tell nobody.
        live = [p for p in notices if p.notice.obligation_id in items and person is not None]
        if len(live) < len(notices):
            kept = {p.notice.id for p in live}
            out.dropped += [p.notice.id for p in notices if p.notice.id not in kept]
        if not live or person is None:
            continue
        by_id = {p.notice.id: p for p in live}
        sent, folded = fold_for_cap(
            [p.notice for p in live], cap=cap, already_direct=direct_today.get(recipient_id, 0)
        )
        for notice in sent:
            pending_notice = by_id[notice.id]
            item = items[notice.obligation_id]
            key = f"obligation:{item.obligation_id}:{notice.due}:{pending_notice.step}:{person.id}"
            message = compose.reminder(
                item,
                role=pending_notice.role,
                person=person,
                escalation=notice.escalation,
                as_of=as_of,
                voice=organisation.voice,
                meeting=meetings.get(item.obligation_id),
                link=links.get((person.id, item.obligation_id)),
            )
            out.messages.append(
                outbox_row(
                    key,
                    sender_address,
                    person,
                    pending_notice.role,
                    message,
                    send_on=as_of,
                    kind=item.milestone,
                    step=pending_notice.step,
                    obligation_id=item.obligation_id,
                    channel="direct",
                )
            )
            out.carried_by[notice.id] = key
            out.direct += 1
        if not folded:
            continue
        new: dict[int, DigestLine] = {}
        for notice in folded:
            item, role = items[notice.obligation_id], by_id[notice.id].role
            line = new.get(item.obligation_id)
            # One line per item: the strongest way this person hears about it today.
            escalation = notice.escalation or (line.escalation if line else False)
            new[item.obligation_id] = DigestLine(
                item,
                role,
                escalation,
                meetings.get(item.obligation_id),
                links.get((recipient_id, item.obligation_id)),
            )
        told_before = earlier.get(recipient_id, {})
        still = [
            DigestLine(items[oid], role, False, meetings.get(oid), links.get((recipient_id, oid)))
            for oid, role in sorted(told_before.items())
            if oid in items and oid not in new
        ]
        key = digest_key(recipient_id, as_of, digests_today.get(recipient_id, 0))
        message = compose.digest(
            person=person,
            new=list(new.values()),
            earlier=still,
            as_of=as_of,
            voice=organisation.voice,
            folded=sum(1 for n in folded if n.mode == "direct"),
            cap=cap,
        )
        roles = sorted({by_id[n.id].role for n in folded})
        out.messages.append(
            outbox_row(
                key,
                sender_address,
                person,
                roles[0] if len(roles) == 1 else "several",
                message,
                send_on=as_of,
                kind="digest",
                step="daily",
                obligation_id=None,
                channel="digest",
            )
        )
        for notice in folded:
            out.carried_by[notice.id] = key
        out.digests += 1
        out.folded += sum(1 for n in folded if n.mode == "direct")
    return out


def compose_recipients(
    session: Session,
    organisation: Organisation,
    as_of: date,
    recipients: tuple[int, int],
    sender_address: str,
    links: Links | None = None,
) -> tuple[Composed, int]:
    """Compose these recipients' day in the caller's transaction: (what, messages queued).
    With `links`, a reminder that asks its reader to record something carries a signed
    link to do it (made here, in the same transaction as the mail that carries it)."""
    lookahead = as_of + timedelta(days=organisation.delivery.digest_lookahead_days)
    pending = pending_notices(session, day=as_of, recipients=recipients)
    earlier = still_open(session, day=as_of, until=lookahead, recipients=recipients)
    wanted = {p.notice.obligation_id for ps in pending.values() for p in ps}
    wanted |= {oid for told in earlier.values() for oid in told}
    items = open_items_by_id(session, ids=wanted)
    told = [(p.notice.obligation_id, p.role, r) for r, ps in pending.items() for p in ps]
    told += [(oid, role, r) for r in pending for oid, role in earlier.get(r, {}).items()]
    made = links_for_reminders(
        session,
        links,
        [(items[oid], role, reader) for oid, role, reader in told if oid in items],
        today=as_of,
    )
    composed = compose_day(
        pending=pending,
        items=items,
        earlier=earlier,
        people=people_by_id(session, ids=pending.keys()),
        meetings=meetings_for(session, obligation_ids=items.keys(), organisation=organisation),
        direct_today=mails_today(session, day=as_of, recipients=recipients, channel="direct"),
        digests_today=mails_today(session, day=as_of, recipients=recipients, channel="digest"),
        organisation=organisation,
        as_of=as_of,
        sender_address=sender_address,
        links=made,
    )
    queued = enqueue(session, rows=composed.messages)
    # Link by key, not by what this insert returned: a message already queued under the same
    # key (an earlier, interrupted run) carries the notice just the same.
    ids = outbox_ids(session, keys=sorted(set(composed.carried_by.values())))
    settle(
        session,
        changes=[
            {"id": n, "status": "composed", "outbox_id": ids[key]}
            for n, key in composed.carried_by.items()
        ]
        + [{"id": n, "status": "dropped", "outbox_id": None} for n in composed.dropped],
    )
    return composed, queued


def invite_rows(
    item: DueItem,
    *,
    meeting_id: int,
    uid: str,
    sequence: int,
    meeting: MeetingView,
    cancelled: bool,
    rescheduled: bool,
    organiser: Person | None,
    organisation: Organisation,
    sender_address: str,
    as_of: date,
    stamp: datetime,
) -> list[dict[str, Any]]:
    """Outbox rows inviting the worker and their assessor to a meeting (or cancelling it),
    each carrying the same .ics; one per person and meeting version (SEQUENCE)."""
    people = [("worker", item.subject)]
    if item.assessor and item.assessor.id != item.subject.id:
        people.append(("assessor", item.assessor))
    attendees = [Attendee(p.name, p.email) for _, p in people]
    sender = Attendee(organisation.profile.sender_name, sender_address)
    if organiser is not None:
        sender = Attendee(organiser.name, organiser.email)
    ics = meeting_ics(
        uid=uid,
        sequence=sequence,
        starts=meeting.starts,
        minutes=meeting.minutes,
        summary=f"{item.title}: {item.subject.name}",
        location=meeting.location,
        description=gettext_for(organisation.profile.locale)(
            "{title} for {name}, due by {date}. Booked by {team} of {org}."
        ).format(
            title=item.title,
            name=item.subject.name,
            date=human_date(item.due_date, organisation.profile.locale),
            team=organisation.profile.team_name,
            org=organisation.name,
        ),
        organiser=sender,
        attendees=attendees,
        stamp=stamp,
        cancelled=cancelled,
    )
    rows = []
    for role, person in people:
        key = f"meeting:{meeting_id}:{sequence}:{person.id}"
        message = compose.invite(
            item,
            person=person,
            role=role,
            meeting=meeting,
            cancelled=cancelled,
            rescheduled=rescheduled,
            voice=organisation.voice,
        )
        rows.append(
            outbox_row(
                key,
                sender_address,
                person,
                role,
                message,
                send_on=as_of,
                kind=item.milestone,
                step="cancel" if cancelled else "invite",
                obligation_id=item.obligation_id,
                channel="invite",
                ics=ics,
            )
        )
    return rows
