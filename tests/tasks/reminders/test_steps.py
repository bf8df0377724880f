"""A sweep costs the same few queries whatever the workforce size (no query per worker)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from organisations import organisation_folder  # noqa: F401  (the sample without duties)
from sqlalchemy import event

from bench.sweep import write_roster
from tasks.programmes.steps import run_programmes
from tasks.reminders.steps import (
    close_window,
    compose_messages,
    plan_compose,
    plan_sweep,
    queue_reminders,
)

pytestmark = pytest.mark.integration


def _roster(path: Path, nqsws: int) -> Path:
    """The benchmark's synthetic roster: a lead, a manager per 8 NQSWs, NQSWs starting on
    consecutive days from 1 January 2026."""
    write_roster(path, nqsws)
    return path


@contextmanager
def counting_statements(engine) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def sweep_statements(engine, as_of: date) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(statements, notices, mails queued) for one day's sweep, run as the flow's tasks run
    it: decide the notices, compose each person's day, close the window."""
    from tasks.runtime import current_runtime

    runtime_engine = current_runtime().engine
    with counting_statements(runtime_engine) as statements:
        run_programmes.fn(as_of)
        start, end, chunks, _ = plan_sweep.fn(as_of)
        noticed = sum(queue_reminders.fn(chunk, start, end, as_of) for chunk in chunks)
        mailed = sum(compose_messages.fn(part, as_of)["queued"] for part in plan_compose.fn(as_of))
        close_window.fn(as_of, start, end, {"noticed": noticed})
    return len(statements), noticed, mailed


@pytest.mark.usefixtures("ladder_env")
def test_a_sweep_costs_the_same_queries_for_ten_or_three_hundred_nqsws(
    tmp_path: Path,
    engine,
    organisation,
    import_roster_file,  # type: ignore[no-untyped-def]
) -> None:
    from prefect.logging import disable_run_logger

    # Ten NQSWs starting 1..10 January: five reviews fall due on Thu 2 April 2026 (Good Friday,
    # Easter Monday and a weekend move back to it), so their before_14 step is 19 March.
    import_roster_file(
        engine, organisation, as_of=date(2026, 3, 1), path=_roster(tmp_path / "small.csv", 10)
    )
    with disable_run_logger():
        small_statements, small_noticed, small_mailed = sweep_statements(engine, date(2026, 3, 19))
        # Three hundred more, and a catch-up window of eight days (20..27 March).
        import_roster_file(
            engine,
            organisation,
            as_of=date(2026, 3, 1),
            path=_roster(tmp_path / "large.csv", 300),
        )
        large_statements, large_noticed, large_mailed = sweep_statements(engine, date(2026, 3, 27))
    # Five NQSWs told directly, and their manager (also their assessor) five times: one digest.
    assert (small_noticed, small_mailed) == (10, 6)
    assert large_noticed > small_noticed
    assert large_mailed < large_noticed  # the managers' notices fold into digests
    assert large_statements == small_statements
    assert large_statements <= 24
