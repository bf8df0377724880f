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
    inserted = 0
    # Bounded statements: SQLite allows 32766 bound parameters per statement.
    per_statement = max(1, 30000 // max(1, len(rows[0])))
    for i in range(0, len(rows), per_statement):
        stmt = module.insert(table).values(rows[i : i + per_statement])
        stmt = stmt.on_conflict_do_nothing(index_elements=unique)
        inserted += session.execute(stmt).rowcount or 0
    return inserted
