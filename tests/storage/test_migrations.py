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
