"""Rendering reminders and building their MIME messages: wording, escaping, headers. No server.

The item in these tests is W0014 Nadia Nowak's 3-month ASYE review, due Thursday 30 April
2026 (3 months after the start on 31 January 2026, clamped to the month end).
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import date
from typing import Any

import pytest
from jinja2 import UndefinedError

from definitions.organisation import Voice
from notifications.message import build_email, message_id_for
from notifications.render import RenderedMessage, days_phrase, one_line
from notifications.render import render as render_in

DUE = date(2026, 4, 30)
HUMAN_DUE = "Thursday 30 April 2026"
HOSTILE = "<script>alert(1)</script>\r\nBcc: evil@x"
RULE = (
    "3 calendar months after the start on 31 January 2026 is 30 April 2026, the last day of "
    "April, which has only 30 days"
)
SENDER = "workforce@sample-borough.example"
VOICE = Voice(
    "Sample Borough Council, Adults and Children's Services", "the workforce development team"
)


def render(kind: str, context: dict[str, Any]) -> RenderedMessage:
    """As compose renders it, in the sample's voice."""
    return render_in(kind, context, VOICE)


def context(role: str, *, as_of: date = date(2026, 4, 16), **overrides: Any) -> dict[str, Any]:
    """The context notifications/compose.py reminder() passes to render('reminder', ...)."""
    overdue = as_of > DUE
    recipient = {
        "worker": "Nadia Nowak",
        "assessor": "Farid Rahman",
        "manager": "Farid Rahman",
        "workforce_lead": "Amara Okafor",
    }[role]
    return {
        "recipient_name": recipient,
        "recipient_role": role,
        "subject_name": "Nadia Nowak",
        "subject_id": "W0014",
        "title": "3-month ASYE review",
        "due": DUE,
        "when": days_phrase(DUE, as_of),
        "due_today": as_of == DUE,
        "overdue": overdue,
        "escalation": overdue,
        "next_steps": [
            "agree the meeting with your assessor, Farid Rahman, if it is not booked yet",
            "record it in Ladder (workforce team: `ladder asye review W0014 --milestone "
            "review_3 --outcome ... --by YOUR-ID`)",
        ],
        "rule": RULE,
        "meeting": None,
        "link": None,
        "link_until": None,
        **overrides,
    }


# --- what and by when --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "as_of", "subject"),
    [
        ("worker", date(2026, 4, 16), f"Your 3-month ASYE review is due by {HUMAN_DUE}"),
        (
            "assessor",
            date(2026, 4, 27),
            f"3-month ASYE review for Nadia Nowak is due by {HUMAN_DUE}",
        ),
        (
            "manager",
            date(2026, 5, 1),
            f"Overdue: 3-month ASYE review for Nadia Nowak (was due {HUMAN_DUE})",
        ),
    ],
)
def test_subject_says_what_and_by_when(role: str, as_of: date, subject: str) -> None:
    message = render("reminder", context(role, as_of=as_of))
    assert message.subject == subject


@pytest.mark.parametrize(
    ("role", "as_of", "sentence"),
    [
        (
            "worker",
            date(2026, 4, 16),
            f"Your 3-month ASYE review is due by {HUMAN_DUE} (in 14 days).",
        ),
        (
            "assessor",
            date(2026, 4, 27),
            f"The 3-month ASYE review for Nadia Nowak is due by {HUMAN_DUE} (in 3 days).",
        ),
        (
            "manager",
            date(2026, 5, 1),
            "The 3-month ASYE review for Nadia Nowak is overdue: it was due on "
            f"{HUMAN_DUE} (1 day ago).",
        ),
    ],
)
def test_text_body_greets_the_recipient_and_says_when(
    role: str, as_of: date, sentence: str
) -> None:
    ctx = context(role, as_of=as_of)
    message = render("reminder", ctx)

    assert message.text.startswith(f"Dear {ctx['recipient_name']},\n")
    assert sentence in message.text
    for line in ctx["next_steps"]:
        assert f"- {line}" in message.text
    assert f"Why this date: {RULE}" in message.text


