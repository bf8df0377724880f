"""Every message read as the person who gets it would: no command lines, ids or keys, no
title pasted after "Your" or "The", no empty names, nobody asked to chase themselves. The
check runs over every message the mail preview makes, for each organisation shipped."""

from __future__ import annotations

import csv
import html
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from definitions.items import DueItem, Person
from definitions.loader import SAMPLE_ORGANISATION, load_organisation
from definitions.panels import submission_deadline
from definitions.programmes import Leave, date_milestones
from definitions.registration import cpd_due
from definitions.supervision import next_supervision
from definitions.training import expiry_for, renewal_due
from notifications import compose
from notifications.proofread import defects
from tasks.preview import every_message
from tasks.training.required import required_due

EXAMPLES = sorted((SAMPLE_ORGANISATION.parent / "examples").iterdir())
TODAY = date(2026, 4, 1)
FARID = Person(3, "W0003", "Farid Rahman", "farid@example.org")
NADIA = Person(14, "W0014", "Nadia Nowak", "nadia@example.org")


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("Sign it: `ladder panel sign W0019 --by YOUR-ID`", "a command line"),
        ("run ladder asye review W0014 now", "a command line"),
        ("Your The service's training pathway, completed is due", "a title pasted"),
        ("slotted into the vacant post in children-north", "an id or key"),
        ("the review_3 is due", "an internal key"),
        ("recorded by W0002", "an id or key"),
        ("Dear ,", "an empty name"),
        ("signed by () on", "an empty name"),
        ("check with Farid Rahman why it is late", "the reader asked to chase themselves"),
        ("Why this date: start 2026-01-05 + 3 calendar months", "a date written for machines"),
        ("start on 5 January 2026 + 3 calendar months", "a rule written as a sum"),
        ("3 calendar months = 5 April 2026", "a rule written as a sum"),
        ("14 jours de congé 1 mars 2026..14 mars 2026", "a rule written as a sum"),
    ],
)
def test_the_check_finds_each_defect(text: str, what: str) -> None:
    found = defects(text, reader="Farid Rahman", keys=["children-north"], ids=["W0002"])
    assert any(d.what.startswith(what) for d in found), found


def test_the_check_passes_plain_words() -> None:
    text = (
        "Dear Farid Rahman,\n\nThe 3-month ASYE review for Nadia Nowak is due by Thursday "
        "30 April 2026 (in 3 days).\n- meet the NQSW and complete the review"
    )
    assert defects(text, reader="Farid Rahman", keys=["children-north"], ids=["W0014"]) == []


def test_the_algebra_check_leaves_links_phone_numbers_and_file_names_alone() -> None:
    text = (
        "Why this date: 3 calendar months after the start on 5 January 2026 is 5 April 2026; "
        "5 April 2026 is a Sunday, so it is due the working day before, Thursday 2 April 2026.\n"
        "Record it: https://ladder.example.org/act?on=2026-04-02&t=a+b=c..d\n"
        "Call +44 20 7946 0000, or see the invite panel-2026-04-20.ics attached…"
    )
    assert defects(text) == []


@pytest.mark.parametrize("folder", [SAMPLE_ORGANISATION, *EXAMPLES], ids=lambda p: p.name)
def test_every_why_this_date_reads_as_words(folder: Path) -> None:
    """The rules mailed as "Why this date", as each producer writes them in the
    organisation's language, over a year of start dates (month ends, weekends, bank holidays,
    leave): no ISO date, no sum, no range written with "..".
    """
    organisation = load_organisation(folder)
    calendar = organisation.working_calendar()
    locale = organisation.profile.locale
    starts = [date(2026, 1, 1) + timedelta(days=n) for n in range(0, 366, 3)]
    rules: list[str] = []
    for start in starts:
        leave = [Leave(start + timedelta(days=20), start + timedelta(days=20 + start.day % 9))]
        for programme in organisation.dated_programmes:
            rules += [m.rule for m in date_milestones(start, programme, calendar, leave)]
            rules += [m.rule for m in date_milestones(start, programme, calendar, leave, 1)]
    training = organisation.training
    if training is not None:
        for refresher in training.refreshers:
            validity = training.module(refresher.module).validity
            assert validity is not None
            for start in starts:
                expiry = expiry_for(validity, start, start + timedelta(days=30), locale)
                rules.append(renewal_due(calendar, "Module", expiry.expires_on, expiry.rule)[1])
        for requirement in training.required:
            role = requirement.roles[0]
            for start in starts:
                for moved in (False, True):
                    rules.append(
                        required_due(
                            organisation, requirement, role=role, since=start, moved=moved
                        )[1]
                    )
    if organisation.supervision is not None:
        for schedule in organisation.supervision.schedules:
            for start in starts:
                for last in (None, start + timedelta(days=45)):
                    rules.append(
                        next_supervision(
                            schedule,
                            role_start=start,
                            last=last,
                            calendar=calendar,
                            role_title="Social worker",
                        ).rule
                    )
    if organisation.registration is not None:
        for start in starts:
            rules.append(cpd_due(organisation.registration, start, calendar)[1])
    if organisation.panels is not None:
        days = organisation.panels.submission_days_before
        rules += [submission_deadline(start, days, calendar).rule for start in starts]
    assert len(rules) > 100
    problems = [f"{rule}: {d}" for rule in rules for d in defects(rule)]
    assert problems == []


