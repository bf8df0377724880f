"""What each message says: reminders about one item, a person's daily digest, meeting invites.

Pure functions from items and people to rendered messages; the tasks read and write the
database, and `ladder mail preview` calls the same functions with sample people.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from definitions.calendar import human_date
from definitions.items import DueItem, Person, SignedLink
from definitions.language import gettext_for
from definitions.meetings import MeetingView
from definitions.organisation import Voice
from notifications.render import RenderedMessage, days_phrase, render

KINDS = ("reminder", "digest", "invite", "cancellation", "booking")


_ARTICLES = ("the ", "a ", "an ")


def item_phrase(item: DueItem, role: str, _: Callable[[str], str]) -> str:
    """The item as a noun phrase that reads after "Your" or "The" in a subject or sentence:
    the organisation's title without a leading article of its own ("The service's pathway"
    would make "Your The service's pathway"), and an action plan item, which is an order
    ("Chair two case conferences"), quoted as an action, the manager's where it is theirs."""
    title = item.title.strip()
    if title.lower().startswith(_ARTICLES):
        title = title.split(" ", 1)[1]
    if item.kind == "panel.action":
        quoted = f"“{title}”"
        if role == "worker" and item.responsible_role != "worker":
            return _("manager's action {title}").format(title=quoted)
        return _("action {title}").format(title=quoted)
    return title


def _as_reader(role: str, item: DueItem, reader: Person | None) -> str:
    """The role the reader acts in: someone who is both the manager and the person who holds
    the item (a manager who is also the assessor) is told to do it, never to chase
    themselves."""
    holder = {
        "assessor": item.assessor,
        "manager": item.manager,
        "supervisor": item.supervisor,
    }.get(item.responsible_role)
    if reader is not None and holder is not None and reader.id == holder.id and role != "worker":
        return item.responsible_role
    return role


def _link_words(item: DueItem, _: Callable[[str], str]) -> tuple[str, str]:
    """What a signed link in a mail about `item` does: its label ("Mark it done") and the
    step that uses it ("when it is done, mark it done with the link below")."""
    if item.kind == "panel.action":
        return _("Mark it done"), _("when it is done, mark it done with the link below")
    if item.kind == "panel.signature":
        return _("Sign the report"), _("sign it with the link below")
    return _("Record the outcome"), _("record the outcome with the link below")


def next_steps(
    role: str,
    item: DueItem,
    as_of: date,
    voice: Voice,
    reader: Person | None = None,
    linked: bool = False,
) -> list[str]:
    """What the reader should do about the item, by the role they hear about it in; where
    the mail carries a signed link (`linked`), the last step, telling the team, becomes
    using it."""
    steps = _steps(role, item, as_of, voice, reader)
    if not linked:
        return steps
    _ = gettext_for(voice.locale)
    programme = item.kind.partition(".")[0]
    if voice.steps.get((programme, item.milestone), {}).get(role):  # the organisation's own
        return [*steps, _("or record it yourself with the link below")]
    return [*steps[:-1], _link_words(item, _)[1]]