@pytest.mark.parametrize("role", ["worker", "assessor", "manager"])
def test_html_body_says_the_same(role: str) -> None:
    ctx = context(role)
    html = render("reminder", ctx).html

    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert f"<p>Dear {ctx['recipient_name']},</p>" in html
    assert f"<strong>{HUMAN_DUE}</strong>" in html
    assert "<strong>3-month ASYE review</strong>" in html
    assert f"Why this date: {RULE}" in html
    assert html.count("<li>") == len(ctx["next_steps"])


def test_a_signed_link_is_in_both_parts_with_the_day_it_stops_working() -> None:
    url = "https://ladder.example.org/act/abc.def"
    ctx = context("assessor", link=url, link_until=date(2026, 5, 16))
    message = render("reminder", ctx)
    assert (
        f"This link is yours alone. It works once, until Saturday 16 May 2026:\n{url}"
        in message.text
    )
    assert f'<a href="{url}">{url}</a>' in message.html
    assert "/act/" not in render("reminder", context("assessor")).text


def test_escalation_says_why_the_recipient_gets_it() -> None:
    message = render("reminder", context("manager", as_of=date(2026, 5, 1)))
    assert "names you in its escalation steps" in message.text
    plain = render("reminder", context("worker"))
    assert "workforce development team" in plain.text
    assert "escalation" not in plain.text


# --- hostile values ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["assessor", "manager"])
def test_a_hostile_name_is_escaped_in_html_and_kept_to_one_line_in_the_subject(
    role: str,
) -> None:
    message = render("reminder", context(role, subject_name=HOSTILE, rule="<b>bold</b> & more"))

    assert "<script>" not in message.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html
    assert "<b>bold</b>" not in message.html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in message.html
    assert "\r" not in message.subject
    assert "\n" not in message.subject
    assert message.subject.startswith(
        "3-month ASYE review for <script>alert(1)</script> Bcc: evil@x"
    )


def test_the_plain_text_is_not_html_escaped() -> None:
    message = render(
        "reminder",
        context("assessor", subject_name="Siobhan O'Brien & Co"),
    )
    assert "Siobhan O'Brien & Co" in message.text
    assert "&#39;" not in message.text
    assert "&amp;" not in message.text
    assert "Siobhan O&#39;Brien &amp; Co" in message.html


def test_the_subject_is_at_most_250_characters() -> None:
    message = render("reminder", context("assessor", subject_name="N" * 400))
    assert len(message.subject) == 250


@pytest.mark.parametrize("missing", ["title", "recipient_name", "next_steps", "rule"])
def test_a_missing_context_value_is_an_error_not_a_blank(missing: str) -> None:
    ctx = context("assessor")
    del ctx[missing]
    with pytest.raises(UndefinedError, match=missing):
        render("reminder", ctx)


def test_a_missing_due_date_is_an_error_too() -> None:
    ctx = context("assessor")
    del ctx["due"]
    # the human_date filter meets StrictUndefined: a TypeError rather than UndefinedError
    with pytest.raises((UndefinedError, TypeError)):
        render("reminder", ctx)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("plain", "plain"),
        ("a\r\nBcc: evil@x", "a Bcc: evil@x"),
        ("a\n\n\nb", "a b"),
        ("tab\there", "tab here"),
        ("\x00null\x7f", "null"),
        ("  padded \n", "padded"),
    ],
)
def test_one_line_collapses_control_characters(raw: str, clean: str) -> None:
    assert one_line(raw) == clean


@pytest.mark.parametrize(
    ("due", "today", "phrase"),
    [
        (date(2026, 4, 30), date(2026, 4, 16), "in 14 days"),
        (date(2026, 4, 30), date(2026, 4, 28), "in 2 days"),
        (date(2026, 4, 30), date(2026, 4, 29), "tomorrow"),
        (date(2026, 4, 30), date(2026, 4, 30), "today"),
        (date(2026, 4, 30), date(2026, 5, 1), "1 day ago"),
        (date(2026, 4, 30), date(2026, 5, 14), "14 days ago"),
        (date(2026, 4, 30), date(2026, 6, 29), "60 days ago"),
        (date(2026, 4, 30), date(2026, 9, 1), "4 months ago"),
        (date(2012, 10, 3), date(2026, 1, 1), "over 13 years ago"),  # a go-live backlog
    ],
)
def test_days_phrase(due: date, today: date, phrase: str) -> None:
    assert days_phrase(due, today) == phrase


