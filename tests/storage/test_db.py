"""Engines keep personal data out of error messages."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from storage.models import Service, Team, Worker

pytestmark = pytest.mark.integration


def test_a_failed_statement_does_not_quote_names_or_emails(engine) -> None:  # type: ignore[no-untyped-def]
    row = dict(
        external_id="W1",
        name="Nadia Nowak",
        email="nadia.nowak@example.org",
        role="nqsw",
        service_id=1,
        team_id=1,
        start_date=date(2026, 1, 31),
    )
    with engine.begin() as conn:
        conn.execute(insert(Service).values(id=1, key="adults", title="Adults"))
        conn.execute(insert(Team).values(id=1, key="east", service_id=1))
        conn.execute(insert(Worker).values(**row))
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        conn.execute(insert(Worker).values(**row))  # the same external id again
    assert "nadia.nowak@example.org" not in str(caught.value)
    assert "Nadia Nowak" not in str(caught.value)


def test_a_new_sqlite_database_is_its_owners_alone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from storage.db import make_engine

    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    database = shared / "var" / "ladder.sqlite"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as conn:  # WAL: SQLite makes -wal and -shm beside it
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        made = [database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))]
        modes = {p.name: p.stat().st_mode & 0o777 for p in made}
    engine.dispose()
    assert modes == {"ladder.sqlite": 0o600, "ladder.sqlite-wal": 0o600, "ladder.sqlite-shm": 0o600}
    assert database.parent.stat().st_mode & 0o777 == 0o700
    assert shared.stat().st_mode & 0o777 == 0o755  # not Ladder's folder: left as it was


def test_an_existing_database_file_keeps_its_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from storage.db import make_engine

    database = tmp_path / "team.sqlite"
    database.touch(mode=0o640)
    database.chmod(0o640)
    make_engine(f"sqlite:///{database}").dispose()
    assert database.stat().st_mode & 0o777 == 0o640
