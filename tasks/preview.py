"""`ladder mail preview KIND`: every message kind rendered with sample people, by the same
functions the daily flow and the booking command use."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from definitions.clock import DateWindow
from definitions.errors import BadInput
from definitions.items import DueItem, Person, SignedLink
from definitions.language import gettext_for
from definitions.meetings import MeetingView
from definitions.organisation import Organisation
from definitions.reminders import send_date
from notifications import compose
from notifications.compose import DigestLine
from notifications.message import build_email, message_id_for
from storage.links import LINK_DAYS, reminder_link
from tasks.reminders.compose import invite_rows
from tasks.reminders.notices import notice_rows
from tasks.training.renewals import RENEWAL, renewal_title
from tasks.training.required import required_title

SAM = Person(1, "W0001", "Sam Sample", "sam.sample@example.org")
MORGAN = Person(2, "W0002", "Morgan Manager", "morgan.manager@example.org")
ALEX = Person(3, "W0003", "Alex Assessor", "alex.assessor@example.org")
PAT = Person(4, "W0004", "Pat Supervisor", "pat.supervisor@example.org")
LEE = Person(5, "W0005", "Lee Lead", "lee.lead@example.org")
PEOPLE = {p.id: p for p in (SAM, MORGAN, ALEX, PAT, LEE)}
BY_ROLE = {"worker": SAM, "manager": MORGAN, "assessor": ALEX, "supervisor": PAT}


class PreviewError(BadInput):
    """A preview that cannot be made as asked; the message says what can."""


@dataclass(frozen=True)
class Preview:
    subject: str
    to_address: str
    sent_on: date
    text: str
    html: str
    ics: str | None
    message_id: str

    def email(self, organisation: Organisation) -> Any:
        return build_email(
            sender_name=organisation.profile.sender_name,
            sender_address=organisation.profile.sender_address,
            to_address=self.to_address,
            subject=self.subject,
            text=self.text,
            html=self.html,
            message_id=self.message_id,
            ics=self.ics,
        )


@dataclass(frozen=True)
class _Example:
    """One kind of item this organisation's own programmes make, to preview mail with."""

    kind: str
    key: str
    title: str
    policy: str
    responsible: str


def _examples(organisation: Organisation) -> list[_Example]:
    """The items the organisation's programmes would remind people about: the milestones
    of its dated programmes (the ASYE year first), then its refreshers' renewals. None when
    it runs neither."""
    found: list[_Example] = [
        _Example(f"{p.key}.{m.kind}", m.key, m.title, p.policy_for(m.key), m.responsible)
        for p in organisation.dated_programmes
        for m in p.milestones
    ]
    training = organisation.training
    if training:
        found += [
            _Example(
                RENEWAL,
                r.module,
                renewal_title(organisation, training.module(r.module).title),
                training.reminder_policy,
                "worker",
            )
            for r in training.refreshers
        ]
        found += [
            _Example(
                "training.required",
                r.module,
                required_title(organisation, training.module(r.module).title),
                training.required_policy,
                "worker",
            )
            for r in training.required[:1]
        ]
    if organisation.supervision is not None:
        found.append(
            _Example(
                "supervision",
                "supervision",
                organisation.supervision.title,
                organisation.supervision.reminder_policy,
                "supervisor",
            )
        )
    if organisation.registration is not None:
        found.append(
            _Example(
                "registration.cpd",
                "cpd",
                organisation.registration.title,
                organisation.registration.reminder_policy,
                "worker",
            )
        )
    return found


def _item(
    organisation: Organisation,
    due: date,
    *,
    milestone: int = 0,
    subject: Person = SAM,
    n: int = 0,
    examples: list[_Example] | None = None,
) -> DueItem:
    examples = _examples(organisation) if examples is None else examples
    if not examples:
        raise PreviewError(
            "this organisation's programmes make no items to remind anyone about (no ASYE "
            "milestones, no refreshers), so there is no reminder to preview"
        )
    example = examples[milestone % len(examples)]  # a digest shows several: go round
    return DueItem(
        obligation_id=n,
        kind=example.kind,
        milestone=example.key,
        title=example.title,
        due_date=due,
        reminder_policy=example.policy,
        responsible_role=example.responsible,
        rule=gettext_for(organisation.profile.locale)("(the rule that produced the date)"),
        subject=subject,
        manager=MORGAN,
        assessor=ALEX,
        supervisor=PAT,
    )


