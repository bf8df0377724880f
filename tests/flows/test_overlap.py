"""Two runs of a sweep never overlap: a database lease per flow, taken by exactly one of
several racing runs, given back at the end and taken over once its holder died."""

from __future__ import annotations

import asyncio
import threading
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
