"""Property: a roster or completions file that is valid but for one fault, anywhere, is
refused with that fault's row and column named in the message, and the database is as it
was. Files are drawn from the grammar of a valid file (the sample organisation's roster and
past completions); hypothesis picks the row, the fault and its value. 1,000 files a run of
each kind on SQLite, 150 on PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from definitions.loader import SAMPLE_ORGANISATION, load_organisation
from definitions.organisation import Organisation
from definitions.roster import RosterError
from storage.models import Award, Completion, Credential, Event, Obligation, Team, Worker
from tasks.roster.roster_import import import_roster
from tasks.training.completions import import_completions
from tests.tasks.roster.test_roster_import import AS_OF

pytestmark = pytest.mark.integration

Table = tuple[list[str], list[dict[str, str]]]
# A fault: what to do to a valid table, and the (row, column) the refusal must name.
Fault = Callable[[Table], tuple[Table, int, str]]


def _table(name: str) -> Table:
    with (SAMPLE_ORGANISATION / name).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), [dict(row) for row in reader]


ROSTER = _table("roster.csv")
COMPLETIONS = _table("completions.csv")
TODAY = date(2026, 1, 5)


def _csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=table[0], lineterminator="\n")
    writer.writeheader()
    writer.writerows(table[1])
    return out.getvalue()


def _set(table: Table, index: int, column: str, value: str) -> tuple[Table, int, str]:
    header, rows = table
    changed = [dict(r) for r in rows]
    changed[index][column] = value
    return (header, changed), index + 2, column


def _copy_cell(table: Table, index: int, column: str) -> tuple[Table, int, str]:
    """Another row's value in this row's cell (a duplicate id or address)."""
    header, rows = table
    other = (index + 1) % len(rows)
    later = max(index, other)
    earlier = min(index, other)
    changed = [dict(r) for r in rows]
    changed[later][column] = rows[earlier][column]
    return (header, changed), later + 2, column


junk_ids = st.text(st.sampled_from(" /\\:;,!?*<>|#%'\"é"), min_size=1, max_size=6).map(
    lambda s: f"W{s}1"
)
not_dates = st.one_of(
    st.sampled_from(["31/02/2026", "2026-02-30", "2026-13-01", "yesterday", "2026/01/05", "0"]),
    st.from_regex(r"\A[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{2,4}\Z"),
)
SAMPLE = load_organisation()
KNOWN_WORDS = {*SAMPLE.ladder.roles, *SAMPLE.service_keys, "active", "leave", "left"} | {
    m.key for m in (SAMPLE.training.modules if SAMPLE.training else ())
}
unknown_words = st.from_regex(r"\A[a-z]{3,12}_[a-z]{3,12}\Z").filter(lambda w: w not in KNOWN_WORDS)


def roster_faults(rows: int) -> st.SearchStrategy[Fault]:
    index = st.integers(0, rows - 1)
    cell = lambda column, values: st.tuples(index, values).map(  # noqa: E731
        lambda iv: lambda t: _set(t, iv[0], column, iv[1])
    )
    return st.one_of(
        cell("external_id", junk_ids),
        cell("external_id", st.just("")),
        index.map(lambda i: lambda t: _copy_cell(t, i, "external_id")),
        index.map(lambda i: lambda t: _copy_cell(t, i, "email")),
        cell("name", st.just("")),
        cell("name", st.text(min_size=1, max_size=5).map(lambda s: f"Ann{s}\n{s}Lee")),
        cell("name", st.integers(201, 3000).map(lambda n: "N" * n)),
        cell("email", st.sampled_from(["nobody", "a@", "@b.org", "a b@c.org", "a@@b.org"])),
        cell("email", st.integers(65, 200).map(lambda n: "x" * n + "@sample-borough.example")),
        cell("role", unknown_words),
        cell("service", unknown_words),
        cell("team", st.just("")),
        cell("team", st.sampled_from(["../../etc", "a/b", "team one", ".hidden", "x" * 80])),
        cell("start_date", not_dates),
        cell(
            "start_date",
            st.one_of(
                st.dates(date(1, 1, 1), date(1949, 12, 31)),
                st.dates(date(2027, 1, 7), date(9999, 12, 31)),
            ).map(date.isoformat),
        ),
        cell("status", unknown_words),
        cell("manager_id", st.sampled_from(["W9999", "NOPE", "X1"])),
    )


def completion_faults(rows: int) -> st.SearchStrategy[Fault]:
    index = st.integers(0, rows - 1)
    cell = lambda column, values: st.tuples(index, values).map(  # noqa: E731
        lambda iv: lambda t: _set(t, iv[0], column, iv[1])
    )
    return st.one_of(
        cell("external_id", st.sampled_from(["W9999", "NOPE", ""])),
        cell("module", unknown_words),
        cell("completed_on", not_dates),
        cell(
            "completed_on",
            st.one_of(
                st.dates(date(1, 1, 1), date(1999, 12, 31)),
                st.dates(date(2026, 1, 6), date(9999, 12, 31)),
            ).map(date.isoformat),
        ),
        index.map(lambda i: lambda t: _copy_row(t, i)),
    )


def _copy_row(table: Table, index: int) -> tuple[Table, int, str]:
    """The same completion twice: the second copy is the one named."""
    header, rows = table
    changed = [dict(r) for r in rows]
    changed.insert(index + 1, dict(rows[index]))
    return (header, changed), index + 3, "completed_on"


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table an import writes."""
    with Session(engine) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Worker, Team, Event, Obligation, Completion, Credential, Award)
        }


