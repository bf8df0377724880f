"""Delivery against a real SMTP server: temporary refusals back off, permanent ones stop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from notifications.message import message_id_for
from notifications.sink import SmtpSink
from storage.models import OutboxMessage
from storage.outbox import enqueue
from tasks.delivery.send import deliver_queued
from tasks.runtime import current_runtime

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _row(i: int, address: str) -> dict[str, object]:
    return dict(
        dedup_key=f"test:{i}",
        message_id=message_id_for(f"test:{i}", "hr@example.org"),
        kind="review_3",
        step="before_14",
        obligation_id=None,
        recipient_id=None,
        recipient_role="worker",
        to_address=address,
        subject=f"Reminder {i}",
        body_text="text",
        body_html="<p>html</p>",
        send_on=date(2026, 11, 23),
        status="queued",
        attempts=0,
    )


def queue(engine, *addresses: str) -> None:  # type: ignore[no-untyped-def]
    rows = [_row(i, address) for i, address in enumerate(addresses)]
    with Session(engine) as session, session.begin():
        enqueue(session, rows=rows)


def messages(engine) -> dict[str, OutboxMessage]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return {m.to_address: m for m in session.scalars(select(OutboxMessage))}


@pytest.mark.usefixtures("ladder_env")
def test_a_temporary_refusal_waits_out_its_backoff_then_goes(engine, smtp_sink: SmtpSink) -> None:  # type: ignore[no-untyped-def]
    queue(engine, "a@example.org")
    smtp_sink.handler.refuse_with = "451 4.3.0 mailbox busy, try later"
    report = deliver_queued(current_runtime(), now=T0)
    assert (report.sent, report.deferred, report.failed_permanently) == (0, 1, 0)
    m = messages(engine)["a@example.org"]
    assert (m.status, m.attempts) == ("queued", 1)
    assert "451" in (m.last_error or "")
    assert m.next_attempt_at == T0 + timedelta(minutes=5)

    smtp_sink.handler.refuse_with = None
    # Within the backoff nothing is attempted.
    report = deliver_queued(current_runtime(), now=T0 + timedelta(minutes=4))
    assert (report.sent, report.deferred) == (0, 0)
    assert smtp_sink.received == []
    report = deliver_queued(current_runtime(), now=T0 + timedelta(minutes=5))
    assert report.sent == 1
    assert [r.recipients for r in smtp_sink.received] == [["a@example.org"]]
    m = messages(engine)["a@example.org"]
    assert (m.status, m.attempts, m.last_error) == ("sent", 2, None)


@pytest.mark.usefixtures("ladder_env")
def test_a_permanently_refused_address_fails_once_and_others_still_go(
    engine,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    queue(engine, "gone@example.org", "b@example.org")
    smtp_sink.handler.refuse_recipients["gone@example.org"] = "550 5.1.1 <gone@example.org> unknown"
    report = deliver_queued(current_runtime(), now=T0)
    assert (report.sent, report.failed_permanently, report.deferred) == (1, 1, 0)
    by_address = messages(engine)
    gone = by_address["gone@example.org"]
    assert (gone.status, gone.attempts, gone.next_attempt_at) == ("failed", 1, None)
    assert "550" in (gone.last_error or "")
    assert "gone@example.org" not in (gone.last_error or "")  # addresses stay out of errors
    assert by_address["b@example.org"].status == "sent"

    later = deliver_queued(current_runtime(), now=T0 + timedelta(days=1))
    assert (later.sent, later.failed_permanently) == (0, 0)
    assert len(smtp_sink.received) == 1


@pytest.mark.usefixtures("ladder_env")
def test_a_message_refused_for_now_too_often_gives_up(
    engine,
    smtp_sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("LADDER_DELIVERY_MAX_ATTEMPTS", "3")
    queue(engine, "c@example.org")
    smtp_sink.handler.refuse_with = "452 4.2.2 mailbox full"
    moments = [T0, T0 + timedelta(minutes=5), T0 + timedelta(minutes=15)]
    for moment in moments:
        deliver_queued(current_runtime(), now=moment)
    m = messages(engine)["c@example.org"]
    assert (m.status, m.attempts) == ("failed", 3)
    assert "452" in (m.last_error or "")
    deliver_queued(current_runtime(), now=T0 + timedelta(days=2))
    assert messages(engine)["c@example.org"].attempts == 3


@pytest.mark.usefixtures("ladder_env")
def test_mail_status_lists_problems_by_id_without_addresses(engine, smtp_sink: SmtpSink) -> None:  # type: ignore[no-untyped-def]
    from flows.cli import app

    queue(engine, "gone@example.org", "ok@example.org")
    smtp_sink.handler.refuse_recipients["gone@example.org"] = "550 5.1.1 <gone@example.org> unknown"
    deliver_queued(current_runtime(), now=T0)
    result = CliRunner().invoke(app, ["mail", "status"])
    assert result.exit_code == 0, result.output
    assert "queued: 0, sent: 1, failed: 1" in result.output
    assert "review_3/before_14" in result.output and "not retried" in result.output
    assert "550" in result.output
    assert "gone@example.org" not in result.output


@pytest.mark.usefixtures("ladder_env")
def test_two_deliveries_at_once_send_each_message_once(
    engine,
    smtp_sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    """A scheduled run and a manual `ladder daily` (or two workers) deliver at the same time."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv("LADDER_DELIVERY_BATCH_SIZE", "5")  # several batches to race for
    addresses = [f"person{i}@example.org" for i in range(30)]
    queue(engine, *addresses)
    smtp_sink.handler.delay_seconds = 0.02  # slow enough for the two runs to overlap
    runtime = current_runtime()
    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(lambda _: deliver_queued(runtime, now=T0), range(2)))
    assert sum(r.sent for r in reports) == 30
    assert all(r.sent > 0 for r in reports), f"both runs should have taken part: {reports}"
    ids = [str(r.message["Message-ID"]) for r in smtp_sink.received]
    assert len(ids) == 30 and len(set(ids)) == 30
    assert sorted(r.recipients[0] for r in smtp_sink.received) == sorted(addresses)
    assert {m.status for m in messages(engine).values()} == {"sent"}


