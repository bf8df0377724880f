"""Digests, the daily cap, escalation ladders and invites, end to end: the daily flow on a
real database, delivering to a real SMTP server.

One NQSW, N1, starts Sat 31 Jan 2026; the 3-month review is due Thu 30 Apr 2026. The sample
ladder (reminders.yaml) tells: before_14 (Thu 16 Apr) N1 and assessor A1; before_3 (Mon 27
Apr) N1, A1 and supervisor S1; due (Thu 30 Apr) N1 and manager M1; overdue_1 (Fri 1 May)
M1; overdue_14 (Thu 14 May) workforce lead L1. N1 hears directly; everyone else in one
digest a day.
"""

from __future__ import annotations

import asyncio
import csv
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
import vobject
from organisations import organisation_folder  # noqa: F401  (the sample without duties)
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from definitions.roster import REQUIRED_COLUMNS
from flows.cli import app
from flows.daily import daily
from notifications.sink import SmtpSink
from storage.models import Notice, Obligation, OutboxMessage, Worker

pytestmark = pytest.mark.integration

PEOPLE = [
    # id, name, email, role, manager, start, assessor, supervisor
    ("L1", "Lee Lead", "lead@example.org", "workforce_lead", "", "2015-04-01", "", ""),
    ("M1", "Mo Manager", "manager@example.org", "team_manager", "L1", "2016-06-01", "", ""),
    ("A1", "Ash Assessor", "assessor@example.org", "practice_educator", "M1", "2018-02-05", "", ""),
    (
        "S1",
        "Sol Super",
        "supervisor@example.org",
        "senior_social_worker",
        "M1",
        "2014-03-01",
        "",
        "",
    ),
]
N1 = ("N1", "Nia Newly", "nqsw@example.org", "nqsw", "M1", "2026-01-31", "A1", "S1")


def write_roster(path: Path, rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*REQUIRED_COLUMNS, "assessor_id", "supervisor_id"])
        for ext, name, mail, role, manager, start, assessor, supervisor in rows:
            writer.writerow(
                [
                    ext,
                    name,
                    mail,
                    role,
                    "adults",
                    "east",
                    manager,
                    start,
                    "East",
                    "active",
                    assessor,
                    supervisor,
                ]
            )
    return path


@pytest.fixture
def one_nqsw(tmp_path: Path, engine, organisation, import_roster_file) -> None:  # type: ignore[no-untyped-def]
    path = write_roster(tmp_path / "roster.csv", [*PEOPLE, N1])
    import_roster_file(engine, organisation, as_of=date(2026, 4, 1), path=path)


def run_day(as_of: date):  # type: ignore[no-untyped-def]
    state = asyncio.run(daily(as_of=as_of, return_state=True))
    assert state.is_completed(), state.message
    return asyncio.run(state.aresult())


def mails(sink: SmtpSink, start: int = 0) -> list[tuple[str, str]]:
    return sorted((r.recipients[0], str(r.message["Subject"])) for r in sink.received[start:])


def text_of(sink: SmtpSink, to: str) -> str:
    message = next(r.message for r in reversed(sink.received) if r.recipients == [to])
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "one_nqsw")
def test_escalation_ladder_over_a_simulated_month(engine, smtp_sink: SmtpSink) -> None:  # type: ignore[no-untyped-def]
    by_day: dict[date, list[tuple[str, str]]] = defaultdict(list)
    day = date(2026, 4, 14)
    while day <= date(2026, 5, 15):
        before = len(smtp_sink.received)
        run_day(day)
        if len(smtp_sink.received) > before:
            by_day[day] = mails(smtp_sink, before)
        day += timedelta(days=1)
    assert dict(by_day) == {
        date(2026, 4, 16): [
            (
                "assessor@example.org",
                "Your digest for Thursday 16 April 2026: 1 due soon for 1 person",
            ),
            ("nqsw@example.org", "Your 3-month ASYE review is due by Thursday 30 April 2026"),
        ],
        date(2026, 4, 27): [
            (
                "assessor@example.org",
                "Your digest for Monday 27 April 2026: 1 due soon for 1 person",
            ),
            ("nqsw@example.org", "Your 3-month ASYE review is due by Thursday 30 April 2026"),
            (
                "supervisor@example.org",
                "Your digest for Monday 27 April 2026: 1 due soon for 1 person",
            ),
        ],
        date(2026, 4, 30): [
            (
                "manager@example.org",
                "Your digest for Thursday 30 April 2026: 1 due today for 1 person",
            ),
            ("nqsw@example.org", "Due today: Your 3-month ASYE review (Thursday 30 April 2026)"),
        ],
        date(2026, 5, 1): [
            ("manager@example.org", "Your digest for Friday 1 May 2026: 1 overdue for 1 person"),
        ],
        date(2026, 5, 14): [
            ("lead@example.org", "Your digest for Thursday 14 May 2026: 1 overdue for 1 person"),
        ],
    }
    lead = text_of(smtp_sink, "lead@example.org")
    assert "Nia Newly: 3-month ASYE review" in lead
    assert "OVERDUE: was due Thursday 30 April 2026 (14 days ago), escalated to you" in lead
    supervisor = text_of(smtp_sink, "supervisor@example.org")
    assert "use your next supervision session to help the NQSW prepare" in supervisor
    with Session(engine) as session:
        assert session.scalar(select(func.count()).where(Notice.status != "composed")) == 0


