"""Importing the roster CSV: counts, idempotent re-imports, and all-or-nothing on bad files.

Rows are numbered as a spreadsheet numbers them: the header is row 1, so the sample's
W0001 is row 2 and W0014 (Nadia Nowak) is row 15. Every bad file is a copy of the sample
roster with one or more cells changed, written to the test's tmp_path.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from definitions.loader import SAMPLE_ORGANISATION
from definitions.organisation import Organisation
from definitions.roster import RosterError
from storage.models import Enrolment, Event, LeavePeriod, Obligation, Service, Team, Worker

pytestmark = pytest.mark.integration

SAMPLE_ROWS = 42
NQSWS = ["W0011", "W0012", "W0013", "W0014", "W0015", "W0016", "W0017", "W0018"]
MILESTONES_PER_NQSW = 5  # review_3, review_6, review_9, final_recommendation, assessor_report
AS_OF = date(2026, 1, 5)
SAMPLE_ROSTER = SAMPLE_ORGANISATION / "roster.csv"


# --- helpers -----------------------------------------------------------------------------------


def sample_table() -> tuple[list[str], list[dict[str, str]]]:
    with SAMPLE_ROSTER.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), [dict(row) for row in reader]


def write_roster(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def modified_sample(
    path: Path, changes: dict[str, dict[str, str]], *, drop: tuple[str, ...] = ()
) -> Path:
    """A copy of the sample roster: `changes` maps an external id to the cells to overwrite."""
    header, rows = sample_table()
    for row in rows:
        row.update(changes.get(row["external_id"], {}))
    return write_roster(path, [c for c in header if c not in drop], rows)


def table_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Worker, Event, Obligation, Enrolment, LeavePeriod, Team, Service)
        }


def worker_snapshot(engine: Engine) -> dict[str, tuple[object, ...]]:
    """Every worker's stored fields by external id, with manager and assessor as external ids."""
    with Session(engine) as session:
        ids = dict(session.execute(select(Worker.id, Worker.external_id)).all())
        return {
            w.external_id: (
                w.name,
                w.email,
                w.role,
                w.start_date,
                w.status,
                w.district,
                w.team_id,
                ids.get(w.manager_id or 0),
                ids.get(w.assessor_id or 0),
            )
            for w in session.scalars(select(Worker))
        }


def obligation_snapshot(engine: Engine) -> list[tuple[object, ...]]:
    with Session(engine) as session:
        return [
            (o.source, o.due_date, o.status, o.rule)
            for o in session.scalars(select(Obligation).order_by(Obligation.source))
        ]


ImportFile = Callable[..., object]


# --- the sample --------------------------------------------------------------------------------


def test_sample_import_counts_rows_workers_and_asye_enrolments(
    engine: Engine, organisation: Organisation, import_roster_file: ImportFile
) -> None:
    result = import_roster_file(engine, organisation, as_of=AS_OF)

    assert result.rows == SAMPLE_ROWS
    assert result.inserted == SAMPLE_ROWS
    assert result.updated == 0
    assert result.unchanged == 0
    assert sorted(result.enrolled["asye"]) == NQSWS
    # The new starter joins the induction and the probation (programmes.yaml).
    assert (result.enrolled["induction"], result.enrolled["probation"]) == (["W0042"], ["W0042"])
    counts = table_counts(engine)
    assert counts["workers"] == SAMPLE_ROWS
    assert counts["enrolments"] == len(NQSWS) + 2
    with Session(engine) as session:
        items = list(session.execute(select(Obligation.kind, Obligation.subject_id)).tuples())
        roles = list(session.scalars(select(Worker.role).where(Worker.status == "active")))
        kinds = sorted(session.scalars(select(Event.kind)))
    assert sum(1 for k, _ in items if k.startswith("asye.")) == len(NQSWS) * MILESTONES_PER_NQSW
    # No completions yet: every module a role requires (training.yaml) is an item of its own.
    assert organisation.training is not None
    required = sum(1 for r in organisation.training.required for role in roles if role in r.roles)
    assert sum(1 for k, _ in items if k == "training.required") == required > 0
    new_starter = sum(len(p.milestones) for p in organisation.programmes)
    assert sum(1 for k, _ in items if k.split(".")[0] in ("induction", "probation")) == new_starter
    assert len(items) == len(NQSWS) * MILESTONES_PER_NQSW + required + new_starter
    # one asye.enrolled event per NQSW, one enrolment event per programme of the new
    # starter, and one roster.imported event
    assert kinds == ["asye.enrolled"] * len(NQSWS) + [
        "induction.enrolled",
        "probation.enrolled",
        "roster.imported",
    ]


