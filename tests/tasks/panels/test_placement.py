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
