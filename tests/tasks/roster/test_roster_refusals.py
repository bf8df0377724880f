"""Roster files that used to be taken silently are refused, each problem named by row and
column with a fix, and nothing is written: a header twice or cells past it, no rows, a
name with a line break or too long for a certificate, a team key that is a path, an address
too long or shared, a start date no working life has, a line of managers that goes round."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from definitions.organisation import Organisation
from definitions.roster import RosterError
from tests.tasks.roster.test_roster_import import (
    AS_OF,
    ImportFile,
    modified_sample,
    sample_table,
    table_counts,
)

pytestmark = pytest.mark.integration


def _row_of(external_id: str) -> int:
    _, rows = sample_table()
    return [r["external_id"] for r in rows].index(external_id) + 2  # the header is row 1


def _refused(
    engine: Engine, organisation: Organisation, import_roster_file: ImportFile, path: Path
) -> RosterError:
    with pytest.raises(RosterError) as caught:
        import_roster_file(engine, organisation, as_of=AS_OF, path=path)
    assert "nothing was imported" in str(caught.value)
    assert set(table_counts(engine).values()) == {0}
    return caught.value


LONG_LOCAL = "n" * 65 + "@sample-borough.example"
SHARED = "farid.rahman@sample-borough.example"  # W0006's address
# (case, column of W0014's row, the value written there, what the refusal says)
CELLS = [
    ("newline-in-name", "name", "Nadia\nNowak", "control character"),
    ("nul-in-name", "name", "Nadia\x00Nowak", "control character"),
    ("long-name", "name", "N" * 10_000, "10000 characters long; a name has at most 200"),
    ("team-as-path", "team", "../../etc", "is not a usable team key"),
    ("long-local-part", "email", LONG_LOCAL, "the part before the @ is 65 characters"),
    ("shared-email", "email", SHARED, "also the address of row"),
    ("year-one", "start_date", "0001-01-01", "is not a start date Ladder can use"),
    ("far-future", "start_date", "2099-01-01", "to 2027-01-06 (a year ahead)"),
]


@pytest.mark.parametrize(
    ("column", "value", "message"), [c[1:] for c in CELLS], ids=[c[0] for c in CELLS]
)
def test_a_cell_taken_silently_before_is_refused_by_row_and_column(
    engine: Engine,
    organisation: Organisation,
    import_roster_file: ImportFile,
    tmp_path: Path,
    column: str,
    value: str,
    message: str,
) -> None:
    path = modified_sample(tmp_path / "roster.csv", {"W0014": {column: value}})
    refused = _refused(engine, organisation, import_roster_file, path)
    found = [p for p in refused.problems if (p.row, p.column) == (_row_of("W0014"), column)]
    assert found and message in found[0].reason, str(refused)
    assert "Nadia" not in str(refused) and "\x00" not in str(refused)


def test_a_line_of_managers_that_goes_round_is_refused(
    engine: Engine, organisation: Organisation, import_roster_file: ImportFile, tmp_path: Path
) -> None:
    _, rows = sample_table()
    head = next(r for r in rows if r["external_id"] == "W0002")
    path = modified_sample(tmp_path / "roster.csv", {head["external_id"]: {"manager_id": "W0006"}})
    refused = _refused(engine, organisation, import_roster_file, path)
    (problem,) = [p for p in refused.problems if p.column == "manager_id"][:1]
    assert "comes back round" in problem.reason and "W0006 manages W0002" in str(refused)


def test_a_column_named_twice_is_refused(
    engine: Engine, organisation: Organisation, import_roster_file: ImportFile, tmp_path: Path
) -> None:
    path = tmp_path / "roster.csv"
    text = (Path(str(modified_sample(tmp_path / "base.csv", {})))).read_text(encoding="utf-8")
    header, _, body = text.partition("\n")
    path.write_text(f"{header},email\n" + "\n".join(
        line + ",other@sample-borough.example" for line in body.splitlines()
    ) + "\n", encoding="utf-8")  # fmt: skip
    refused = _refused(engine, organisation, import_roster_file, path)
    assert [(p.row, p.column) for p in refused.problems] == [(1, "email")]
    assert "appears twice in the header" in str(refused)


def test_cells_past_the_header_are_refused(
    engine: Engine, organisation: Organisation, import_roster_file: ImportFile, tmp_path: Path
) -> None:
    base = modified_sample(tmp_path / "base.csv", {}).read_text(encoding="utf-8").splitlines()
    base[3] += ",surplus,cells"
    path = tmp_path / "roster.csv"
    path.write_text("\n".join(base) + "\n", encoding="utf-8")
    refused = _refused(engine, organisation, import_roster_file, path)
    assert [(p.row, p.column) for p in refused.problems] == [(4, "-")]
    assert "2 more value(s) than the header has columns" in str(refused)


def test_a_file_with_only_a_header_is_refused_and_records_nothing(
    engine: Engine, organisation: Organisation, import_roster_file: ImportFile, tmp_path: Path
) -> None:
    header, _ = sample_table()
    path = tmp_path / "roster.csv"
    path.write_text(",".join(header) + "\n", encoding="utf-8")
    refused = _refused(engine, organisation, import_roster_file, path)
    assert "no rows under the header; nothing to import" in str(refused)


def test_an_address_some_relays_refuse_is_imported_with_a_warning_and_a_domain_made_ascii(
    engine: Engine, organisation: Organisation, import_roster_file: ImportFile, tmp_path: Path
) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from storage.models import Event, Worker

    path = modified_sample(
        tmp_path / "roster.csv",
        {"W0014": {"email": "nadège@sample-borough.example"}, "W0015": {"email": "a@exämple.org"}},
    )
    result = import_roster_file(engine, organisation, as_of=AS_OF, path=path)
    assert [(w.row, w.column) for w in result.warnings] == [(_row_of("W0014"), "email")]
    assert "SMTPUTF8" in result.warnings[0].reason and "nadège" not in result.warnings[0].reason
    with Session(engine) as session:
        emails = dict(session.execute(select(Worker.external_id, Worker.email)).all())
        (event,) = session.scalars(select(Event).where(Event.kind == "roster.imported"))
    assert emails["W0014"] == "nadège@sample-borough.example"
    assert emails["W0015"] == "a@xn--exmple-cua.org"  # IDNA: every relay takes it
    assert event.payload["warnings"] == [
        {"row": _row_of("W0014"), "column": "email", "warning": result.warnings[0].reason}
    ]