def _reminder_rows(
    organisation: Organisation, item: DueItem, sent_on: date
) -> tuple[list[dict[str, Any]], dict[int, Person]]:
    """The notices the item's policy sends on `sent_on`, with one made-up person per role of
    ladder.yaml that reminders reach, each their own."""
    holders = {
        name: [Person(100 + n, f"P{n:03d}", f"Lee {name.replace('_', ' ').title()}", LEE.email)]
        for n, name in enumerate(organisation.reminded_roles)
    }
    people = PEOPLE | {p.id: p for found in holders.values() for p in found}
    rows = notice_rows([item], organisation, DateWindow(sent_on, sent_on), sent_on, holders)
    return rows, people


def _link(
    organisation: Organisation, item: DueItem, role: str, reader: Person, on: date
) -> SignedLink | None:
    """The signed link the reader's mail about `item` would carry (an example address)."""
    if not organisation.profile.signed_links or reminder_link(item, role, reader.id) is None:
        return None
    return SignedLink("https://ladder.example.org/act/example-link", on + timedelta(LINK_DAYS))


def _reminder(
    organisation: Organisation, item: DueItem, row: dict[str, Any], person: Person, sent_on: date
) -> Preview:
    message = compose.reminder(
        item,
        role=row["recipient_role"],
        person=person,
        escalation=row["escalation"],
        as_of=sent_on,
        voice=organisation.voice,
        link=_link(organisation, item, row["recipient_role"], person, sent_on),
    )
    return Preview(
        message.subject,
        person.email,
        sent_on,
        message.text,
        message.html,
        None,
        message_id_for(row["dedup_key"], organisation.profile.sender_address),
    )


def every_message(organisation: Organisation, today: date) -> Iterator[tuple[str, str, Preview]]:
    """(what, the reader's name, the message) for every message the preview can make: each
    kind of item's reminder at every step of its policy, to everyone that step reaches; a
    digest for each role; invites, cancellations and bookings. Tests read them all."""
    calendar = organisation.working_calendar()
    due = calendar.previous_working_day(today + timedelta(days=21))
    examples = _examples(organisation)
    for index, example in enumerate(examples):
        item = _item(organisation, due, milestone=index, examples=examples)
        for step in organisation.policy(item.reminder_policy).steps:
            sent_on = send_date(due, step, calendar)
            rows, people = _reminder_rows(organisation, item, sent_on)
            for row in (r for r in rows if r["step"] == step.key):
                person = people[row["recipient_id"]]
                label = f"reminder {example.kind} {example.key} {step.key} {row['recipient_role']}"
                yield label, person.name, _reminder(organisation, item, row, person, sent_on)
    readers = {**BY_ROLE, **dict.fromkeys(organisation.reminded_roles, LEE)}
    for role, reader in readers.items():
        if examples:
            yield (
                f"digest {role}",
                reader.name,
                preview(organisation, "digest", step=None, role=role, today=today),
            )
    if examples:
        for kind in ("invite", "cancellation"):
            for role, reader in (("worker", SAM), ("assessor", ALEX)):
                yield (
                    f"{kind} {role}",
                    reader.name,
                    preview(organisation, kind, step=None, role=role, today=today),
                )
    training = organisation.training
    if training is not None and training.refreshers:
        for booking in (None, "waitlisted"):
            yield (
                f"booking {booking or 'booked'}",
                SAM.name,
                preview(organisation, "booking", step=booking, role="worker", today=today),
            )