def test_sample_import_links_managers_and_assessors(
    engine: Engine, organisation: Organisation, import_roster_file: ImportFile
) -> None:
    import_roster_file(engine, organisation, as_of=AS_OF)
    workers = worker_snapshot(engine)
    # W0011 Kiran Shah: manager W0003, assessor W0007
    assert workers["W0011"][-2:] == ("W0003", "W0007")
    # W0014 Nadia Nowak: manager W0006, no assessor column value (the manager assesses)
    assert workers["W0014"][-2:] == ("W0006", None)
    assert workers["W0001"][-2:] == (None, None)
    with Session(engine) as session:
        w0014 = session.scalars(select(Worker).where(Worker.external_id == "W0014")).one()
        manager = session.scalars(select(Worker).where(Worker.external_id == "W0006")).one()
        enrolment = session.scalars(select(Enrolment).where(Enrolment.worker_id == w0014.id)).one()
    assert enrolment.start_date == date(2026, 1, 31)
    assert enrolment.assessor_id == manager.id


def test_reimporting_the_same_file_changes_nothing(
    engine: Engine, organisation: Organisation, import_roster_file: ImportFile
) -> None:
    import_roster_file(engine, organisation, as_of=AS_OF)
    before = table_counts(engine)
    workers_before = worker_snapshot(engine)
    obligations_before = obligation_snapshot(engine)

    again = import_roster_file(engine, organisation, as_of=date(2026, 1, 6))

    assert (again.rows, again.inserted, again.updated, again.unchanged) == (
        SAMPLE_ROWS,
        0,
        0,
        SAMPLE_ROWS,
    )
    assert again.enrolled == {"asye": [], "induction": [], "probation": []}
    after = table_counts(engine)
    assert after == {**before, "events": before["events"] + 1}  # one more roster.imported
    assert worker_snapshot(engine) == workers_before
    assert obligation_snapshot(engine) == obligations_before


def test_reimport_with_a_changed_email_and_a_changed_manager_updates_two(
    engine: Engine, organisation: Organisation, import_roster_file: ImportFile, tmp_path: Path
) -> None:
    import_roster_file(engine, organisation, as_of=AS_OF)
    before = table_counts(engine)
    changed = modified_sample(
        tmp_path / "roster.csv",
        {
            "W0014": {"email": "nadia.nowak2@sample-borough.example"},
            "W0019": {"manager_id": "W0004"},  # Sam Walsh moves from W0003 to W0004
        },
    )

    result = import_roster_file(engine, organisation, as_of=date(2026, 1, 6), path=changed)

    assert (result.rows, result.inserted, result.updated, result.unchanged) == (
        SAMPLE_ROWS,
        0,
        2,
        SAMPLE_ROWS - 2,
    )
    workers = worker_snapshot(engine)
    assert workers["W0014"][1] == "nadia.nowak2@sample-borough.example"
    assert workers["W0019"][-2] == "W0004"
    after = table_counts(engine)
    assert after["workers"] == before["workers"]
    assert after["enrolments"] == before["enrolments"]
    assert after["obligations"] == before["obligations"]


def test_one_worker_with_a_changed_email_and_manager_counts_as_one_update(
    engine: Engine, organisation: Organisation, import_roster_file: ImportFile, tmp_path: Path
) -> None:
    import_roster_file(engine, organisation, as_of=AS_OF)
    changed = modified_sample(
        tmp_path / "roster.csv",
        {"W0019": {"email": "sam.walsh2@sample-borough.example", "manager_id": "W0004"}},
    )

    result = import_roster_file(engine, organisation, as_of=date(2026, 1, 6), path=changed)

    assert (result.inserted, result.updated, result.unchanged) == (0, 1, SAMPLE_ROWS - 1)


