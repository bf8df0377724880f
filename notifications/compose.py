"""What each message says: reminders about one item, a person's daily digest, meeting invites.

Pure functions from items and people to rendered messages; the tasks read and write the
database, and `ladder mail preview` calls the same functions with sample people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from definitions.calendar import human_date
from definitions.items import DueItem, Person
from definitions.language import gettext_for
from definitions.meetings import MeetingView
from definitions.organisation import Voice
from notifications.render import RenderedMessage, days_phrase, render

KINDS = ("reminder", "digest", "invite", "cancellation", "booking")


def next_steps(role: str, item: DueItem, as_of: date, voice: Voice) -> list[str]:
    """What the reader should do about the item, by the role they hear about it in."""
    overdue = item.due_date < as_of
    team = voice.team_name
    _ = gettext_for(voice.locale)
    if item.kind == "training.renewal":
        if role == "worker":
            return [
                _(
                    "go to the refresher session you are booked on (the booking mail has the "
                    "calendar invite), or renew elsewhere and send the certificate"
                ),
                _("{team} records the completion; this reminder then stops").format(team=team),
            ]
        return [
            _("make sure {name} can go to their refresher before it runs out").format(
                name=item.subject.name
            ),
            _("without it they may not be able to practise in that area"),
        ]
    if item.kind.startswith("panel."):
        return _panel_steps(role, item, team)
    assessor = item.assessor.name if item.assessor else "your manager"
    record = (
        f"record it in Ladder ({team}: `ladder asye review {item.subject.external_id}"
        f" --milestone {item.milestone} --outcome ... --by YOUR-ID`)"
    )
    if role == "worker":
        return [
            f"agree the meeting with your assessor, {assessor}, if it is not booked yet",
            "bring your evidence and critical reflection to the meeting",
        ]
    if role == "assessor":
        if item.kind == "asye.report":
            return ["write the assessor's report and send it to the moderation panel", record]
        return ["meet the NQSW and complete the review against the PCF domains", record]
    if role == "supervisor":
        return [
            "use your next supervision session to help the NQSW prepare",
            f"tell {assessor} if anything is in the way",
        ]
    if not overdue and item.due_date > as_of:
        return [f"make sure {assessor} has it in hand", record]
    return [
        f"check with {assessor} why it is {'late' if overdue else 'not done yet'}",
        "record the outcome, or record leave if the NQSW has been away",
        record,
    ]


def _panel_steps(role: str, item: DueItem, team: str) -> list[str]:
    """What to do about a progression item: evidence, the preparation day, an action, a
    signature."""
    who = "you" if role == "worker" else item.subject.name
    wid = item.subject.external_id
    if item.kind == "panel.evidence":
        if item.milestone == "training_pathway":
            return [
                f"{who} must complete the service's training pathway before the deadline",
                f"completions are imported by {team}; the item then ticks itself off",
            ]
        return [
            f"send the {item.title.lower()} to {team} before the deadline",
            f"it is recorded with `ladder panel evidence {wid} --item {item.milestone} "
            "--file PATH --author ID --dated YYYY-MM-DD --by YOUR-ID`",
            "a pack that is not complete at the deadline moves to the next panel",
        ]
    if item.kind == "panel.preparation":
        return [
            f"give {item.subject.name} one day of preparation time for the panel",
            f"record it with `ladder panel preparation {wid} --on YYYY-MM-DD --by YOUR-ID`",
        ]
    if item.kind == "panel.action":
        return [
            "review progress on this action in supervision",
            f"when it is done, record it: `ladder panel action-done {wid} --item "
            f"{item.milestone.removeprefix('action_')} --by YOUR-ID`",
        ]
    return [
        "read the outcome report attached to the panel's outcome mail",
        f"sign it: `ladder panel sign {wid} --by YOUR-ID`",
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
) -> RenderedMessage:
    overdue = item.due_date < as_of
    return render(
        "reminder",
        {
            "recipient_name": person.name,
            "recipient_role": role,
            "subject_name": item.subject.name,
            "subject_id": item.subject.external_id,
            "title": item.title,
            "due": item.due_date,
            "when": days_phrase(item.due_date, as_of, voice.locale),
            "due_today": item.due_date == as_of,
            "overdue": overdue,
            "escalation": escalation,
            "next_steps": next_steps(role, item, as_of, voice),
            "rule": item.rule,
            "meeting": meeting,
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


def _line(line: DigestLine, as_of: date, voice: Voice) -> dict[str, Any]:
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
        "subject_id": item.subject.external_id,
        "title": item.title,
        "due": item.due_date,
        "when": when,
        "state": "overdue" if overdue else ("today" if item.due_date == as_of else "soon"),
        "escalation": line.escalation,
        "action": next_steps(line.role, item, as_of, voice)[0],
        "meeting": line.meeting,
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
        return [_line(ln, as_of, voice) for ln in keyed]

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
            "people": len({ln["subject_id"] for ln in every if not ln["own"]}),
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
            "subject_id": item.subject.external_id,
            "title": item.title,
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
) -> RenderedMessage:
    """A place on a refresher session (with an invite), or a place on its waiting list."""
    return render(
        "booking",
        {
            "recipient_name": person_name,
            "title": title,
            "meeting": meeting,
            "waitlisted": waitlisted,
            "expires": expires,
        },
        voice,
    )
