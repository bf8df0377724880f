"""A completions file larger than any one statement may be: more distinct workers than
PostgreSQL takes parameters in one statement (65,535), imported whole on both databases."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from training_world import completions, count, run_import

from storage.models import Completion, Credential, Worker
from tasks.roster.roster_import import import_roster

pytestmark = pytest.mark.integration

WORKERS = 66_000  # one more thousand than a statement's parameters on PostgreSQL


def _roster(path: Path) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "external_id", "name", "email", "role", "service", "team", "manager_id",
                "start_date", "district", "status",
            ]
        )  # fmt: skip
        writer.writerows(
            (
                f"C{n:06d}", f"Care Worker {n}", f"care.worker.{n}@sample-borough.example",
                "care_worker", "adults", f"care-{n % 40:02d}", "", "2024-01-08", "West", "active",
            )
            for n in range(WORKERS)
        )  # fmt: skip
    return path


def test_a_file_with_more_workers_than_a_statement_takes_parameters_imports_whole(
    tmp_path: Path,
    engine,
    organisation,  # type: ignore[no-untyped-def]
) -> None:
    with Session(engine) as session, session.begin():
        roster = import_roster(
            session, organisation, _roster(tmp_path / "roster.csv"), as_of=date(2025, 12, 1),
            actor="test",
        )  # fmt: skip
    assert roster.inserted == WORKERS
    path = completions(
        tmp_path / "first-aid.csv",
        [(f"C{n:06d}", "first_aid", "2025-11-03") for n in range(WORKERS)],
    )
    rows, result = run_import(engine, organisation, path)
    assert rows == WORKERS and result.completions == WORKERS
    assert count(engine, Worker) == WORKERS
    assert count(engine, Completion) == WORKERS
    assert count(engine, Credential) == WORKERS
    # A second import of the same file records nothing twice.
    _, again = run_import(engine, organisation, path)
    assert again.completions == 0 and count(engine, Completion) == WORKERS
