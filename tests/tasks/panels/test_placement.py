"""Placement on a real database: without a vacancy a progressed worker waits for the next
post of their service."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from panel_world import (
    SENDER,
    progress,
    rows,
    run,
    submitted,
)

from storage.models import (
    Candidacy,
    OutboxMessage,
    Worker,
)
from tasks.panels.decision import decide
from tasks.panels.placement import open_post

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("staff")
def test_without_a_vacancy_the_worker_waits_for_the_next_post_of_their_service(
    engine, organisation, document: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "var"
    submitted(engine, organisation, document, data)
    result = run(
        engine,
        organisation,
        decide,
        decision=progress(),
        today=date(2026, 4, 20),
        data_dir=data,
        sender=SENDER,
    )
    assert result.placement == "waiting"
    assert (
        "on the waiting list"
        in rows(engine, OutboxMessage, OutboxMessage.kind == "panel_outcome")[0].body_text
    )
    _, slotted = run(
        engine,
        organisation,
        open_post,
        team="adults-west",
        level=None,
        actor="W0001",
        today=date(2026, 5, 4),
    )
    assert slotted == []  # another service's post
    _, slotted = run(
        engine,
        organisation,
        open_post,
        team="children-north",
        level=None,
        actor="W0001",
        today=date(2026, 5, 5),
    )
    assert slotted == [("W0019", "children-north")]
    [candidacy] = rows(engine, Candidacy)
    assert candidacy.placement == "slotted"
    assert rows(engine, Worker, Worker.external_id == "W0019")[0].role == "senior_social_worker"


@pytest.mark.usefixtures("staff")
def test_a_post_in_another_team_brings_its_manager_and_a_stale_roster_does_not_undo_it(
    engine, organisation, document: Path, tmp_path: Path, import_roster_file
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "var"
    submitted(engine, organisation, document, data)
    run(
        engine,
        organisation,
        decide,
        decision=progress(),
        today=date(2026, 4, 20),
        data_dir=data,
        sender=SENDER,
    )
    # The only post is in children-south (Dev Kowalski's team, in the South district).
    _, slotted = run(
        engine,
        organisation,
        open_post,
        team="children-south",
        level=None,
        actor="W0001",
        today=date(2026, 5, 5),
    )
    assert slotted == [("W0019", "children-south")]
    [sam] = rows(engine, Worker, Worker.external_id == "W0019")
    [dev] = rows(engine, Worker, Worker.external_id == "W0004")
    assert (sam.role, sam.manager_id, sam.district) == ("senior_social_worker", dev.id, "South")
    assert sam.role_since == date(2026, 5, 5)
    # HR's next roster still shows Sam as a social worker in children-north.
    result = import_roster_file(engine, organisation, as_of=date(2026, 5, 11))
    [warning] = [w for w in result.warnings if w.column in ("role", "team")]
    assert "W0019 was slotted by the progression panel as senior_social_worker in " in str(warning)
    assert "Ladder keeps the slotting: update the HR record to match" in str(warning)
    [sam] = rows(engine, Worker, Worker.external_id == "W0019")
    assert (sam.role, sam.manager_id, sam.district) == ("senior_social_worker", dev.id, "South")