def _steps(
    role: str, item: DueItem, as_of: date, voice: Voice, reader: Person | None = None
) -> list[str]:
    role = _as_reader(role, item, reader)
    overdue = item.due_date < as_of
    team = voice.team_name
    _ = gettext_for(voice.locale)
    if item.kind == "training.renewal":
        if role == "bookings":
            return [
                _(
                    "find {name} a refresher: no session has a place before it runs out, "
                    "or in the weeks after"
                ).format(name=item.subject.name),
                _(
                    "add a session, or book them elsewhere and send the certificate to {team}"
                ).format(team=team),
            ]
        if role == "worker":
            return [
                _(
                    "go to a refresher session: if you have a place, your booking mail has "
                    "the calendar invite; if not, {team} will book you one, or you can renew "
                    "elsewhere and send them the certificate"
                ).format(team=team),
                _("{team} records the completion; this reminder then stops").format(team=team),
            ]
        if overdue:
            return [
                _("{name}'s training has run out: make sure they go to a refresher soon").format(
                    name=item.subject.name
                ),
                _("until they do, they may not be able to practise in that area"),
            ]
        return [
            _("make sure {name} can go to their refresher before it runs out").format(
                name=item.subject.name
            ),
            _("without it they may not be able to practise in that area"),
        ]
    if item.kind.startswith("panel."):
        return _panel_steps(role, item, team, _)
    if item.kind == "training.required":
        if role == "worker":
            return [
                _(
                    "ask {team} for a place on this training, or send them your certificate if "
                    "you have done it elsewhere"
                ).format(team=team),
                _("{team} records the completion; this reminder then stops").format(team=team),
            ]
        return [
            _("make sure {name} has the time to do this training").format(name=item.subject.name),
            _("it is required for their role"),
        ]
    if item.kind == "supervision":
        return _supervision_steps(role, item, team, _)
    if item.kind == "registration.cpd":
        if role == "worker":
            return [
                _(
                    "record your CPD for this renewal with {team}, or ask your manager to "
                    "record it for you; the reminders stop once it meets the rule"
                ).format(team=team),
            ]
        return [
            _("make sure {name} records enough CPD before the renewal window closes").format(
                name=item.subject.name
            ),
            _("without it they cannot renew their registration"),
        ]
    programme = item.kind.partition(".")[0]
    own = voice.steps.get((programme, item.milestone), {}).get(role)
    if own:  # the organisation's own words for this milestone and reader
        values = {
            "name": item.subject.name,
            "team": team,
            "title": item.title,
            "manager": item.manager.name if item.manager else _("your manager"),
        }
        return [line.format(**values) for line in own]
    if programme != "asye":
        return _programme_steps(role, item, as_of, team, _)
    assessor = item.assessor.name if item.assessor else _("your manager")
    record = _("tell {team} the outcome when it is decided; they record it in Ladder").format(
        team=team
    )
    if role == "worker":
        return [
            _("agree the meeting with your assessor, {assessor}, if it is not booked yet").format(
                assessor=assessor
            ),
            _("bring your evidence and critical reflection to the meeting"),
        ]
    if role == "assessor":
        if item.kind == "asye.report":
            return [_("write the assessor's report and send it to the moderation panel"), record]
        return [_("meet the NQSW and complete the review against the PCF domains"), record]
    if role == "supervisor":
        return [
            _("use your next supervision session to help the NQSW prepare"),
            _("tell {assessor} if anything is in the way").format(assessor=assessor),
        ]
    if not overdue and item.due_date > as_of:
        return [_("make sure {assessor} has it in hand").format(assessor=assessor), record]
    check = (
        _("check with {assessor} why it is late")
        if overdue
        else _("check with {assessor} why it is not done yet")
    )
    return [
        check.format(assessor=assessor),
        _("tell {team} the outcome, or the dates of any leave the NQSW has had").format(team=team),
    ]


def _programme_steps(
    role: str, item: DueItem, as_of: date, team: str, _: Callable[[str], str]
) -> list[str]:
    """What to do about a milestone of a programme other than the ASYE (an induction, a
    probation review), in words that fit any programme: the worker prepares or does the
    training, the person responsible holds it, and others check with that person."""
    kind = item.kind.partition(".")[2]
    holder = {
        "assessor": item.assessor,
        "manager": item.manager,
        "supervisor": item.supervisor,
    }.get(item.responsible_role)
    if kind == "completion":
        if role == "worker":
            return [
                _(
                    "complete this training by the due date; ask {team} for a place if you need one"
                ).format(team=team),
                _("{team} records the completion; this reminder then stops").format(team=team),
            ]
        return [
            _("make sure {name} has the time to complete this training").format(
                name=item.subject.name
            ),
            _("{team} records the completion; this reminder then stops").format(team=team),
        ]
    record = _("tell {team} the outcome; they record it in Ladder").format(team=team)
    if kind == "evidence" and role == "worker":
        return [_("send this to {team} by the due date").format(team=team)]
    if role == "worker":
        if holder is None:
            return [_("agree a time for this with your manager")]
        return [_("agree a time for this with {holder}").format(holder=holder.name)]
    if role == item.responsible_role or holder is None:
        return [
            _("meet {name} and complete this by the due date").format(name=item.subject.name),
            record,
        ]
    if item.due_date < as_of:
        return [_("check with {holder} why it is late").format(holder=holder.name), record]
    return [_("make sure {holder} has it in hand").format(holder=holder.name), record]


