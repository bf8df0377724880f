"""Migrations: the migrated schema is the models' schema, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from storage.db import (
    SchemaOutOfDate,
    alembic_config,
    check_schema,
    current_revision,
    head_revision,
    make_engine,
    upgrade,
)
from storage.models import Base

pytestmark = pytest.mark.integration

TABLES = {
    "services",
    "teams",
    "workers",
    "enrolments",
    "leave_periods",
    "obligations",
    "events",
    "outbox",
    "sweep_runs",
}


def schema_diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    assert schema_diff(engine) == []


def test_migrated_database_is_at_head(engine: Engine) -> None:
    assert head_revision() is not None
    assert current_revision(engine) == head_revision()
    check_schema(engine)  # does not raise
    assert set(inspect(engine).get_table_names()) >= TABLES


def test_check_schema_on_an_empty_sqlite_file_says_to_upgrade(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    try:
        with pytest.raises(SchemaOutOfDate, match="ladder db upgrade") as caught:
            check_schema(engine)
        assert "empty database" in str(caught.value)
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(database_url: str, engine: Engine) -> None:
    upgrade(database_url)
    assert current_revision(engine) == head_revision()
    assert schema_diff(engine) == []


def test_downgrade_to_base_then_upgrade_again(database_url: str, engine: Engine) -> None:
    command.downgrade(alembic_config(database_url), "base")
    engine.dispose()
    assert current_revision(engine) is None
    assert not TABLES & set(inspect(engine).get_table_names())
    with pytest.raises(SchemaOutOfDate):
        check_schema(engine)

    upgrade(database_url)
    engine.dispose()

    assert current_revision(engine) == head_revision()
    assert schema_diff(engine) == []
    # the append-only guard on events came back with the schema
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO events (kind, actor, occurred_on, recorded_at, payload) "
                "VALUES ('test', 'test', '2026-01-01', '2026-01-01 00:00:00+00:00', '{}')"
            )
        )
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM events"))


def test_existing_asye_data_migrates_to_dated_programmes(database_url: str, engine: Engine) -> None:
    """A database holding an ASYE year finished before programmes were general: after the
    upgrade its enrolment says when it was completed, and its items keep their keys."""
    command.downgrade(alembic_config(database_url), "0010")
    engine.dispose()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO services (id, key, title) VALUES (1, 'children', 'C')"))
        conn.execute(text("INSERT INTO teams (id, key, service_id) VALUES (1, 'north', 1)"))
        conn.execute(
            text(
                "INSERT INTO workers (id, external_id, name, email, role, service_id, team_id,"
                " start_date, district, status, updated_at) VALUES (1, 'W0001', 'Kiran Shah',"
                " 'k@example.org', 'nqsw', 1, 1, '2025-01-06', 'North', 'active',"
                " '2025-01-06 09:00:00+00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO enrolments (id, worker_id, programme, start_date, status,"
                " extended_months, enrolled_at) VALUES (1, 1, 'asye', '2025-01-06', 'completed',"
                " 0, '2025-01-06 09:00:00+00'), (2, 1, 'asye', '2026-01-05', 'active', 0,"
                " '2026-01-05 09:00:00+00')"
            )
        )
        for n, (milestone, closed) in enumerate(
            [("review_3", "2025-04-04"), ("assessor_report", "2026-01-02")], start=1
        ):
            conn.execute(
                text(
                    "INSERT INTO obligations (id, source, subject_id, enrolment_id, kind,"
                    " milestone, title, due_date, responsible_role, reminder_policy, rule,"
                    " status, closed_on, created_at) VALUES (:id, :source, 1, 1, 'asye.review',"
                    " :milestone, 't', :closed, 'assessor', 'asye_milestone', 'r', 'done',"
                    " :closed, '2025-01-06 09:00:00+00')"
                ),
                {
                    "id": n,
                    "source": f"asye:1:{milestone}",
                    "milestone": milestone,
                    "closed": closed,
                },
            )
    upgrade(database_url)
    engine.dispose()
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, status, completed_on FROM enrolments ORDER BY id")
        ).all()
        sources = conn.execute(text("SELECT source FROM obligations ORDER BY id")).scalars().all()
    assert [(r[0], r[1], str(r[2]) if r[2] else None) for r in rows] == [
        (1, "completed", "2026-01-02"),
        (2, "active", None),
    ]
    assert sources == ["asye:1:review_3", "asye:1:assessor_report"]
    assert schema_diff(engine) == []