def _examples(database_url: str) -> int:
    return 1000 if database_url.startswith("sqlite") else 150


def _assert_named(error: RosterError, file: str, row: int, column: str) -> None:
    assert (row, column) in [(p.row, p.column) for p in error.problems], str(error)
    message = str(error)
    assert f"{file} row {row}, column {column}:" in message
    assert "nothing was imported" in message


def _each_refused(
    engine: Engine,
    path: Path,
    valid: Table,
    faults: st.SearchStrategy[Fault],
    importing: Callable[[Session, Path], object],
    examples: int,
) -> None:
    """For `examples` files, each `valid` but for one of `faults`: the import into `engine`
    is refused naming the fault's row and column, and no table changes."""
    before = table_counts(engine)
    tried: list[int] = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(fault=faults)
    def check(fault: Fault) -> None:
        tried.append(1)
        table, row, column = fault(valid)
        path.write_text(_csv(table), encoding="utf-8")
        with (
            pytest.raises(RosterError) as caught,
            Session(engine) as session,
            session.begin(),
        ):
            importing(session, path)
        _assert_named(caught.value, path.name, row, column)
        assert table_counts(engine) == before

    check()
    assert len(tried) >= examples, len(tried)  # every file was tried


def test_a_roster_with_one_fault_is_refused_naming_its_row_and_column(
    engine: Engine, organisation: Organisation, tmp_path: Path, database_url: str
) -> None:
    _each_refused(
        engine,
        tmp_path / "roster.csv",
        ROSTER,
        roster_faults(len(ROSTER[1])),
        lambda session, path: import_roster(session, organisation, path, as_of=AS_OF, actor="fuzz"),
        _examples(database_url),
    )


def test_a_completions_file_with_one_fault_is_refused_naming_its_row_and_column(
    engine: Engine, organisation: Organisation, tmp_path: Path, database_url: str
) -> None:
    with Session(engine) as session, session.begin():
        import_roster(
            session, organisation, SAMPLE_ORGANISATION / "roster.csv", as_of=AS_OF, actor="t"
        )
    _each_refused(
        engine,
        tmp_path / "attendance.csv",
        COMPLETIONS,
        completion_faults(len(COMPLETIONS[1])),
        lambda session, path: import_completions(
            session, organisation, path, actor="fuzz", today=TODAY
        ),
        _examples(database_url),
    )
