"""Portable 'insert, skipping rows that already exist' for SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignoring_duplicates(
    session: Session, table: Table, rows: list[dict[str, Any]], *, unique: list[str]
) -> int:
    """Insert `rows`, skipping any whose `unique` columns already exist; returns rows inserted."""
    # RETURNING counts what was really inserted (rowcount is -1 on some drivers). A list of
    # parameter sets: SQLAlchemy batches it into multi-row statements ("insertmanyvalues")
    # from one cached compilation.
    return len(insert_new_rows(session, table, rows, unique=unique, returning=unique[:1]))


def insert_new_rows(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    *,
    unique: list[str],
    returning: list[str],
) -> list[Any]:
    """Like insert_ignoring_duplicates, returning the `returning` columns of the new rows."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = (
        module.insert(table)
        .on_conflict_do_nothing(index_elements=unique)
        .returning(*(table.c[c] for c in returning))
    )
    return list(session.execute(stmt, rows).all())
