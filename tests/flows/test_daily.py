"""The daily flow end to end: real database, real Prefect (test harness), real SMTP server."""

from __future__ import annotations

import asyncio
import csv
import socket
from datetime import date
from pathlib import Path

import pytest
from organisations import organisation_folder  # noqa: F401  (the sample without duties)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from definitions.roster import REQUIRED_COLUMNS
from flows.daily import daily
from notifications.sink import SmtpSink
from storage.models import OutboxMessage, SweepRun

pytestmark = pytest.mark.integration

# A tiny roster with one NQSW so every expected message can be listed by hand.
# N1 starts Sat 31 Jan 2026: review_3 is due Thu 30 Apr 2026 (31 April does not exist), so
#   before_14 on Thu 16 Apr -> N1 and assessor A1; before_3 on Mon 27 Apr -> N1, A1;
#   due on Thu 30 Apr -> N1 and manager M1; overdue_1 on Fri 1 May -> M1;
#   overdue_14 on Thu 14 May -> workforce lead L1.
# The sample routing tells the NQSW directly and everyone else in their daily digest.
ROSTER = [
    ("L1", "Lee Lead", "lead@example.org", "workforce_lead", "adults", "wd", "", "2015-04-01", ""),
    (
        "M1",
        "Mo Manager",
        "manager@example.org",
        "team_manager",
        "adults",
        "east",
        "L1",
        "2016-06-01",
        "",
    ),
    (
        "A1",
        "Ash Assessor",
        "assessor@example.org",
        "practice_educator",
        "adults",
        "east",
        "M1",
        "2018-02-05",
        "",
    ),
    ("N1", "Nia Newly", "nqsw@example.org", "nqsw", "adults", "east", "M1", "2026-01-31", "A1"),
]


@pytest.fixture
def one_nqsw(tmp_path: Path, engine, organisation, import_roster_file) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "roster.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*REQUIRED_COLUMNS[:8], "assessor_id", "district", "status"])
        for row in ROSTER:
            writer.writerow([*row, "East", "active"])
    import_roster_file(engine, organisation, as_of=date(2026, 4, 1), path=path)


def run_day(as_of: date):  # type: ignore[no-untyped-def]
    return asyncio.run(daily(as_of=as_of, return_state=True))


