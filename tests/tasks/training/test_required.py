"""Training never done: every module a role requires is an item from the day the worker
started in the role, until a completion closes it."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from training_world import completions, run_import

from definitions.loader import SAMPLE_ORGANISATION, ProgrammeFileError, load_organisation
from storage.models import Event, Obligation, Worker
from storage.obligations import overdue_by_kind
from tasks.training.required import REQUIRED, ensure_required_items

pytestmark = pytest.mark.integration


def required_items(engine, worker: str) -> dict[str, Obligation]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        stmt = (
            select(Obligation)
            .join(Worker, Worker.id == Obligation.subject_id)
            .where(Worker.external_id == worker, Obligation.kind == REQUIRED)
            .order_by(Obligation.id)
        )
        found = {o.milestone: o for o in session.scalars(stmt)}
        session.expunge_all()
        return found


def edited_roster(tmp_path: Path, changes: dict[str, dict[str, str]]) -> Path:
    """The sample roster with some workers' columns changed."""
    with (SAMPLE_ORGANISATION / "roster.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row.update(changes.get(row["external_id"], {}))
    path = tmp_path / "roster.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.usefixtures("staffed")
def test_training_never_done_is_an_item_from_the_start_date(engine) -> None:  # type: ignore[no-untyped-def]
    # W0036 Jade Kaur, care worker since Mon 15 May 2023: safeguarding and data protection
    # within 30 days (Wed 14 June 2023), first aid within 12 weeks (Mon 7 August 2023).
    items = required_items(engine, "W0036")
    assert sorted(items) == ["data_protection", "first_aid", "safeguarding"]
    assert items["safeguarding"].due_date == date(2023, 6, 14)
    assert items["first_aid"].due_date == date(2023, 8, 7)
    assert items["data_protection"].title == (
        "Data protection and information governance (required for your role)"
    )
    assert items["safeguarding"].rule == (
        "started as Care worker on 15 May 2023; required within 30 days, so by 14 June 2023"
    )
    assert items["first_aid"].responsible_role == "worker"
    assert items["first_aid"].reminder_policy == "required_training"
    # A social worker's role does not ask for first aid.
    assert sorted(required_items(engine, "W0019")) == ["data_protection", "safeguarding"]


@pytest.mark.usefixtures("staffed")
def test_a_due_date_on_a_bank_holiday_moves_to_the_working_day_before(
    engine, organisation, tmp_path: Path, import_roster_file
) -> None:  # type: ignore[no-untyped-def]
    # Started Fri 24 July 2026: 30 days later is Sun 23 August 2026 (due Fri 21 August);
    # started Sat 1 August: 30 days later is the summer bank holiday, Mon 31 August 2026.
    path = edited_roster(
        tmp_path, {"W0036": {"start_date": "2026-07-24"}, "W0035": {"start_date": "2026-08-01"}}
    )
    import_roster_file(engine, organisation, as_of=date(2026, 7, 1), path=path)
    with Session(engine) as session, session.begin():
        # The start dates changed after the items were made: new starters' items come from
        # the sweep, so drop these and ask again.
        session.query(Obligation).filter(Obligation.kind == REQUIRED).delete()
        ensure_required_items(session, organisation)
    jade = required_items(engine, "W0036")["safeguarding"]
    assert jade.due_date == date(2026, 8, 21)
    assert jade.rule == (
        "started as Care worker on 24 July 2026; required within 30 days, so by 23 August 2026; "
        "23 August 2026 is a Sunday, so it is due the working day before, Friday 21 August 2026"
    )
    other = required_items(engine, "W0035")["safeguarding"]
    assert other.due_date == date(2026, 8, 28)
    assert other.rule.endswith(
        "so by 31 August 2026; Monday 31 August 2026 is Late Summer Bank Holiday, so it is due "
        "the working day before, Friday 28 August 2026"
    )


@pytest.mark.usefixtures("staffed")
def test_a_completion_closes_the_item_and_it_is_not_made_again(
    engine, organisation, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    result = run_import(
        engine,
        organisation,
        completions(tmp_path / "dp.csv", [("W0036", "data_protection", "2025-12-10")]),
    )
    assert result[1].required_done == 1
    item = required_items(engine, "W0036")["data_protection"]
    assert item.status == "done"
    with Session(engine) as session, session.begin():
        assert ensure_required_items(session, organisation) == 0
    assert required_items(engine, "W0036")["data_protection"].status == "done"
    assert required_items(engine, "W0036")["first_aid"].status == "open"


@pytest.mark.usefixtures("staffed")
def test_a_move_into_a_new_role_dates_its_training_from_the_move(
    engine, organisation, tmp_path: Path, import_roster_file
) -> None:  # type: ignore[no-untyped-def]
    # Jade Kaur becomes a social worker on Tue 6 January 2026 (no first aid): the open first
    # aid item is cancelled.
    before = required_items(engine, "W0036")
    moved = edited_roster(tmp_path, {"W0036": {"role": "social_worker"}})
    # A move across tracks, which HR means (the ladder does not list it).
    import_roster_file(
        engine, organisation, as_of=date(2026, 1, 6), path=moved, allow_unlisted_move=True
    )
    after = required_items(engine, "W0036")
    assert after["first_aid"].status == "cancelled"
    # Never done safeguarding is still owed: the item made at her start stays open.
    assert after["safeguarding"].id == before["safeguarding"].id
    assert after["safeguarding"].status == "open"
    with Session(engine) as session:
        jade = session.scalars(select(Worker).where(Worker.external_id == "W0036")).one()
        assert jade.role_since == date(2026, 1, 6)


@pytest.mark.usefixtures("staffed")
def test_a_new_role_that_requires_more_dates_it_from_the_move(
    engine, organisation, tmp_path: Path, import_roster_file
) -> None:  # type: ignore[no-untyped-def]
    # Sam Walsh, social worker (no first aid), becomes a para social worker on Tue 6 January
    # 2026: first aid is due 12 weeks after the move, Tue 31 March 2026.
    moved = edited_roster(tmp_path, {"W0019": {"role": "para_social_worker"}})
    import_roster_file(
        engine, organisation, as_of=date(2026, 1, 6), path=moved, allow_unlisted_move=True
    )
    item = required_items(engine, "W0019")["first_aid"]
    assert item.due_date == date(2026, 3, 31)
    assert item.rule == (
        "moved into the role of Para social worker on 6 January 2026; required within 12 weeks, "
        "so by 31 March 2026"
    )


@pytest.mark.usefixtures("staffed")
def test_a_leavers_open_items_close_as_left_and_leave_the_overdue_counts(
    engine, organisation, tmp_path: Path, import_roster_file
) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        overdue_before = sum(overdue_by_kind(session, as_of=date(2026, 1, 6)).values())
    gone = edited_roster(tmp_path, {"W0036": {"status": "left"}})
    import_roster_file(engine, organisation, as_of=date(2026, 1, 6), path=gone)
    items = required_items(engine, "W0036")
    assert {o.status for o in items.values()} == {"left"}
    assert {o.closed_on for o in items.values()} == {date(2026, 1, 6)}
    with Session(engine) as session:
        overdue_after = sum(overdue_by_kind(session, as_of=date(2026, 1, 6)).values())
        jade = session.scalars(select(Worker).where(Worker.external_id == "W0036")).one()
        (event,) = session.scalars(
            select(Event).where(Event.kind == "roster.left", Event.subject_id == jade.id)
        )
    assert overdue_after == overdue_before - 3
    assert event.payload == {"items_closed": 3}


def test_required_training_names_a_module_and_roles_the_organisation_has(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "org"
    shutil.copytree(SAMPLE_ORGANISATION, folder)
    path = folder / "training.yaml"
    text = path.read_text()
    head, _, required = text.partition("\nrequired:\n")
    misspelt = required.replace("module: data_protection", "module: data_protecton", 1)
    path.write_text(f"{head}\nrequired:\n{misspelt}")
    with pytest.raises(ProgrammeFileError) as caught:
        load_organisation(folder)
    message = str(caught.value)
    assert "training.yaml, line" in message and "field required[1].module" in message
    assert "did you mean `data_protection`" in message
    path.write_text(text.replace("within: {weeks: 12}", "within: {weeks: 12, days: 3}"))
    with pytest.raises(ProgrammeFileError, match="exactly one of days, weeks, months or years"):
        load_organisation(folder)