def _supervision_steps(role: str, item: DueItem, team: str, _: Callable[[str], str]) -> list[str]:
    """What to do about a supervision that is due: the worker agrees a date, the person who
    supervises holds it, and whoever it is escalated to checks with that person."""
    holder = item.supervisor if item.responsible_role == "supervisor" else item.manager
    record = _("tell {team} the day it was held; the next one is then dated from it").format(
        team=team
    )
    if role == "worker":
        if holder is None:
            return [_("agree a date for your supervision with your manager")]
        return [_("agree a date for your supervision with {name}").format(name=holder.name)]
    if role == item.responsible_role or holder is None:
        return [
            _("hold {name}'s supervision by the due date").format(name=item.subject.name),
            record,
        ]
    return [
        _("check with {holder} that {name}'s supervision is booked").format(
            holder=holder.name, name=item.subject.name
        ),
        record,
    ]


def _panel_steps(role: str, item: DueItem, team: str, _: Callable[[str], str]) -> list[str]:
    """What to do about a progression item: evidence, the preparation day, an action, a
    signature. Each names the team that records it, never a command."""
    if item.kind == "panel.evidence":
        if item.milestone == "training_pathway":
            return [
                (
                    _("complete the service's training pathway before the deadline")
                    if role == "worker"
                    else _(
                        "{name} must complete the service's training pathway before the deadline"
                    ).format(name=item.subject.name)
                ),
                _("completions are imported by {team}; the item then ticks itself off").format(
                    team=team
                ),
            ]
        return [
            _("send the {what} to {team} before the deadline; they record it").format(
                what=item.title.lower(), team=team
            ),
            _("a pack that is not complete at the deadline moves to the next panel"),
        ]
    if item.kind == "panel.preparation":
        return [
            _("give {name} one day of preparation time for the panel").format(
                name=item.subject.name
            ),
            _("tell {team} the day you gave; they record it").format(team=team),
        ]
    if item.kind == "panel.action":
        return [
            _("review progress on this action in supervision"),
            _("when it is done, tell {team}; they record it").format(team=team),
        ]
    return [
        _("read the outcome report attached to the panel's outcome mail"),
        _("sign it and return it to {team}, who record your signature").format(team=team),
    ]


def reminder(
    item: DueItem,
    *,
    role: str,
    person: Person,
    escalation: bool,
    as_of: date,
    voice: Voice,
    meeting: MeetingView | None = None,
    link: SignedLink | None = None,
) -> RenderedMessage:
    """A reminder of one item to one reader; `link` is the signed link that lets them
    record it themselves."""
    overdue = item.due_date < as_of
    _ = gettext_for(voice.locale)
    return render(
        "reminder",
        {
            "recipient_name": person.name,
            "recipient_role": role,
            "subject_name": item.subject.name,
            "title": item_phrase(item, role, _),
            "due": item.due_date,
            "when": days_phrase(item.due_date, as_of, voice.locale),
            "due_today": item.due_date == as_of,
            "overdue": overdue,
            "escalation": escalation,
            "next_steps": next_steps(role, item, as_of, voice, reader=person, linked=bool(link)),
            "link": link.url if link else None,
            "link_until": link.until if link else None,
            "rule": item.rule,
            "meeting": meeting,
            # booked after the day it is due: say so, and what to do
            "meeting_late": meeting is not None and meeting.starts.date() > item.due_date,
        },
        voice,
    )


@dataclass(frozen=True)
class DigestLine:
    """One item in a digest, as its reader sees it."""

    item: DueItem
    role: str  # the reader's role for this item: worker, assessor, supervisor, ...
    escalation: bool = False
    meeting: MeetingView | None = None
    link: SignedLink | None = None  # the signed link that lets the reader record it