def outbox(engine) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def recipients(sink: SmtpSink) -> list[tuple[str, str]]:
    return sorted((r.recipients[0], str(r.message["Subject"])) for r in sink.received)


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "one_nqsw")
def test_reminders_reach_the_smtp_server_once(engine, smtp_sink: SmtpSink) -> None:  # type: ignore[no-untyped-def]
    assert run_day(date(2026, 4, 15)).is_completed()
    assert smtp_sink.received == []

    assert run_day(date(2026, 4, 16)).is_completed()
    assert recipients(smtp_sink) == [
        ("assessor@example.org", "Your digest for Thursday 16 April 2026: 1 due soon for 1 person"),
        ("nqsw@example.org", "Your 3-month ASYE review is due by Thursday 30 April 2026"),
    ]
    digest = next(r for r in smtp_sink.received if r.recipients == ["assessor@example.org"])
    text = digest.message.get_body(("plain",)).get_content()
    assert "Nia Newly: 3-month ASYE review" in text
    assert "Due by Thursday 30 April 2026 (in 14 days)" in text
    ids = [str(r.message["Message-ID"]) for r in smtp_sink.received]
    assert len(set(ids)) == 2
    assert {m.message_id for m in outbox(engine)} == set(ids)
    assert {m.status for m in outbox(engine)} == {"sent"}

    # Each message has a real plain-text part and an HTML alternative.
    message = smtp_sink.received[0].message
    assert message.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]

    assert run_day(date(2026, 4, 17)).is_completed()
    assert len(smtp_sink.received) == 2


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "one_nqsw")
def test_rerunning_a_day_sends_nothing_new(engine, smtp_sink: SmtpSink) -> None:  # type: ignore[no-untyped-def]
    for day in (date(2026, 4, 15), date(2026, 4, 16)):
        assert run_day(day).is_completed()
    assert len(smtp_sink.received) == 2
    state = run_day(date(2026, 4, 16))
    assert state.is_completed()
    assert len(smtp_sink.received) == 2
    assert len(outbox(engine)) == 2
    assert asyncio.run(state.aresult())["queued"] == 0


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "one_nqsw")
def test_skipped_day_is_caught_up_once(engine, smtp_sink: SmtpSink) -> None:  # type: ignore[no-untyped-def]
    assert run_day(date(2026, 4, 15)).is_completed()
    # 16 April (the before_14 step) is skipped: Ladder was down that day.
    assert run_day(date(2026, 4, 17)).is_completed()
    assert [to for to, _ in recipients(smtp_sink)] == ["assessor@example.org", "nqsw@example.org"]
    with Session(engine) as session:
        windows = session.execute(
            select(SweepRun.window_start, SweepRun.window_end).order_by(SweepRun.id)
        ).all()
    assert windows == [
        (date(2026, 4, 15), date(2026, 4, 15)),
        (date(2026, 4, 16), date(2026, 4, 17)),
    ]
    assert run_day(date(2026, 4, 17)).is_completed()
    assert run_day(date(2026, 4, 18)).is_completed()
    assert len(smtp_sink.received) == 2


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.usefixtures("prefect_harness", "one_nqsw")
def test_smtp_down_keeps_messages_queued_until_next_run(
    engine,
    smtp_sink: SmtpSink,
    ladder_env,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    assert run_day(date(2026, 4, 15)).is_completed()
    monkeypatch.setenv("LADDER_SMTP_PORT", str(_closed_port()))

    state = run_day(date(2026, 4, 16))
    assert state.is_failed()
    assert "connection refused" in str(state.message)
    queued = outbox(engine)
    assert [m.status for m in queued] == ["queued", "queued"]
    # The server never saw them: not an attempt, but the reason is kept for `ladder mail status`.
    assert all(m.attempts == 0 and "refused" in (m.last_error or "") for m in queued)
    assert smtp_sink.received == []

    monkeypatch.setenv("LADDER_SMTP_PORT", ladder_env["LADDER_SMTP_PORT"])
    assert run_day(date(2026, 4, 17)).is_completed()
    assert [to for to, _ in recipients(smtp_sink)] == ["assessor@example.org", "nqsw@example.org"]
    assert {m.status for m in outbox(engine)} == {"sent"}


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "one_nqsw")
def test_overdue_review_escalates_to_manager_and_stops_once_recorded(
    engine,
    organisation,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    from tasks.programmes.decisions import record_outcome

    for day in (date(2026, 4, 30), date(2026, 5, 1)):
        assert run_day(day).is_completed()
    assert recipients(smtp_sink) == [
        ("manager@example.org", "Your digest for Friday 1 May 2026: 1 overdue for 1 person"),
        ("manager@example.org", "Your digest for Thursday 30 April 2026: 1 due today for 1 person"),
        ("nqsw@example.org", "Due today: Your 3-month ASYE review (Thursday 30 April 2026)"),
    ]
    overdue = next(r for r in smtp_sink.received if "1 overdue" in str(r.message["Subject"]))
    text = overdue.message.get_body(("plain",)).get_content()
    assert "OVERDUE: was due Thursday 30 April 2026 (1 day ago), escalated to you" in text
    with Session(engine) as session, session.begin():
        record_outcome(
            session,
            organisation,
            worker="N1",
            milestone="review_3",
            outcome="on_track",
            actor="A1",
            occurred_on=date(2026, 5, 4),
            today=date(2026, 5, 4),
        )
    # 14 May would escalate to the workforce lead, but the review is recorded by then.
    assert run_day(date(2026, 5, 14)).is_completed()
    assert len(smtp_sink.received) == 3
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 3


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "one_nqsw")
def test_a_milestone_moved_by_leave_is_reminded_again_for_its_new_date(
    engine,
    organisation,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    from tasks.programmes.leave import record_leave

    assert run_day(date(2026, 4, 27)).is_completed()  # before_3 for Thursday 30 April
    assert len(smtp_sink.received) == 2
    with Session(engine) as session, session.begin():
        moved = record_leave(
            session,
            organisation,
            worker="N1",
            start=date(2026, 4, 28),
            end=date(2026, 5, 31),
            reason="sick leave",
            actor="M1",
            today=date(2026, 4, 28),
        )
    # 34 days of leave: 30 April + 34 days = Wednesday 3 June.
    assert ("review_3", date(2026, 4, 30), date(2026, 6, 3)) in moved
    assert run_day(date(2026, 5, 31)).is_completed()  # before_3 for the new date
    assert recipients(smtp_sink) == [
        ("assessor@example.org", "Your digest for Monday 27 April 2026: 1 due soon for 1 person"),
        ("assessor@example.org", "Your digest for Sunday 31 May 2026: 1 due soon for 1 person"),
        ("nqsw@example.org", "Your 3-month ASYE review is due by Thursday 30 April 2026"),
        ("nqsw@example.org", "Your 3-month ASYE review is due by Wednesday 3 June 2026"),
    ]
    assert len(smtp_sink.received) == 4


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "one_nqsw")
def test_a_worker_who_has_left_gets_no_reminders(engine, smtp_sink: SmtpSink) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from storage.models import Worker

    with Session(engine) as session, session.begin():
        session.execute(update(Worker).where(Worker.external_id == "N1").values(status="left"))
    assert run_day(date(2026, 4, 16)).is_completed()
    assert smtp_sink.received == []


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "one_nqsw")
def test_the_summary_counts_what_the_server_took_when_the_connection_dropped_mid_message(
    engine,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    assert run_day(date(2026, 4, 15)).is_completed()
    # The day's second message: the relay goes away halfway through it. The first attempt
    # has sent one; its retry sends the other; the run's summary counts both.
    smtp_sink.handler.drop_connection_at = 2
    state = run_day(date(2026, 4, 16))
    assert state.is_completed(), state.message
    summary = state.result()
    assert (summary["sent"], summary["failed"], summary["deferred"]) == (2, 0, 0)
    assert [to for to, _ in recipients(smtp_sink)] == ["assessor@example.org", "nqsw@example.org"]
    assert {m.status for m in outbox(engine)} == {"sent"}


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "one_nqsw")
def test_a_capped_catch_up_names_the_days_it_left_out(engine, smtp_sink: SmtpSink) -> None:  # type: ignore[no-untyped-def]
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    assert run_day(date(2026, 3, 1)).is_completed()
    # Ladder was off for 10 weeks; the catch-up reaches back 31 days (the sample's cap), so
    # 2 March to 14 April are left out, and the run says so.
    state = run_day(date(2026, 5, 15))
    assert state.is_completed(), state.message
    assert state.result()["catch_up_skipped"] == "2026-03-02..2026-04-14 (44 day(s))"
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["daily-summary"]))
        )
    newest = max(found, key=lambda a: a.created)
    assert "dates skipped: 2026-03-02..2026-04-14 (44 day(s))" in str(newest.data)
    assert "reminders due then were not sent" in str(newest.data)
    # The next day's run has nothing left out, and says nothing of it.
    assert "catch_up_skipped" not in run_day(date(2026, 5, 16)).result()
