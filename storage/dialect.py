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
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = (
        module.insert(table)
        .on_conflict_do_nothing(index_elements=unique)
        # RETURNING counts what was really inserted (rowcount is -1 on some drivers).
        .returning(table.c[unique[0]])
    )
    # A list of parameter sets: SQLAlchemy batches it into multi-row statements
    # ("insertmanyvalues") from one cached compilation.
    return len(session.execute(stmt, rows).all())