@pytest.mark.parametrize("folder", [SAMPLE_ORGANISATION, *EXAMPLES], ids=lambda p: p.name)
def test_every_message_the_preview_makes_reads_well(folder: Path) -> None:
    organisation = load_organisation(folder)
    with (folder / "roster.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    teams = {r["team"] for r in rows}
    messages = list(every_message(organisation, TODAY))
    assert len(messages) >= 10  # every kind of item, step and reader
    problems = [
        f"{label}: {d}"
        for label, reader, message in messages
        for d in defects(
            f"{message.subject}\n{message.text}", reader=reader, keys=teams, ids=["P000"]
        )
    ]
    assert problems == []
    # The plain-text part says everything the HTML part says: every word of the HTML's
    # body is in the text (a reader without HTML mail misses nothing).
    for label, _reader, message in messages:
        found = re.search(r"<body[^>]*>(.*)</body>", message.html, re.DOTALL)
        body = found.group(1) if found else message.html
        body = re.sub(r"<th\b.*?</th>", " ", body, flags=re.DOTALL)  # a table's headers
        shown = html.unescape(re.sub(r"<[^>]+>", " ", body))
        missing = words(shown) - words(f"{message.subject} {message.text}")
        assert not missing, f"{label}: the text part lacks {sorted(missing)}"


def words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+", text)}


def _item(kind: str, title: str, responsible: str, manager: Person, due: date) -> DueItem:
    return DueItem(
        1, kind, "m", title, due, "p", responsible, "the rule", NADIA, manager, manager, None
    )


def test_a_manager_who_is_also_the_assessor_is_told_to_do_it_not_to_chase_themselves() -> None:
    organisation = load_organisation(SAMPLE_ORGANISATION)
    late = _item("asye.review", "3-month ASYE review", "assessor", FARID, TODAY - timedelta(days=2))
    message = compose.reminder(
        late, role="manager", person=FARID, escalation=True, as_of=TODAY, voice=organisation.voice
    )
    assert defects(message.text, reader=FARID.name) == []
    assert "meet the NQSW and complete the review" in message.text


def test_subjects_read_as_sentences_whatever_the_title() -> None:
    organisation = load_organisation(SAMPLE_ORGANISATION)
    due = TODAY + timedelta(days=10)

    def subject(item: DueItem, role: str, person: Person) -> str:
        return compose.reminder(
            item, role=role, person=person, escalation=False, as_of=TODAY, voice=organisation.voice
        ).subject

    pathway = _item("panel.evidence", "The service's training pathway", "worker", FARID, due)
    assert subject(pathway, "worker", NADIA) == (
        "Your service's training pathway is due by Saturday 11 April 2026"
    )
    # An action the panel gave the manager, as the worker and the manager read it.
    action = _item("panel.action", "Chair two case conferences", "manager", FARID, due)
    assert subject(action, "worker", NADIA) == (
        "Your manager's action “Chair two case conferences” is due by Saturday 11 April 2026"
    )
    assert subject(action, "manager", FARID) == (
        "Action “Chair two case conferences” for Nadia Nowak is due by Saturday 11 April 2026"
    )


def test_a_meeting_booked_after_the_due_date_is_called_late() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from definitions.meetings import MeetingView

    organisation = load_organisation(SAMPLE_ORGANISATION)
    review = _item("asye.review", "3-month ASYE review", "assessor", FARID, TODAY)
    zone = ZoneInfo("Europe/London")

    def text(day: date) -> str:
        meeting = MeetingView(datetime(day.year, day.month, day.day, 10, tzinfo=zone), 60, "Room 2")
        return compose.reminder(
            review,
            role="worker",
            person=NADIA,
            escalation=False,
            as_of=TODAY,
            voice=organisation.voice,
            meeting=meeting,
        ).text

    later = text(TODAY + timedelta(days=14))
    assert "That is after the due date: move it earlier if you can" in later
    assert "after the due date" not in text(TODAY - timedelta(days=2))


def test_a_signed_links_token_is_not_read_as_words() -> None:
    # A token may hold anything base64 does: a snake_case run, a double dash, a date.
    link = "https://ladder.example.org/act/ab_cd--ef.2026-05-16_x"
    assert defects(f"Record the outcome with this link:\n{link}\n") == []
    assert [d.what for d in defects(f"{link} then run_this")] == ["an internal key"]