def preview(
    organisation: Organisation, kind: str, *, step: str | None, role: str | None, today: date
) -> Preview:
    """A message of `kind` with made-up people. For a reminder, `step` defaults to the first
    step of the example item's policy and `role` to the first person that step reaches."""
    if kind not in compose.KINDS:
        raise PreviewError(f"no message kind '{kind}'; kinds: {', '.join(compose.KINDS)}")
    calendar = organisation.working_calendar()
    due = calendar.previous_working_day(today + timedelta(days=21))
    sender = organisation.profile.sender_address
    if kind == "reminder":
        # The first kind of item whose policy has the step asked for (or the first item).
        examples = _examples(organisation)
        has_step = [
            i
            for i, e in enumerate(examples)
            if step is None or any(s.key == step for s in organisation.policy(e.policy).steps)
        ]
        item = _item(organisation, due, milestone=has_step[0] if has_step else 0)
        policy = organisation.policy(item.reminder_policy)
        step = step or policy.steps[0].key
        chosen = next((s for s in policy.steps if s.key == step), None)
        if chosen is None:
            steps = sorted({s.key for e in examples for s in organisation.policy(e.policy).steps})
            raise PreviewError(f"no step '{step}'; steps: {', '.join(steps)}")
        sent_on = send_date(due, chosen, calendar)
        rows, people = _reminder_rows(organisation, item, sent_on)
        rows = [r for r in rows if r["step"] == step]
        if role is None and rows:
            role = next(
                (r["recipient_role"] for r in rows if r["recipient_role"] == "worker"), None
            )
            role = role or rows[0]["recipient_role"]
        row = next((r for r in rows if r["recipient_role"] == role), None)
        if row is None:
            roles = ", ".join(sorted({r["recipient_role"] for r in rows})) or "nobody"
            raise PreviewError(
                f"step {step} goes to {roles}, not to {role}; give one of them with --role"
            )
        return _reminder(organisation, item, row, people[row["recipient_id"]], sent_on)
    role = role or "worker"
    if kind == "digest":
        readers = {**BY_ROLE, **dict.fromkeys(organisation.reminded_roles, LEE)}
        if role not in readers:
            raise PreviewError(f"no role '{role}'; roles: {', '.join(readers)}")
        reader, as_role = readers[role], role
        names = ("Kiran Shah", "Leah Price", "Owen Jenkins", "Rosa Ferreira")
        others = [
            Person(10 + i, f"W00{10 + i}", name, f"{name.split()[0].lower()}@example.org")
            for i, name in enumerate(names)
        ]
        if role == "worker":  # a worker's digest holds their own items over the daily cap
            others = [SAM] * len(names)
        new = [
            DigestLine(
                _item(organisation, today - timedelta(days=1), subject=others[0], n=1),
                as_role,
                escalation=True,
            ),
            DigestLine(_item(organisation, today, milestone=1, subject=others[1], n=2), as_role),
            DigestLine(_item(organisation, due, milestone=2, subject=others[2], n=3), as_role),
        ]
        earlier = [
            DigestLine(
                _item(organisation, today - timedelta(days=6), subject=others[3], n=4), as_role
            )
        ]
        new, earlier = (
            [replace(ln, link=_link(organisation, ln.item, as_role, reader, today)) for ln in lines]
            for lines in (new, earlier)
        )
        message = compose.digest(
            person=reader,
            new=new,
            earlier=earlier,
            as_of=today,
            voice=organisation.voice,
            folded=2 if as_role == "worker" else 0,
            cap=organisation.delivery.daily_cap,
        )
        return Preview(
            message.subject,
            reader.email,
            today,
            message.text,
            message.html,
            None,
            message_id_for(f"digest:{reader.id}:{today}", sender),
        )
    if kind == "booking":
        if role != "worker":
            raise PreviewError(f"bookings go to the worker, not to {role}")
        training = organisation.training
        if training is None or not training.refreshers:
            raise PreviewError(
                "this organisation has no refreshers (training.yaml), so Ladder books no "
                "refresher sessions"
            )
        # Made up from the organisation's own YAML: its first refresher, its first district.
        module = training.module(training.refreshers[0].module)
        district = training.districts[0].key if training.districts else None
        room = gettext_for(organisation.profile.locale)("Training room")
        venue = f"{room} ({district})" if district else room
        zone = ZoneInfo(organisation.profile.calendar.timezone)
        held = calendar.previous_working_day(due - timedelta(days=7))
        view = MeetingView(datetime.combine(held, time(9, 30), tzinfo=zone), 210, venue)
        message = compose.booking(
            person_name=SAM.name,
            title=module.title,
            meeting=view,
            waitlisted=step == "waitlisted",
            expires=due,
            voice=organisation.voice,
        )
        return Preview(
            message.subject,
            SAM.email,
            today,
            message.text,
            message.html,
            None,
            message_id_for(f"booking:0:{today}", sender),
        )
    # invite or cancellation: a 10:00 meeting a week before the review is due
    zone = ZoneInfo(organisation.profile.calendar.timezone)
    day = calendar.previous_working_day(due - timedelta(days=7))
    meeting = MeetingView(datetime.combine(day, time(10, 0), tzinfo=zone), 60, "Meeting room")
    rows = invite_rows(
        _item(organisation, due),
        meeting_id=0,
        uid=f"preview@{sender.rpartition('@')[2]}",
        sequence=1 if kind == "cancellation" else 0,
        meeting=meeting,
        cancelled=kind == "cancellation",
        rescheduled=False,
        organiser=ALEX,
        organisation=organisation,
        sender_address=sender,
        as_of=today,
        stamp=datetime.now(UTC),
    )
    row = next((r for r in rows if r["recipient_role"] == role), None)
    if row is None:
        raise PreviewError(f"invites go to the worker and the assessor, not to {role}")
    return Preview(
        row["subject"],
        row["to_address"],
        today,
        row["body_text"],
        row["body_html"],
        row["ics"],
        row["message_id"],
    )
