"""Training test helpers: CSV files of completions and sessions, a staffed sample roster,
and an import in its own transaction."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasks.training.completions import import_completions

TODAY = date(2026, 1, 5)


def write(path: Path, header: list[str], rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def completions(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    return write(path, ["external_id", "module", "completed_on"], rows)


@pytest.fixture
def staffed(engine, organisation, import_roster_file) -> None:  # type: ignore[no-untyped-def]
    import_roster_file(engine, organisation, as_of=date(2025, 12, 1))


def run_import(engine, organisation, path: Path, today: date = TODAY):  # type: ignore[no-untyped-def]
    with Session(engine) as session, session.begin():
        return import_completions(session, organisation, path, actor="test", today=today)


def count(engine, model) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def sessions_file(path: Path, rows: list[tuple[str, ...]]) -> Path:
    return write(
        path, ["module", "held_on", "starts_at", "minutes", "venue", "district", "capacity"], rows
    )
