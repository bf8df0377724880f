"""Shared fixtures: real databases (SQLite file, PostgreSQL), a real SMTP server, Prefect's harness.

LADDER_TEST_DATABASES chooses the backends (default "sqlite,postgresql"). PostgreSQL is
required when named: an unreachable server fails the run, it never skips.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path

# Before anything imports prefect: no telemetry tracebacks from the ephemeral server.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import pytest
from backends import BACKENDS, PG_ADMIN_URL  # noqa: E402  (tests/ is on sys.path)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from definitions.loader import SAMPLE_ORGANISATION, load_organisation
from definitions.organisation import Organisation
from notifications.sink import SmtpSink
from storage.db import make_engine, upgrade

SAMPLE_ROSTER = SAMPLE_ORGANISATION / "roster.csv"


def _pg_url(database: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "ladder.sqlite"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated template database; each test gets a copy (CREATE DATABASE ... TEMPLATE)."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - said plainly below
        pytest.fail(
            f"PostgreSQL at {make_url(PG_ADMIN_URL).render_as_string()} is required "
            f"(LADDER_TEST_DATABASES names it) but unreachable: {exc}. Start it, or "
            "run with LADDER_TEST_DATABASES=sqlite",
            pytrace=False,
        )
    name = f"ladder_tmpl_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(_pg_url(name))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database of each backend, dropped afterwards."""
    if request.param == "sqlite":
        path = tmp_path / "ladder.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"ladder_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield _pg_url(name)
    finally:
        from tasks.runtime import dispose_runtimes

        dispose_runtimes()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[object]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@lru_cache(maxsize=8)
def _organisation(folder: str) -> Organisation:
    return load_organisation(folder)


@pytest.fixture(scope="session")
def organisation_folder() -> Path:
    """The organisation the tests run (the flows read it from LADDER_ORGANISATION): the
    sample. A test module about one lifecycle may narrow it (tests/organisations.py)."""
    return SAMPLE_ORGANISATION


@pytest.fixture
def organisation(organisation_folder: Path) -> Organisation:
    return _organisation(str(organisation_folder))


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def ladder_env(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    smtp_sink: SmtpSink,
    tmp_path: Path,
    organisation_folder: Path,
) -> Iterator[dict[str, str]]:
    """LADDER_* settings pointing at this test's database and SMTP server."""
    env = {
        "LADDER_DATABASE_URL": database_url,
        "LADDER_DATA_DIR": str(tmp_path / "var"),
        "LADDER_SMTP_HOST": "127.0.0.1",
        "LADDER_SMTP_PORT": str(smtp_sink.port),
        "LADDER_SMTP_SECURITY": "none",
        "LADDER_DELIVERY_RETRIES": "1",
        "LADDER_DELIVERY_RETRY_DELAY_SECONDS": "0",
        # Certificates in tests name the local site; tests of the refusal turn this off.
        "LADDER_ALLOW_LOCAL_VERIFY_URL": "true",
    }
    for key in (
        "LADDER_SMTP_USER",
        "LADDER_SMTP_PASSWORD",
        "LADDER_TIMEZONE",
        "LADDER_ORGANISATION",
        "LADDER_SENDER_ADDRESS",
    ):
        monkeypatch.delenv(key, raising=False)
    if organisation_folder != SAMPLE_ORGANISATION:
        env["LADDER_ORGANISATION"] = str(organisation_folder)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    yield env
    from tasks.runtime import dispose_runtimes

    dispose_runtimes()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """Prefect's test harness once per session: a temporary API and database."""
    from prefect.testing.utilities import prefect_test_harness

    # A fresh Prefect database took 23-34 s to create on a loaded 2-core machine.
    with prefect_test_harness(server_startup_timeout=180):
        yield


def import_sample_roster(
    engine: object,
    organisation: Organisation,
    as_of: date = date(2026, 1, 1),
    path: Path = SAMPLE_ROSTER,
    allow_unlisted_move: bool = False,
) -> object:
    from tasks.roster.roster_import import import_roster

    with Session(engine) as session, session.begin():  # type: ignore[arg-type]
        return import_roster(
            session,
            organisation,
            path,
            as_of=as_of,
            actor="test",
            allow_unlisted_move=allow_unlisted_move,
        )


@pytest.fixture
def import_roster_file():  # type: ignore[no-untyped-def]
    """`import_roster_file(engine, organisation, as_of=..., path=...)`, in one transaction."""
    return import_sample_roster
