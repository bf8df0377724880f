"""The deadline on a real database: an incomplete pack rolls over to the next panel keeping
what was in, and both people are told once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from icalendar import Calendar
from panel_world import (
    APRIL,
    JULY,
    count,
    give,
    rows,
    run,
    steps,
)
from sqlalchemy.orm import Session

from definitions.errors import Refused
from storage.models import (
    Candidacy,
    Evidence,
    Obligation,
    OutboxMessage,
    Panel,
)
from tasks.panels.nomination import nominate

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("staff")
def test_an_incomplete_pack_moves_to_the_next_panel_keeping_what_was_in(
    engine, organisation, document: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "var"
    run(
        engine,
        organisation,
        nominate,
        worker="W0020",
        panel=APRIL,
        actor="W0004",
        today=date(2026, 2, 2),
    )
    give(
        engine,
        organisation,
        "W0020",
        "W0004",
        ["direct_observation_report", "social_worker_report"],
        document,
        data,
    )
    # On the deadline day itself nothing is locked: the day is whole.
    assert steps(engine, organisation, date(2026, 4, 2), data)["packs_rolled_over"] == 0
    # After the deadline nothing more goes in, even before the daily run has locked the pack.
    with pytest.raises(Refused, match="deadline for the panel on 2026-04-20 was 2026-04-02"):
        give(
            engine,
            organisation,
            "W0020",
            "W0004",
            ["pe1_evidence"],
            document,
            data,
            on=date(2026, 4, 3),
        )
    counts = steps(engine, organisation, date(2026, 4, 3), data)
    assert counts["packs_rolled_over"] == 1 and counts["packs_submitted"] == 0
    first, moved = rows(engine, Candidacy)
    assert (first.status, moved.status, moved.previous_id) == ("rolled_over", "nominated", first.id)
    with Session(engine) as session:
        assert session.get(Panel, moved.panel_id).meets_on == JULY
    carried = rows(engine, Evidence, Evidence.candidacy_id == moved.id)
    assert sorted(e.item for e in carried) == ["direct_observation_report", "social_worker_report"]
    assert all(e.carried_from is not None for e in carried)
    still = rows(engine, Obligation, Obligation.source.like(f"panel:{moved.id}:evidence:%"))
    assert sorted(o.milestone for o in still) == [
        "external_professional_report",
        "pe1_evidence",
        "team_manager_report",
        "training_pathway",
    ]
    assert {o.due_date for o in still} == {date(2026, 7, 6)}
    old = rows(
        engine,
        Obligation,
        Obligation.source.like(f"panel:{first.id}:%"),
        Obligation.status == "open",
    )
    assert old == []
    told = rows(engine, OutboxMessage, OutboxMessage.kind == "panel_rollover")
    assert sorted(m.to_address for m in told) == [
        "dev.kowalski@sample-borough.example",
        "tariq.ahmed@sample-borough.example",
    ]
    body = told[0].body_text
    assert "Team manager's report (each PCF capability)" in body and "Monday 6 July 2026" in body
    assert (
        "Social worker's report" not in body.split("Still missing:")[1].split("The nomination")[0]
    )
    # The candidate's calendar entry moves with them: the same invite, a later version, at
    # the next panel's day; the manager's mail carries none.
    mine = next(m for m in told if m.to_address.startswith("tariq"))
    theirs = next(m for m in told if m.to_address.startswith("dev"))
    assert theirs.ics is None and mine.ics
    event = Calendar.from_ical(mine.ics).walk("VEVENT")[0]
    assert str(event["uid"]).startswith("panel-candidate-")
    assert int(event["sequence"]) == moved.id > first.id
    assert event.decoded("dtstart").date() == date(2026, 7, 20)
    assert str(Calendar.from_ical(mine.ics)["method"]) == "REQUEST"
    # Running the step again changes nothing and tells nobody twice.
    again = steps(engine, organisation, date(2026, 4, 4), data)
    assert again["packs_rolled_over"] == 0
    assert count(engine, OutboxMessage, OutboxMessage.kind == "panel_rollover") == 2
