"""Moves in the roster: promotions and lattice moves are recorded with the credit they
carry; a move the ladder and lattice do not allow is refused, the allowed ones listed,
unless the import says HR means it."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.loader import SAMPLE_ORGANISATION
from definitions.roster import RosterError
from storage.models import Event, Worker
from tasks.roster.roster_import import import_roster

pytestmark = pytest.mark.integration


def roster(tmp_path: Path, changes: dict[str, dict[str, str]]) -> Path:
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


def load(engine, organisation, path: Path, **kw):  # type: ignore[no-untyped-def]
    with Session(engine) as session, session.begin():
        return import_roster(
            session, organisation, path, as_of=date(2026, 3, 2), actor="W0001", **kw
        )


def moved(engine) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    with Session(engine) as session:
        return {
            external_id: payload
            for external_id, payload in session.execute(
                select(Worker.external_id, Event.payload)
                .join(Worker, Worker.id == Event.subject_id)
                .where(Event.kind == "roster.moved")
            ).all()
        }


@pytest.fixture
def imported(engine, organisation, import_roster_file) -> None:  # type: ignore[no-untyped-def]
    import_roster_file(engine, organisation, as_of=date(2026, 1, 5))


@pytest.mark.usefixtures("imported")
def test_a_move_off_the_ladder_and_lattice_is_refused_with_the_moves_allowed(
    engine, organisation, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # W0031 para social worker (children) -> care worker: another track.
    path = roster(tmp_path, {"W0031": {"role": "care_worker"}})
    with pytest.raises(RosterError) as caught:
        load(engine, organisation, path)
    message = str(caught.value)
    assert (
        "row 32, column role: W0031 moves from para_social_worker (children) to care_worker"
        in message
    )
    assert (
        "allowed from para_social_worker: up to senior_para_social_worker or para_supervisor"
        in message
    )
    assert "across to adults as para_social_worker" in message
    assert "--allow-unlisted-move" in message
    with Session(engine) as session:
        assert session.scalar(select(Worker.role).where(Worker.external_id == "W0031")) == (
            "para_social_worker"
        )
    load(engine, organisation, path, allow_unlisted_move=True)
    assert moved(engine)["W0031"]["move"] == "unlisted"


@pytest.mark.usefixtures("imported")
def test_promotions_and_lattice_moves_are_recorded_with_the_credit_they_carry(
    engine, organisation, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = roster(
        tmp_path,
        {
            "W0019": {"role": "senior_social_worker"},  # up the social work track
            "W0020": {"service": "adults", "team": "adults-east", "manager_id": "W0005"},
        },
    )
    load(engine, organisation, path)
    events = moved(engine)
    assert events["W0019"]["move"] == "promotion"
    assert events["W0019"]["to"]["role"] == "senior_social_worker"
    assert events["W0020"]["move"] == "lattice"
    assert events["W0020"]["keeps_credit"] is True
    assert events["W0020"]["from"] == {"role": "social_worker", "service": "children"}
    assert events["W0020"]["completions_carried"] == 0