@pytest.mark.usefixtures("ladder_env")
def test_messages_leased_by_a_crashed_run_go_out_once_the_lease_runs_out(
    engine,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    from storage.outbox import claim_batch

    queue(engine, "d@example.org")
    with Session(engine) as session, session.begin():  # a run that leased it, then died
        leased = claim_batch(
            session, limit=10, now=T0, lease_until=T0 + timedelta(minutes=15), token="crashed"
        )
    assert [m.to_address for m in leased] == ["d@example.org"]
    assert deliver_queued(current_runtime(), now=T0 + timedelta(minutes=10)).sent == 0
    assert deliver_queued(current_runtime(), now=T0 + timedelta(minutes=15)).sent == 1
    assert len(smtp_sink.received) == 1


def _dead_holder() -> str:
    """The name a delivery killed on this machine left on its leases: a real pid, now gone."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return f"delivery killed on {socket.gethostname()} pid {process.pid}"


@pytest.mark.usefixtures("ladder_env")
def test_messages_leased_by_a_delivery_whose_process_is_gone_go_out_at_once(
    engine,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    from flows.cli import app
    from storage.outbox import claim_batch

    queue(engine, "k@example.org", "l@example.org", "m@example.org")
    dead, alive = _dead_holder(), f"delivery busy on {socket.gethostname()} pid {os.getpid()}"
    elsewhere = "delivery far on another-host.example pid 1"
    until = datetime.now(UTC) + timedelta(minutes=15)
    for holder in (dead, alive, elsewhere):
        with Session(engine) as session, session.begin():
            claim_batch(session, limit=1, now=T0, lease_until=until, token=holder)

    status = CliRunner().invoke(app, ["mail", "status"])
    assert status.exit_code == 0, status.output
    lines = status.output.splitlines()
    assert any(dead in line and "process is gone" in line for line in lines), status.output
    assert any(alive in line and "then any delivery may send them" in line for line in lines)
    assert any(elsewhere in line and "then any delivery may send them" in line for line in lines)

    # The next delivery takes over the dead one's message now, not in 15 minutes; the live
    # holder's and the other machine's wait for their leases to run out.
    report = deliver_queued(current_runtime())
    assert report.sent == 1
    assert [r.recipients for r in smtp_sink.received] == [["k@example.org"]]
    left = messages(engine)
    assert (left["l@example.org"].status, left["m@example.org"].status) == ("queued", "queued")
    assert left["k@example.org"].lease_token != dead  # the run that sent it is named instead


@pytest.mark.usefixtures("ladder_env")
def test_a_run_whose_lease_ran_out_does_not_send_what_another_run_took_over(
    engine,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    from storage.outbox import claim_batch, hold, mark_sent

    queue(engine, "e@example.org")
    with Session(engine) as session, session.begin():  # run A leases for one minute only
        (message,) = claim_batch(
            session, limit=10, now=T0, lease_until=T0 + timedelta(minutes=1), token="run-a"
        )
    # Run A is stuck on a slow server; run B comes after A's lease ran out and sends it.
    assert deliver_queued(current_runtime(), now=T0 + timedelta(minutes=2)).sent == 1
    with Session(engine) as session, session.begin():
        assert not hold(session, message_id=message.id, token="run-a", until=T0)
        mark_sent(session, message_id=message.id, token="run-a", at=T0)  # a no-op now
    assert len(smtp_sink.received) == 1
    assert messages(engine)["e@example.org"].attempts == 1


@pytest.mark.usefixtures("ladder_env")
def test_a_message_that_cannot_be_built_fails_alone(engine, smtp_sink: SmtpSink) -> None:  # type: ignore[no-untyped-def]
    queue(engine, "f@example.org\nBcc: evil@example.org", "g@example.org")
    report = deliver_queued(current_runtime(), now=T0)
    assert (report.sent, report.failed_permanently) == (1, 1)
    broken = [m for a, m in messages(engine).items() if a.startswith("f@")][0]
    assert broken.status == "failed"
    assert "cannot build the message" in (broken.last_error or "")
    assert [r.recipients for r in smtp_sink.received] == [["g@example.org"]]


@pytest.mark.usefixtures("ladder_env")
def test_a_relay_refusing_us_keeps_everything_queued(engine, smtp_sink: SmtpSink) -> None:  # type: ignore[no-untyped-def]
    from tasks.delivery.send import MailServerUnavailable

    queue(engine, "h@example.org", "i@example.org")
    smtp_sink.handler.refuse_with = "554 5.7.1 Relay access denied"
    with pytest.raises(MailServerUnavailable, match="refuses mail from this sender"):
        deliver_queued(current_runtime(), now=T0)
    assert {(m.status, m.attempts, m.lease_until) for m in messages(engine).values()} == {
        ("queued", 0, None)
    }
    smtp_sink.handler.refuse_with = None
    assert deliver_queued(current_runtime(), now=T0 + timedelta(minutes=1)).sent == 2


@pytest.mark.usefixtures("ladder_env")
def test_a_message_refused_after_it_was_read_fails_alone_and_the_rest_go_on(
    engine,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    queue(engine, "j@example.org", "spam@example.org", "k@example.org", "l@example.org")
    smtp_sink.handler.refuse_data_for["spam@example.org"] = "554 5.6.0 message content rejected"
    report = deliver_queued(current_runtime(), now=T0)
    assert (report.sent, report.failed_permanently, report.deferred) == (3, 1, 0)
    by_address = messages(engine)
    refused = by_address["spam@example.org"]
    assert (refused.status, refused.attempts, refused.next_attempt_at) == ("failed", 1, None)
    assert "554 5.6.0 message content rejected" in (refused.last_error or "")
    assert "refuses mail from this sender" not in (refused.last_error or "")
    assert {a for a, m in by_address.items() if m.status == "sent"} == {
        "j@example.org",
        "k@example.org",
        "l@example.org",
    }
    # The next run does not stop at it: it is done with, and new mail goes out.
    with Session(engine) as session, session.begin():
        enqueue(session, rows=[_row(9, "m@example.org")])
    later = deliver_queued(current_runtime(), now=T0 + timedelta(hours=1))
    assert (later.sent, later.failed_permanently) == (1, 0)
    assert messages(engine)["spam@example.org"].attempts == 1


@pytest.mark.usefixtures("ladder_env")
def test_a_relay_without_smtputf8_fails_only_the_address_beyond_ascii(
    engine,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    queue(engine, "zoë.þórsdóttir@example.org", "n@example.org")
    report = deliver_queued(current_runtime(), now=T0)
    assert (report.sent, report.failed_permanently) == (1, 1)
    failed = messages(engine)["zoë.þórsdóttir@example.org"]
    assert failed.status == "failed"
    assert "does not offer SMTPUTF8" in (failed.last_error or "")
    assert "LADDER_SMTP_SECURITY" not in (failed.last_error or "")
    assert [r.recipients for r in smtp_sink.received] == [["n@example.org"]]


@pytest.mark.usefixtures("ladder_env")
def test_a_relay_offering_smtputf8_takes_an_address_beyond_ascii(engine) -> None:  # type: ignore[no-untyped-def]
    with SmtpSink(smtputf8=True) as relay:
        runtime = current_runtime()
        settings = runtime.settings.model_copy(update={"smtp_port": relay.port})
        queue(engine, "łucja.wiśniewska@example.org")
        report = deliver_queued(replace(runtime, settings=settings), now=T0)
        assert (report.sent, report.failed_permanently) == (1, 0)
        assert [r.recipients for r in relay.received] == [["łucja.wiśniewska@example.org"]]