@pytest.mark.usefixtures("prefect_harness", "ladder_env")
def test_a_mass_event_gives_the_manager_one_digest_not_three_hundred_mails(
    tmp_path: Path,
    engine,
    organisation,
    import_roster_file,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    nqsws = [
        (f"N{i}", f"Newly {i}", f"n{i}@example.org", "nqsw", "M1", "2026-01-31", "", "")
        for i in range(300)
    ]
    path = write_roster(tmp_path / "roster.csv", [*PEOPLE, *nqsws])
    import_roster_file(engine, organisation, as_of=date(2026, 4, 1), path=path)
    counts = run_day(date(2026, 4, 16))  # before_14 for 300 reviews due the same day
    per_person: dict[str, int] = defaultdict(int)
    for received in smtp_sink.received:
        per_person[received.recipients[0]] += 1
    # Without an assessor of their own, the manager assesses them: one digest of 300 lines.
    assert per_person["manager@example.org"] == 1
    assert all(per_person[f"n{i}@example.org"] == 1 for i in range(300))
    assert len(smtp_sink.received) == 301
    assert (counts["noticed"], counts["queued"], counts["digests"]) == (600, 301, 1)
    digest = text_of(smtp_sink, "manager@example.org")
    assert "New today (300):" in digest
    assert all(f"Newly {i}: 3-month ASYE review" in digest for i in range(300))


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "one_nqsw")
def test_a_worker_over_the_daily_cap_gets_the_rest_in_one_digest(
    engine, smtp_sink: SmtpSink
) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session, session.begin():
        n1 = session.scalar(select(Worker.id).where(Worker.external_id == "N1"))
        review = session.scalars(
            select(Obligation).where(
                Obligation.milestone == "review_3", Obligation.subject_id == n1
            )
        ).one()
        # Five more items of N1's due the same day (an import of pathway modules, say).
        session.add_all(
            Obligation(
                source=f"test:extra:{k}",
                subject_id=n1,
                enrolment_id=review.enrolment_id,
                kind="asye.review",
                milestone=f"extra_{k}",
                title=f"Extra item {k}",
                due_date=review.due_date,
                responsible_role="assessor",
                reminder_policy="asye_milestone",
                rule="test",
                status="open",
            )
            for k in range(5)
        )
    counts = run_day(date(2026, 4, 16))
    to_nqsw = [s for to, s in mails(smtp_sink) if to == "nqsw@example.org"]
    assert len(to_nqsw) == 4  # the daily cap of 3, and one digest for the other 3
    digests = [s for s in to_nqsw if s.startswith("Your digest")]
    assert digests == ["Your digest for Thursday 16 April 2026: 3 due soon"]
    assert "You had more than 3 reminders today, so 3 of them are gathered here" in text_of(
        smtp_sink, "nqsw@example.org"
    )
    assert counts["folded"] == 3
    # The assessor gets all six in one digest, as always.
    assert [s for to, s in mails(smtp_sink) if to == "assessor@example.org"] == [
        "Your digest for Thursday 16 April 2026: 6 due soon for 1 person"
    ]
    with Session(engine) as session:
        carriers = session.execute(
            select(Notice.outbox_id, func.count())
            .where(Notice.recipient_id == n1)
            .group_by(Notice.outbox_id)
        ).all()
    assert sorted(n for _, n in carriers) == [1, 1, 1, 3]  # three direct mails, one digest of three


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "one_nqsw")
def test_a_digest_repeats_what_is_still_open_and_drops_what_is_done(
    engine,
    organisation,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    from tasks.programmes.decisions import record_outcome

    run_day(date(2026, 4, 30))  # due: M1 hears of review_3
    with Session(engine) as session, session.begin():
        n1 = session.scalar(select(Worker.id).where(Worker.external_id == "N1"))
        enrolment = session.scalar(
            select(Obligation.enrolment_id).where(Obligation.subject_id == n1)
        )
        session.add(
            Obligation(
                source="test:report",
                subject_id=n1,
                enrolment_id=enrolment,
                kind="asye.review",
                milestone="extra",
                title="Case file audit",
                due_date=date(2026, 5, 6),
                responsible_role="assessor",
                reminder_policy="asye_milestone",
                rule="test",
                status="open",
            )
        )
    run_day(date(2026, 5, 1))  # overdue_1 for review_3 to M1
    text = text_of(smtp_sink, "manager@example.org")
    assert "New today (1):" in text and "escalated to you" in text
    run_day(date(2026, 5, 6))  # the audit is due: M1 hears of it, and again of review_3
    text = text_of(smtp_sink, "manager@example.org")
    assert "New today (1):\n- Nia Newly: Case file audit" in text
    assert "Still open from earlier reminders (1):\n- Nia Newly: 3-month ASYE review" in text
    with Session(engine) as session, session.begin():
        record_outcome(
            session,
            organisation,
            worker="N1",
            milestone="review_3",
            outcome="on_track",
            actor="A1",
            occurred_on=date(2026, 5, 7),
            today=date(2026, 5, 7),
        )
    run_day(date(2026, 5, 7))  # overdue_1 for the audit; review_3 is done and not listed
    text = text_of(smtp_sink, "manager@example.org")
    assert "Case file audit" in text and "3-month ASYE review" not in text


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "one_nqsw")
def test_notices_left_by_a_crash_before_composing_go_out_next_run_once(
    engine,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    from prefect.logging import disable_run_logger

    from tasks.reminders.steps import plan_sweep, queue_reminders

    run_day(date(2026, 4, 15))
    with disable_run_logger():  # the sweep decided its notices, then the run died
        start, end, chunks, _ = plan_sweep.fn(date(2026, 4, 16))
        assert sum(queue_reminders.fn(c, start, end, date(2026, 4, 16)) for c in chunks) == 2
    assert smtp_sink.received == []
    run_day(date(2026, 4, 16))  # the rerun: the same window, nothing decided twice
    assert [to for to, _ in mails(smtp_sink)] == ["assessor@example.org", "nqsw@example.org"]
    run_day(date(2026, 4, 16))
    run_day(date(2026, 4, 17))
    assert len(smtp_sink.received) == 2
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Notice)) == 2
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 2


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "one_nqsw")
def test_a_mail_sent_before_notices_existed_is_not_sent_again(engine, smtp_sink: SmtpSink) -> None:  # type: ignore[no-untyped-def]
    """A database upgraded from 0003 holds direct mails keyed obligation:id:due:step:person;
    the notice for the same step finds that mail and is carried by it."""
    with Session(engine) as session, session.begin():
        n1 = session.scalars(select(Worker).where(Worker.external_id == "N1")).one()
        n1_id = n1.id
        review = session.scalars(
            select(Obligation).where(
                Obligation.milestone == "review_3", Obligation.subject_id == n1.id
            )
        ).one()
        key = f"obligation:{review.id}:{review.due_date}:before_14:{n1.id}"
        session.add(
            OutboxMessage(
                dedup_key=key,
                message_id="<old@example.org>",
                kind="review_3",
                step="before_14",
                obligation_id=review.id,
                recipient_id=n1.id,
                recipient_role="worker",
                to_address=n1.email,
                subject="old",
                body_text="old",
                body_html="old",
                send_on=date(2026, 4, 16),
                status="sent",
                attempts=1,
            )
        )
    run_day(date(2026, 4, 16))
    assert [to for to, _ in mails(smtp_sink)] == ["assessor@example.org"]
    with Session(engine) as session:
        carrier = session.scalar(
            select(OutboxMessage.message_id)
            .join(Notice, Notice.outbox_id == OutboxMessage.id)
            .where(Notice.recipient_id == n1_id)
        )
    assert carrier == "<old@example.org>"


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "one_nqsw")
def test_a_worker_who_left_before_composing_is_told_nothing(engine, smtp_sink: SmtpSink) -> None:  # type: ignore[no-untyped-def]
    from prefect.logging import disable_run_logger

    from tasks.reminders.steps import plan_sweep, queue_reminders

    run_day(date(2026, 4, 15))
    with disable_run_logger():
        start, end, chunks, _ = plan_sweep.fn(date(2026, 4, 16))
        for c in chunks:
            queue_reminders.fn(c, start, end, date(2026, 4, 16))
    with Session(engine) as session, session.begin():
        session.execute(update(Worker).where(Worker.external_id == "N1").values(status="left"))
    counts = run_day(date(2026, 4, 16))
    assert smtp_sink.received == []
    assert counts["queued"] == 0
    with Session(engine) as session:
        assert set(session.scalars(select(Notice.status))) == {"dropped"}