def _line(line: DigestLine, as_of: date, voice: Voice, reader: Person) -> dict[str, Any]:
    item = line.item
    overdue = item.due_date < as_of
    _ = gettext_for(voice.locale)
    due = human_date(item.due_date, voice.locale)
    when = days_phrase(item.due_date, as_of, voice.locale)
    if overdue:
        status = _("OVERDUE: was due {date} ({when})").format(date=due, when=when)
    elif item.due_date == as_of:
        status = _("Due today, {date}").format(date=due)
    else:
        status = _("Due by {date} ({when})").format(date=due, when=when)
    return {
        "own": line.role == "worker",
        "status": status,
        "subject_name": item.subject.name,
        "person": item.subject.id,  # to count the people, never shown
        "title": item_phrase(item, line.role, _),
        "due": item.due_date,
        "when": when,
        "state": "overdue" if overdue else ("today" if item.due_date == as_of else "soon"),
        "escalation": line.escalation,
        "action": next_steps(line.role, item, as_of, voice, reader=reader)[0],
        "meeting": line.meeting,
        "link": line.link.url if line.link else None,
        "link_label": _link_words(item, _)[0],
    }


def digest(
    *,
    person: Person,
    new: list[DigestLine],
    earlier: list[DigestLine],
    as_of: date,
    voice: Voice,
    folded: int,
    cap: int,
) -> RenderedMessage:
    """One person's day: what is new today, then what they were told before and is still
    open; overdue first, then by due date. `folded` direct items were over the daily cap."""

    def ordered(lines: list[DigestLine]) -> list[dict[str, Any]]:
        keyed = sorted(
            lines, key=lambda ln: (ln.item.due_date, ln.item.subject.name, ln.item.obligation_id)
        )
        return [_line(ln, as_of, voice, person) for ln in keyed]

    new_lines, earlier_lines = ordered(new), ordered(earlier)
    every = new_lines + earlier_lines
    return render(
        "digest",
        {
            "recipient_name": person.name,
            "today": as_of,
            "new": new_lines,
            "earlier": earlier_lines,
            "overdue": sum(1 for ln in every if ln["state"] == "overdue"),
            "due_today": sum(1 for ln in every if ln["state"] == "today"),
            "due_soon": sum(1 for ln in every if ln["state"] == "soon"),
            "people": len({ln["person"] for ln in every if not ln["own"]}),
            "folded": folded,
            "cap": cap,
        },
        voice,
    )


def invite(
    item: DueItem,
    *,
    person: Person,
    role: str,
    meeting: MeetingView,
    cancelled: bool,
    rescheduled: bool,
    voice: Voice,
) -> RenderedMessage:
    return render(
        "cancellation" if cancelled else "invite",
        {
            "recipient_name": person.name,
            "own": role == "worker",
            "subject_name": item.subject.name,
            "title": item_phrase(item, role, gettext_for(voice.locale)),
            "due": item.due_date,
            "meeting": meeting,
            "rescheduled": rescheduled,
        },
        voice,
    )


def booking(
    *,
    person_name: str,
    title: str,
    meeting: MeetingView,
    waitlisted: bool,
    expires: date,
    voice: Voice,
    lapsed: bool = False,
    released: bool = False,
) -> RenderedMessage:
    """A place on a refresher session (with an invite), a place on its waiting list, or a
    place released because the worker renewed before the session."""
    return render(
        "booking",
        {
            "recipient_name": person_name,
            "title": title,
            "meeting": meeting,
            "waitlisted": waitlisted,
            "expires": expires,
            "lapsed": lapsed,
            "released": released,
        },
        voice,
    )


def credit_decision(
    *,
    person_name: str,
    title: str,
    approved: bool,
    learned_on: date,
    reason: str,
    voice: Voice,
) -> RenderedMessage:
    """The decision on a worker's request for credit for prior learning, told to them."""
    return render(
        "credit_decision",
        {
            "recipient_name": person_name,
            "title": title,
            "approved": approved,
            "learned_on": learned_on,
            "reason": reason,
        },
        voice,
    )