def test_excel_byte_order_mark_is_accepted(
    engine: Engine, organisation: Organisation, import_roster_file: ImportFile, tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + SAMPLE_ROSTER.read_bytes())

    result = import_roster_file(engine, organisation, as_of=AS_OF, path=path)

    assert result.inserted == SAMPLE_ROWS


# --- bad files: every problem reported, nothing written ----------------------------------------

# (case id, changes by external id, columns dropped, [(row, column), ...] expected in order)
BAD_FILES = [
    pytest.param({}, ("start_date",), [(1, "start_date")], id="missing-start_date-column"),
    pytest.param({"W0014": {"start_date": "31/02/2026"}}, (), [(15, "start_date")], id="bad-date"),
    pytest.param(
        {"W0014": {"manager_id": "W9999"}}, (), [(15, "manager_id")], id="unknown-manager"
    ),
    pytest.param({"W0020": {"external_id": "W0019"}}, (), [(21, "external_id")], id="duplicate-id"),
    pytest.param({"W0014": {"email": "not-an-email"}}, (), [(15, "email")], id="bad-email"),
    pytest.param({"W0014": {"role": "wizard"}}, (), [(15, "role")], id="unknown-role"),
    pytest.param(
        {
            # written in file order 4, 13, 31; the manager problem is found in a second
            # pass, after the others, so this also checks the sort by row
            "W0030": {"start_date": "2026-13-01"},
            "W0012": {"email": "leah.price@@sample-borough.example"},
            "W0003": {"manager_id": "W9999"},
        },
        (),
        [(4, "manager_id"), (13, "email"), (31, "start_date")],
        id="several-bad-rows",
    ),
]


def _assert_reports(exc: RosterError, filename: str, expected: list[tuple[int, str]]) -> None:
    assert [(p.row, p.column) for p in exc.problems] == expected
    message = str(exc)
    assert filename in message
    assert "nothing was imported" in message
    positions = []
    for row, column in expected:
        needle = f"{filename} row {row}, column {column}:"
        assert needle in message, message
        positions.append(message.index(needle))
    assert positions == sorted(positions), "problems are listed in row order"


@pytest.mark.parametrize(("changes", "drop", "expected"), BAD_FILES)
def test_bad_file_into_an_empty_database_writes_nothing(
    engine: Engine,
    organisation: Organisation,
    import_roster_file: ImportFile,
    tmp_path: Path,
    changes: dict[str, dict[str, str]],
    drop: tuple[str, ...],
    expected: list[tuple[int, str]],
) -> None:
    bad = modified_sample(tmp_path / "roster-bad.csv", changes, drop=drop)

    with pytest.raises(RosterError) as caught:
        import_roster_file(engine, organisation, as_of=AS_OF, path=bad)

    _assert_reports(caught.value, "roster-bad.csv", expected)
    assert set(table_counts(engine).values()) == {0}


@pytest.mark.parametrize(("changes", "drop", "expected"), BAD_FILES)
def test_bad_file_after_a_good_import_leaves_the_good_data_untouched(
    engine: Engine,
    organisation: Organisation,
    import_roster_file: ImportFile,
    tmp_path: Path,
    changes: dict[str, dict[str, str]],
    drop: tuple[str, ...],
    expected: list[tuple[int, str]],
) -> None:
    import_roster_file(engine, organisation, as_of=AS_OF)
    counts, workers, obligations = (
        table_counts(engine),
        worker_snapshot(engine),
        obligation_snapshot(engine),
    )
    # a good change on another row must not be applied either: all or nothing
    changes = {**changes, "W0019": {"email": "sam.walsh.new@sample-borough.example"}}
    bad = modified_sample(tmp_path / "roster-bad.csv", changes, drop=drop)

    with pytest.raises(RosterError) as caught:
        import_roster_file(engine, organisation, as_of=date(2026, 1, 6), path=bad)

    _assert_reports(caught.value, "roster-bad.csv", expected)
    assert table_counts(engine) == counts
    assert worker_snapshot(engine) == workers
    assert obligation_snapshot(engine) == obligations


