"""Portable 'insert, skipping rows that already exist' for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

IN_LIST_SIZE = 5000  # values per IN (...) list: well inside SQLite's and psycopg's limits
BULK_ROWS = 1000  # a write this large refreshes PostgreSQL's planner statistics

V = TypeVar("V", int, str)


def in_batches(values: Iterable[V]) -> Iterator[list[V]]:
    """The distinct values, sorted, in lists short enough for one IN (...) each."""
    wanted = sorted(set(values))
    for start in range(0, len(wanted), IN_LIST_SIZE):
        yield wanted[start : start + IN_LIST_SIZE]


def id_ranges(ids: list[int], size: int) -> list[tuple[int, int]]:
    """Sorted ids cut into (first, last) ranges of `size` ids each: the chunks a task maps
    over, so each chunk is read back with one BETWEEN."""
    return [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]


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


def refresh_statistics(session: Session, tables: Iterable[str], *, rows: int) -> None:
    """After a bulk write of `rows` rows, refresh PostgreSQL's planner statistics for
    `tables` (ANALYZE counts this transaction's own new rows). Without it, the anti-joins
    that follow in the same transaction (who lacks an item?) are planned as if the tables
    were still empty: nested loops that rescan a table per worker, minutes at 66,000."""
    if rows < BULK_ROWS or session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:  # Ladder's own table names, never input
        session.execute(text(f"ANALYZE {table}"))
