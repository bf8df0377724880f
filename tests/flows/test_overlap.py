"""Two runs of a sweep never overlap: a database lease per flow, taken by exactly one of
several racing runs, given back at the end and taken over once its holder died."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flows.daily import daily
from storage.leases import give_back, holder_of, take
from storage.models import Event, FlowLease, OutboxMessage, SweepRun

pytestmark = pytest.mark.integration
NOW = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # the night the clocks go forward


def test_a_lease_has_one_holder_until_given_back_or_expired(engine) -> None:  # type: ignore[no-untyped-def]
    hour = timedelta(hours=1)
    with Session(engine) as session, session.begin():
        assert take(session, flow="daily", holder="a", now=NOW, until=NOW + hour)
    with Session(engine) as session, session.begin():
        assert not take(session, flow="daily", holder="b", now=NOW, until=NOW + hour)
        assert take(session, flow="certificate-batch", holder="b", now=NOW, until=NOW + hour)
        assert take(session, flow="daily", holder="a", now=NOW, until=NOW + 2 * hour)  # renew
        assert not give_back(session, flow="daily", holder="b")
    with Session(engine) as session, session.begin():
        held = holder_of(session, flow="daily")
        assert held is not None and held.holder == "a" and held.held_until == NOW + 2 * hour
        # "a" died: after its lease ran out, "b" takes it over.
        assert not take(session, flow="daily", holder="b", now=NOW + hour, until=NOW + 3 * hour)
        later = NOW + 2 * hour + timedelta(seconds=1)
        assert take(session, flow="daily", holder="b", now=later, until=later + hour)
    with Session(engine) as session, session.begin():
        assert give_back(session, flow="daily", holder="b")
        assert holder_of(session, flow="daily") is None


def test_of_runs_racing_for_a_free_lease_exactly_one_wins(engine) -> None:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(8)
    won: list[str] = []

    def racer(name: str) -> None:
        barrier.wait()
        for _ in range(20):  # SQLite may answer "database is locked" to a racer: try again
            try:
                with Session(engine) as session, session.begin():
                    if take(session, flow="daily", holder=name, now=NOW, until=NOW + timedelta(1)):
                        won.append(name)
                return
            except Exception as exc:  # noqa: BLE001
                if "locked" not in str(exc):
                    raise

    threads = [threading.Thread(target=racer, args=(f"run-{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    with Session(engine) as session:
        assert session.scalar(select(FlowLease.holder)) == won[0]


def _counts(engine) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return tuple(  # type: ignore[return-value]
            int(session.scalar(select(func.count()).select_from(t)) or 0)
            for t in (SweepRun, OutboxMessage, Event)
        )


@pytest.mark.usefixtures("prefect_harness", "ladder_env")
def test_a_daily_run_while_another_holds_the_lease_fails_and_changes_nothing(  # type: ignore[no-untyped-def]
    engine, organisation, import_roster_file
) -> None:
    import_roster_file(engine, organisation, as_of=date(2026, 1, 1))
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        assert take(
            session, flow="daily", holder="flow-run other", now=now, until=now + timedelta(hours=1)
        )
    before = _counts(engine)

    state = asyncio.run(daily(as_of=date(2026, 4, 16), return_state=True))
    assert state.is_failed()
    assert "another daily run (flow-run other) has been running since" in state.message
    assert "did nothing and changed nothing" in state.message
    assert _counts(engine) == before

    with Session(engine) as session, session.begin():
        give_back(session, flow="daily", holder="flow-run other")
    state = asyncio.run(daily(as_of=date(2026, 4, 16), return_state=True))
    assert state.is_completed()
    after = _counts(engine)
    assert after[0] == before[0] + 1 and after[1] > before[1]
    with Session(engine) as session:  # the run gave its lease back
        assert holder_of(session, flow="daily") is None


@pytest.mark.usefixtures("prefect_harness", "ladder_env")
def test_a_lease_left_by_a_killed_process_on_this_machine_is_taken_over_at_once(  # type: ignore[no-untyped-def]
    engine, organisation, import_roster_file
) -> None:
    import_roster_file(engine, organisation, as_of=date(2026, 1, 1))
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process that held the lease and was killed: its pid is free now
    now = datetime.now(UTC)
    dead = f"flow-run abc on {socket.gethostname()} pid {gone.pid}"
    elsewhere = f"flow-run def on another-host pid {gone.pid}"
    with Session(engine) as session, session.begin():
        take(session, flow="daily", holder=elsewhere, now=now, until=now + timedelta(hours=1))
    # On another host the pid says nothing: the lease stands until it runs out.
    state = asyncio.run(daily(as_of=date(2026, 4, 16), return_state=True))
    assert state.is_failed() and "another-host" in state.message
    with Session(engine) as session, session.begin():
        give_back(session, flow="daily", holder=elsewhere)
        take(session, flow="daily", holder=dead, now=now, until=now + timedelta(hours=1))
    state = asyncio.run(daily(as_of=date(2026, 4, 16), return_state=True))
    assert state.is_completed(), state.message
    with Session(engine) as session:
        assert holder_of(session, flow="daily") is None
        assert session.scalar(select(func.count()).select_from(SweepRun)) == 1


@pytest.mark.usefixtures("ladder_env")
def test_a_working_run_keeps_renewing_its_lease(  # type: ignore[no-untyped-def]
    engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.guard import RunOverlap, exclusive
    from tasks.runtime import current_runtime

    monkeypatch.setenv("LADDER_FLOW_LEASE_SECONDS", "0.6")
    runtime = current_runtime()
    with exclusive(runtime, "certificate-batch"):
        with Session(engine) as session:
            first = holder_of(session, flow="certificate-batch")
        time.sleep(1.5)  # two and a half lease lengths: it would have run out unrenewed
        with Session(engine) as session:
            later = holder_of(session, flow="certificate-batch")
        assert first and later and later.held_until > first.held_until
        assert later.held_until > datetime.now(UTC)
        with (
            pytest.raises(RunOverlap, match="another certificate-batch run"),
            exclusive(runtime, "certificate-batch"),
        ):
            pass
    with Session(engine) as session:
        assert holder_of(session, flow="certificate-batch") is None