def test_a_new_nqsw_in_a_bad_file_is_not_enrolled(
    engine: Engine, organisation: Organisation, import_roster_file: ImportFile, tmp_path: Path
) -> None:
    import_roster_file(engine, organisation, as_of=AS_OF)
    before = table_counts(engine)
    header, rows = sample_table()
    rows.append({**rows[13], "external_id": "W0099", "email": "new.nqsw@sample-borough.example"})
    rows[20]["role"] = "wizard"  # W0021, row 22
    bad = write_roster(tmp_path / "roster-bad.csv", header, rows)

    with pytest.raises(RosterError) as caught:
        import_roster_file(engine, organisation, as_of=date(2026, 1, 6), path=bad)

    assert [(p.row, p.column) for p in caught.value.problems] == [(22, "role")]
    assert table_counts(engine) == before


@pytest.mark.parametrize(
    "bad_email",
    [
        "not-an-email",
        "nadia nowak@sample-borough.example",
        "nadia.nowak@@sample-borough.example",
        "Nadia Nowak <nadia.nowak@sample-borough.example>",
        "nadia.nowak@sample-borough",
    ],
)
def test_email_problems_do_not_echo_the_address_or_the_name(
    engine: Engine,
    organisation: Organisation,
    import_roster_file: ImportFile,
    tmp_path: Path,
    bad_email: str,
) -> None:
    bad = modified_sample(tmp_path / "roster-bad.csv", {"W0014": {"email": bad_email}})

    with pytest.raises(RosterError) as caught:
        import_roster_file(engine, organisation, as_of=AS_OF, path=bad)

    message = str(caught.value)
    assert [(p.row, p.column) for p in caught.value.problems] == [(15, "email")]
    assert "roster-bad.csv row 15, column email:" in message
    lowered = message.lower()
    assert bad_email.lower() not in lowered
    assert "nadia" not in lowered
    assert "nowak" not in lowered


def test_an_empty_name_is_reported_without_echoing_the_email(
    engine: Engine, organisation: Organisation, import_roster_file: ImportFile, tmp_path: Path
) -> None:
    bad = modified_sample(tmp_path / "roster-bad.csv", {"W0014": {"name": ""}})

    with pytest.raises(RosterError) as caught:
        import_roster_file(engine, organisation, as_of=AS_OF, path=bad)

    assert [(p.row, p.column) for p in caught.value.problems] == [(15, "name")]
    assert "nadia" not in str(caught.value).lower()


# --- known bugs --------------------------------------------------------------------------------


def test_row_numbers_count_spreadsheet_rows_when_a_cell_spans_lines(
    engine: Engine, organisation: Organisation, import_roster_file: ImportFile, tmp_path: Path
) -> None:
    header, rows = sample_table()
    rows[1]["district"] = "Central\n(second floor)"  # W0002, row 3: one cell on two lines
    rows[19]["role"] = "wizard"  # W0020: row 21 in a spreadsheet
    bad = write_roster(tmp_path / "roster-bad.csv", header, rows)

    with pytest.raises(RosterError) as caught:
        import_roster_file(engine, organisation, as_of=AS_OF, path=bad)

    assert [(p.row, p.column) for p in caught.value.problems] == [(21, "role")]


def test_a_corrected_start_date_redates_the_open_date_milestones(
    engine: Engine, organisation: Organisation, import_roster_file: ImportFile, tmp_path: Path
) -> None:
    import_roster_file(engine, organisation, as_of=AS_OF)
    corrected = modified_sample(tmp_path / "roster.csv", {"W0014": {"start_date": "2026-02-02"}})

    import_roster_file(engine, organisation, as_of=date(2026, 2, 3), path=corrected)

    with Session(engine) as session:
        w0014 = session.scalars(select(Worker).where(Worker.external_id == "W0014")).one()
        enrolment = session.scalars(select(Enrolment).where(Enrolment.worker_id == w0014.id)).one()
        review_3 = session.scalars(
            select(Obligation).where(
                Obligation.subject_id == w0014.id, Obligation.milestone == "review_3"
            )
        ).one()
    assert enrolment.start_date == date(2026, 2, 2)
    assert review_3.due_date == date(2026, 5, 1)  # 2026-02-02 + 3 months = Saturday 05-02
