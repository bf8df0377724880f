"""A person's daily digest: what is new, what is still open, said safely. No server."""

from __future__ import annotations

import email
import email.policy
from datetime import date, timedelta

from definitions.items import DueItem, Person
from definitions.organisation import Voice
from notifications import compose
from notifications.compose import DigestLine
from notifications.message import build_email

TODAY = date(2026, 4, 30)  # a Thursday
MO = Person(2, "M1", "Mo Manager", "manager@example.org")
ASH = Person(3, "A1", "Ash Assessor", "assessor@example.org")
HOSTILE = "<script>alert(1)</script>\r\nBcc: evil@x"


def item(n: int, due: date, name: str = "", title: str = "3-month ASYE review") -> DueItem:
    subject = Person(10 + n, f"N{n}", name or f"Newly {n}", f"n{n}@example.org")
    return DueItem(
        n,
        "asye.review",
        "review_3",
        title,
        due,
        "asye_milestone",
        "assessor",
        "the rule",
        subject,
        MO,
        ASH,
    )


def render(new: list[DigestLine], earlier: list[DigestLine] = [], folded: int = 0):  # type: ignore[no-untyped-def]  # noqa: B006
    return compose.digest(
        person=MO,
        new=new,
        earlier=earlier,
        as_of=TODAY,
        voice=Voice("Sample Borough", "the workforce development team"),
        folded=folded,
        cap=3,
    )


def test_the_subject_counts_overdue_due_today_and_due_soon_across_people() -> None:
    message = render(
        [
            DigestLine(item(1, TODAY - timedelta(days=1)), "manager", escalation=True),
            DigestLine(item(2, TODAY), "manager"),
            DigestLine(item(3, TODAY + timedelta(days=3)), "manager"),
        ],
        [DigestLine(item(4, TODAY - timedelta(days=8)), "manager")],
    )
    assert message.subject == (
        "Your digest for Thursday 30 April 2026: 2 overdue, 1 due today, 1 due soon for 4 people"
    )


def test_new_items_come_first_then_earlier_ones_each_in_due_order() -> None:
    message = render(
        [
            DigestLine(item(3, TODAY + timedelta(days=3)), "manager"),
            DigestLine(item(1, TODAY - timedelta(days=1)), "manager", escalation=True),
        ],
        [DigestLine(item(4, TODAY - timedelta(days=8)), "manager")],
    )
    text = message.text
    order = [text.index(f"Newly {n}: ") for n in (1, 3, 4)]
    assert order == sorted(order)
    assert text.index("New today (2):") < order[0]
    assert order[1] < text.index("Still open from earlier reminders (1):") < order[2]
    assert "OVERDUE: was due Wednesday 29 April 2026 (1 day ago), escalated to you" in text
    assert "Due by Sunday 3 May 2026 (in 3 days)" in text
    assert "OVERDUE: was due Wednesday 22 April 2026 (8 days ago)\n" in text
    # The HTML says the same, as a table row per item.
    assert message.html.count("<tr>") == 1 + 2 + 1 + 1  # two header rows and three items
    assert "escalated to you" in message.html


def test_a_cap_fold_is_explained() -> None:
    message = render([DigestLine(item(1, TODAY), "manager")], folded=5)
    assert "You had more than 3 reminders today, so 5 of them are gathered here" in message.text


def test_a_hostile_name_is_escaped_in_html_and_one_line_in_the_subject() -> None:
    message = render([DigestLine(item(1, TODAY, name=HOSTILE, title=HOSTILE), "manager")])
    assert "<script>" not in message.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html
    assert "\r" not in message.subject and "\n" not in message.subject
    msg = build_email(
        sender_name="W",
        sender_address="w@example.org",
        to_address=MO.email,
        subject=message.subject,
        text=message.text,
        html=message.html,
        message_id="<d@example.org>",
    )
    parsed = email.message_from_bytes(bytes(msg), policy=email.policy.default)
    assert parsed["Bcc"] is None
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]


def test_a_booked_meeting_is_shown_with_its_item() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from definitions.meetings import MeetingView

    meeting = MeetingView(
        datetime(2026, 5, 5, 10, 0, tzinfo=ZoneInfo("Europe/London")), 60, "Room 2"
    )
    message = render([DigestLine(item(1, TODAY + timedelta(days=7)), "manager", meeting=meeting)])
    assert "Meeting: Tuesday 5 May 2026 at 10:00 (BST), Room 2" in message.text
    assert "Meeting: Tuesday 5 May 2026 at 10:00 (BST), Room 2" in message.html


def test_an_invite_for_a_hostile_name_is_escaped_and_one_line() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from definitions.meetings import MeetingView

    meeting = MeetingView(
        datetime(2026, 5, 5, 10, 0, tzinfo=ZoneInfo("Europe/London")), 60, HOSTILE
    )
    for cancelled in (False, True):
        message = compose.invite(
            item(1, TODAY + timedelta(days=7), name=HOSTILE),
            person=ASH,
            role="assessor",
            meeting=meeting,
            cancelled=cancelled,
            rescheduled=False,
            voice=Voice("Sample Borough", "the workforce development team"),
        )
        assert "\r" not in message.subject and "\n" not in message.subject
        assert "<script>" not in message.html
        assert "&lt;script&gt;" in message.html
        assert "Tuesday 5 May 2026 at 10:00 (BST)" in message.text