# --- the MIME message --------------------------------------------------------------------------


def built(**overrides: Any) -> email.message.EmailMessage:
    rendered = render("reminder", context("assessor"))
    values = {
        "sender_name": "Sample Borough Workforce Development",
        "sender_address": SENDER,
        "to_address": "farid.rahman@sample-borough.example",
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html,
        "message_id": message_id_for("obligation:4:before_14:6", SENDER),
        **overrides,
    }
    return build_email(**values)


def test_build_email_gives_text_and_html_alternatives_with_the_message_id() -> None:
    rendered = render("reminder", context("assessor"))
    message_id = message_id_for("obligation:4:before_14:6", SENDER)

    msg = built()
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)

    assert parsed.get_content_type() == "multipart/alternative"
    parts = list(parsed.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    # the wire uses CRLF line ends; the content is otherwise what was rendered
    assert parts[0].get_content().replace("\r\n", "\n") == rendered.text
    assert parts[1].get_content().replace("\r\n", "\n") == rendered.html
    assert parsed["Message-ID"] == message_id
    assert parsed["Subject"] == rendered.subject
    assert parsed["To"] == "farid.rahman@sample-borough.example"
    assert parsed["From"].addresses[0].addr_spec == SENDER
    assert parsed["From"].addresses[0].display_name == "Sample Borough Workforce Development"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Date"]


def test_a_hostile_subject_adds_no_header() -> None:
    rendered = render("reminder", context("manager", subject_name=HOSTILE))
    msg = built(subject=rendered.subject, sender_name="Workforce\r\nBcc: evil@x")

    raw = msg.as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)

    assert parsed["Bcc"] is None
    assert not re.search(rb"^Bcc:", raw, flags=re.MULTILINE | re.IGNORECASE)
    assert "evil@x" in parsed["Subject"]  # kept as words inside the one Subject header
    assert parsed["From"].addresses[0].addr_spec == SENDER


def test_message_id_is_stable_for_a_key_and_differs_across_keys() -> None:
    first = message_id_for("obligation:4:before_14:6", SENDER)

    assert message_id_for("obligation:4:before_14:6", SENDER) == first
    assert message_id_for("obligation:4:before_3:6", SENDER) != first
    assert message_id_for("obligation:4:before_14:14", SENDER) != first
    assert re.fullmatch(r"<[0-9a-f]{40}@sample-borough\.example>", first)


def test_message_id_without_a_sender_domain_uses_an_invalid_domain() -> None:
    assert message_id_for("k", "").endswith("@ladder.invalid>")


# --- the organisation's own words and templates ------------------------------------------------


def test_the_organisation_speaks_through_its_team_and_its_own_templates(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "reminder_subject.txt").write_text("Reminder from the Hub: {{ title }}\n")
    voice = Voice("Harbour Home Care", "the Training Hub", tmp_path)
    message = render_in("reminder", context("worker"), voice)
    assert message.subject == "Reminder from the Hub: 3-month ASYE review"  # its own file
    assert "from the Training Hub of Harbour Home Care" in message.text  # Ladder's, its words
    assert "workforce development team" not in message.text + message.html


def test_a_template_that_overrides_nothing_or_does_not_compile_is_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from notifications.render import template_problems

    (tmp_path / "remindr.txt").write_text("Dear {{ recipient_name }}\n")
    (tmp_path / "digest.txt").write_text("Hello\n{% if overdue %}\nno end\n")
    problems = template_problems(tmp_path)
    assert len(problems) == 2
    digest, typo = problems
    assert digest.startswith(f"{tmp_path / 'digest.txt'}, line ") and "endif" in digest
    assert typo.startswith(f"{tmp_path / 'remindr.txt'}: overrides no template")
    assert "did you mean reminder.txt?" in typo
