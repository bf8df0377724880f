"""Certificate test helpers: a signing key, a certified environment with the sample roster,
completions imported, the batch run, and the certificates on record."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.signing import create_key
from storage.models import Certificate

ISSUE_DAY = date(2026, 11, 23)


@pytest.fixture(scope="session")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_key(tmp_path_factory.mktemp("signing") / "keys" / "signing-key.pem")


@pytest.fixture
def certified(
    ladder_env,
    key_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    engine,
    organisation,
    import_roster_file,
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LADDER_SIGNING_KEY", str(key_file))
    monkeypatch.setenv("LADDER_VERIFY_URL", "https://verify.sample-borough.example")
    import_roster_file(engine, organisation, as_of=date(2025, 12, 1))
    return ladder_env


def completions(
    engine, organisation, tmp_path: Path, rows: list[tuple[str, str, str]], today: date = ISSUE_DAY
):  # type: ignore[no-untyped-def]
    from tasks.training.completions import import_completions

    path = tmp_path / f"c{len(list(tmp_path.glob('c*.csv')))}.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "module", "completed_on"])
        writer.writerows(rows)
    with Session(engine) as session, session.begin():
        return import_completions(session, organisation, path, actor="test", today=today)


def run_batch(as_of: date = ISSUE_DAY):  # type: ignore[no-untyped-def]
    from flows.certificates import certificate_batch

    state = certificate_batch(as_of=as_of, return_state=True)
    assert state.is_completed(), state.message
    return state.result()


def certificates(engine) -> list[Certificate]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return list(session.scalars(select(Certificate).order_by(Certificate.id)))
