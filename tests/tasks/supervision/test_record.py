"""Supervision recorded one at a time or from a log: the open item closes, the next one is
dated from it, only the right people may record, and a log is all or nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from training_world import write

from definitions.errors import BadInput, NotFound, Refused
from definitions.roster import RosterError
from storage.models import Event, Obligation, SupervisionRecord, Worker
from tasks.supervision.record import import_supervision_log, record_supervision
from tasks.supervision.schedule import ensure_supervision_items

pytestmark = pytest.mark.integration

TODAY = date(2026, 3, 2)


def items(engine, worker: str) -> list[Obligation]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        found = list(
            session.scalars(
                select(Obligation)
                .join(Worker, Worker.id == Obligation.subject_id)
                .where(Worker.external_id == worker, Obligation.kind == "supervision")
                .order_by(Obligation.id)
            )
        )
        session.expunge_all()
        return found


def schedule(engine, organisation) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session, session.begin():
        return ensure_supervision_items(session, organisation)


def record(engine, organisation, worker: str, on: date, by: str, **kw):  # type: ignore[no-untyped-def]
    with Session(engine) as session, session.begin():
        return record_supervision(
            session, organisation, worker=worker, held_on=on, by=by, today=TODAY, **kw
        )


@pytest.fixture
def scheduled(engine, organisation, staffed) -> None:  # type: ignore[no-untyped-def]
    assert schedule(engine, organisation) > 0


@pytest.mark.usefixtures("scheduled")
def test_every_scheduled_worker_has_one_next_supervision(engine, organisation) -> None:  # type: ignore[no-untyped-def]
    # Sam Walsh (W0019), social worker since 2018, never recorded: a month from the start.
    (item,) = items(engine, "W0019")
    assert item.status == "open" and item.due_date == date(2018, 2, 9)
    assert item.responsible_role == "manager"  # no supervisor on the roster
    # Kiran Shah (W0011), NQSW from 1 September 2025, supervised by W0027: a week in.
    (kiran,) = items(engine, "W0011")
    assert kiran.due_date == date(2025, 9, 8)
    assert kiran.responsible_role == "supervisor"
    assert kiran.rule == (
        "started as Newly qualified social worker (ASYE) on 1 September 2025; supervision every "
        "1 week for the first 6 weeks in the role, so the first by 8 September 2025"
    )
    # The workforce lead and HR have no schedule; a second pass adds nothing.
    assert items(engine, "W0001") == []
    assert schedule(engine, organisation) == 0


@pytest.mark.usefixtures("scheduled")
def test_recording_closes_the_item_and_dates_the_next_from_it(engine, organisation) -> None:  # type: ignore[no-untyped-def]
    result = record(engine, organisation, "W0019", date(2026, 2, 27), "W0003", notes="caseload")
    assert result.new and result.next_due == date(2026, 3, 27)
    first, second = items(engine, "W0019")
    assert first.status == "done" and first.closed_on == date(2026, 2, 27)
    assert second.status == "open" and second.due_date == date(2026, 3, 27)
    assert second.rule == (
        "last supervision on 27 February 2026; supervision every 1 month, so the next by "
        "27 March 2026"
    )
    # Recorded twice (a re-run): nothing changes.
    again = record(engine, organisation, "W0019", date(2026, 2, 27), "W0003")
    assert not again.new and again.next_due == date(2026, 3, 27)
    assert len(items(engine, "W0019")) == 2
    with Session(engine) as session:
        notes = session.scalars(select(SupervisionRecord.notes)).all()
        kinds = session.scalars(
            select(Event.kind).where(Event.kind.startswith("supervision"))
        ).all()
    assert notes == ["caseload"]
    assert sorted(kinds) == ["supervision.item_closed", "supervision.recorded"]


@pytest.mark.usefixtures("scheduled")
def test_an_older_supervision_filled_in_late_is_history_only(engine, organisation) -> None:  # type: ignore[no-untyped-def]
    record(engine, organisation, "W0019", date(2026, 2, 27), "W0003")
    record(engine, organisation, "W0019", date(2026, 1, 30), "W0003")
    assert [(o.status, o.due_date) for o in items(engine, "W0019")] == [
        ("done", date(2018, 2, 9)),
        ("open", date(2026, 3, 27)),
    ]


@pytest.mark.usefixtures("scheduled")
def test_only_the_workers_supervisor_manager_or_a_named_role_may_record(
    engine, organisation
) -> None:  # type: ignore[no-untyped-def]
    # W0004 manages another team; W0036 is a care worker; W9999 is nobody.
    with pytest.raises(Refused, match="W0004 is not W0019's supervisor or manager.*workforce lead"):
        record(engine, organisation, "W0019", date(2026, 2, 27), "W0004")
    with pytest.raises(Refused, match="cannot record their own supervision"):
        record(engine, organisation, "W0019", date(2026, 2, 27), "W0019")
    with pytest.raises(NotFound, match="no supervisor with id 'W9999'"):
        record(engine, organisation, "W0019", date(2026, 2, 27), "W9999")
    with pytest.raises(BadInput, match="in the future"):
        record(engine, organisation, "W0019", date(2026, 3, 3), "W0003")
    # The workforce lead may record for anyone.
    assert record(engine, organisation, "W0019", date(2026, 2, 27), "W0001").new
    # Kiran Shah's supervisor W0027 may, though not her manager.
    assert record(engine, organisation, "W0011", date(2026, 2, 27), "W0027").new


def log(tmp_path: Path, rows: list[tuple[str, ...]]) -> Path:
    return write(
        tmp_path / "supervision.csv", ["external_id", "held_on", "supervisor_id", "notes"], rows
    )


@pytest.mark.usefixtures("scheduled")
def test_a_supervision_log_is_imported_once_and_dates_each_next(
    engine, organisation, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = log(
        tmp_path,
        [
            ("W0019", "2026-01-30", "W0003", ""),
            ("W0019", "2026-02-27", "W0003", "good"),
            ("W0011", "2026-02-23", "W0027", ""),
        ],
    )
    with Session(engine) as session, session.begin():
        assert import_supervision_log(session, organisation, path, actor="W0001", today=TODAY) == (
            3,
            3,
        )
    assert items(engine, "W0019")[-1].due_date == date(2026, 3, 27)
    # Kiran Shah, in her sixth month: fortnightly, so Monday 9 March.
    assert items(engine, "W0011")[-1].due_date == date(2026, 3, 9)
    with Session(engine) as session, session.begin():
        assert import_supervision_log(session, organisation, path, actor="W0001", today=TODAY) == (
            3,
            0,
        )
    assert len(items(engine, "W0019")) == 2


@pytest.mark.usefixtures("scheduled")
def test_a_bad_log_names_every_problem_and_records_nothing(
    engine, organisation, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = log(
        tmp_path,
        [
            ("W0019", "2026-02-27", "W0003", ""),
            ("W9999", "2026-02-27", "W0003", ""),
            ("W0019", "27/02/2026", "W0003", ""),
            ("W0019", "2026-02-27", "W0003", "again"),
            ("W0011", "2026-03-09", "W0027", ""),
        ],
    )
    with pytest.raises(RosterError) as caught, Session(engine) as session, session.begin():
        import_supervision_log(session, organisation, path, actor="W0001", today=TODAY)
    message = str(caught.value)
    assert "supervision.csv row 3, column external_id: 'W9999' is not a worker" in message
    assert "row 4, column held_on: '27/02/2026' is not a date; use YYYY-MM-DD" in message
    assert "row 5, column held_on: the same supervision as row 2" in message
    assert "row 6, column held_on: 2026-03-09 is in the future" in message
    with Session(engine) as session:
        assert session.scalars(select(SupervisionRecord)).all() == []
    refused = pytest.raises(Refused, match="only a workforce lead or head of service may import")
    with refused, Session(engine) as session, session.begin():
        import_supervision_log(session, organisation, path, actor="W0036", today=TODAY)


@pytest.mark.usefixtures("scheduled")
def test_supervision_pauses_while_the_roster_shows_someone_on_leave(engine, organisation) -> None:  # type: ignore[no-untyped-def]
    """Sam Walsh goes on leave: his open supervision is cancelled, not chased while he is
    away; back at work, the next one is dated again from the last held."""
    record(engine, organisation, "W0019", date(2026, 2, 27), "W0003")
    with Session(engine) as session, session.begin():
        sam = session.scalars(select(Worker).where(Worker.external_id == "W0019")).one()
        sam.status = "leave"
    assert schedule(engine, organisation) == 0
    assert [o.status for o in items(engine, "W0019")] == ["done", "cancelled"]
    with Session(engine) as session, session.begin():
        sam = session.scalars(select(Worker).where(Worker.external_id == "W0019")).one()
        sam.status = "active"
    assert schedule(engine, organisation) == 1
    *_, back = items(engine, "W0019")
    assert (back.status, back.due_date) == ("open", date(2026, 3, 27))