# --- invites ------------------------------------------------------------------------------


@pytest.fixture
def cli(ladder_env, monkeypatch: pytest.MonkeyPatch) -> CliRunner:  # type: ignore[no-untyped-def]
    """The CLI on Friday 20 March 2026, a month before the review is due."""
    import definitions.calendar as calendar_module

    monkeypatch.setattr(calendar_module.WorkingCalendar, "today", lambda self: date(2026, 3, 20))
    return CliRunner()


def book(cli: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    return cli.invoke(
        app, ["asye", "meeting", "N1", "--milestone", "review_3", "--by", "A1", *args]
    )


def invite_of(sink: SmtpSink, to: str, start: int = 0) -> tuple[str, vobject.base.Component]:
    received = next(r for r in sink.received[start:] if r.recipients == [to])
    calendar = next(p for p in received.message.walk() if p.get_content_type() == "text/calendar")
    return str(received.message["Subject"]), vobject.readOne(calendar.get_content())


@pytest.mark.usefixtures("prefect_harness", "one_nqsw")
def test_booking_moving_and_cancelling_a_review_meeting_updates_one_calendar_event(
    cli: CliRunner,
    engine,
    smtp_sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    import definitions.calendar as calendar_module

    monkeypatch.setattr(calendar_module.WorkingCalendar, "today", lambda self: date(2026, 3, 20))
    result = book(cli, "--at", "2026-04-24 10:00", "--where", "Room 2, Civic Centre")
    assert result.exit_code == 0, result.output
    assert "review_3 meeting for N1 booked" in result.output
    assert "2 invite(s) queued" in result.output
    assert cli.invoke(app, ["mail", "send"]).output.startswith("sent 2;")
    subject, cal = invite_of(smtp_sink, "nqsw@example.org")
    assert subject == "Invitation: your 3-month ASYE review, Friday 24 April 2026 at 10:00 (BST)"
    assert cal.method.value == "REQUEST"
    uid = cal.vevent.uid.value
    assert cal.vevent.dtstart.value.isoformat() == "2026-04-24T10:00:00+01:00"
    assert cal.vevent.sequence.value == "0"
    assessor_subject, _ = invite_of(smtp_sink, "assessor@example.org")
    assert assessor_subject.startswith("Invitation: 3-month ASYE review for Nia Newly,")

    # The same booking again changes nothing and sends nothing.
    again = book(cli, "--at", "2026-04-24 10:00", "--where", "Room 2, Civic Centre")
    assert "already booked" in again.output
    assert cli.invoke(app, ["mail", "send"]).output.startswith("sent 0;")

    moved = book(cli, "--at", "2026-04-28 14:30", "--where", "Room 2, Civic Centre")
    assert "moved" in moved.output, moved.output
    cli.invoke(app, ["mail", "send"])
    subject, cal = invite_of(smtp_sink, "nqsw@example.org", start=2)
    assert subject.startswith("Moved: your 3-month ASYE review, Tuesday 28 April 2026 at 14:30")
    assert (cal.vevent.uid.value, cal.vevent.sequence.value) == (uid, "1")

    cancelled = book(cli, "--cancel")
    assert "cancelled" in cancelled.output, cancelled.output
    cli.invoke(app, ["mail", "send"])
    subject, cal = invite_of(smtp_sink, "nqsw@example.org", start=4)
    assert subject.startswith("Cancelled: your 3-month ASYE review")
    assert (cal.method.value, cal.vevent.uid.value, cal.vevent.sequence.value) == (
        "CANCEL",
        uid,
        "2",
    )
    assert len(smtp_sink.received) == 6
    with Session(engine) as session:
        kinds = list(
            session.execute(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.channel == "invite")
            ).scalars()
        )
    assert kinds == [6]
    status = cli.invoke(app, ["mail", "status"]).output.splitlines()
    assert status[:2] == ["queued: 0, sent: 6, failed: 0", "  invites: queued 0, sent 6, failed 0"]


@pytest.mark.usefixtures("prefect_harness", "one_nqsw")
def test_a_booked_meeting_shows_in_the_reminders(cli: CliRunner, smtp_sink: SmtpSink) -> None:
    assert book(cli, "--at", "2026-04-24 10:00", "--where", "Room 2").exit_code == 0
    run_day(date(2026, 4, 16))
    assert "The meeting is booked for Friday 24 April 2026 at 10:00 (BST), Room 2." in text_of(
        smtp_sink, "nqsw@example.org"
    )
    assert "Meeting: Friday 24 April 2026 at 10:00 (BST), Room 2" in text_of(
        smtp_sink, "assessor@example.org"
    )


@pytest.mark.usefixtures("prefect_harness", "one_nqsw")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--at", "2026-03-29 01:30", "--where", "Room 2"],
            "does not exist (the clocks go forward)",
        ),
        (["--at", "2026-04-24 10:00"], "say where the meeting is (--where)"),
        (["--cancel"], "no meeting is booked for the 3-month ASYE review of N1"),
        ([], "give either --at"),
    ],
)
def test_a_meeting_that_cannot_be_booked_is_refused_clearly(
    cli: CliRunner,
    engine,
    args: list[str],
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    result = book(cli, *args)
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.usefixtures("prefect_harness", "one_nqsw")
def test_explain_shows_the_meeting_and_how_each_person_was_told(
    cli: CliRunner, smtp_sink: SmtpSink
) -> None:
    import json

    assert book(cli, "--at", "2026-04-24 10:00", "--where", "Room 2").exit_code == 0
    run_day(date(2026, 4, 16))
    result = cli.invoke(app, ["explain", "N1", "--json", "--as-of", "2026-04-16"])
    assert result.exit_code == 0, result.output
    review = next(
        o for o in json.loads(result.output)["obligations"] if o["milestone"] == "review_3"
    )
    assert review["meeting"]["label"] == "Friday 24 April 2026 at 10:00 (BST)"
    assert (review["meeting"]["status"], review["meeting"]["version"]) == ("booked", 0)
    before_14 = next(r for r in review["reminders"] if r["step"] == "before_14")
    assert sorted((m["role"], m["via"], m["status"]) for m in before_14["messages"]) == [
        ("assessor", "digest", "sent"),
        ("worker", "direct", "sent"),
    ]


@pytest.mark.usefixtures("prefect_harness", "one_nqsw")
def test_every_kind_arrives_with_its_headers_and_parts(
    cli: CliRunner,
    engine,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    from notifications.message import message_id_for

    assert book(cli, "--at", "2026-04-24 10:00", "--where", "Room 2").exit_code == 0
    run_day(date(2026, 4, 16))  # delivers the invites, N1's reminder and A1's digest
    assert book(cli, "--cancel").exit_code == 0
    assert cli.invoke(app, ["mail", "send"]).exit_code == 0
    with Session(engine) as session:
        rows = {
            m.message_id: m
            for m in session.scalars(select(OutboxMessage).where(OutboxMessage.status == "sent"))
        }
    expected_parts = {
        "direct": ["multipart/alternative", "text/plain", "text/html"],
        "digest": ["multipart/alternative", "text/plain", "text/html"],
        "invite": [
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/html",
            "text/calendar",
            "application/ics",
        ],
    }
    seen = defaultdict(int)
    for received in smtp_sink.received:
        message = received.message
        row = rows[str(message["Message-ID"])]
        assert str(message["Message-ID"]) == message_id_for(
            row.dedup_key, "workforce@sample-borough.example"
        )
        assert str(message["From"]) == (
            "Sample Borough Workforce Development <workforce@sample-borough.example>"
        )
        assert str(message["To"]) == row.to_address == received.recipients[0]
        assert str(message["Subject"]) == row.subject
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Date"] is not None
        assert [p.get_content_type() for p in message.walk()] == expected_parts[row.channel]
        for part in message.walk():
            if part.get_content_type().startswith("text/"):
                assert part.get_content_charset() == "utf-8"
        seen[(row.channel, row.step)] += 1
    assert dict(seen) == {
        ("invite", "invite"): 2,
        ("direct", "before_14"): 1,
        ("digest", "daily"): 1,
        ("invite", "cancel"): 2,
    }
