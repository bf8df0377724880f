"""Decisions on a real database: final and recorded once; progress slots the worker into a
vacant post of their service."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from panel_world import (
    APRIL,
    SENDER,
    count,
    defer,
    pdf_text,
    progress,
    rows,
    run,
    submitted,
)

from definitions.errors import BadInput, Refused
from storage.models import (
    Award,
    Candidacy,
    Event,
    Obligation,
    OutboxMessage,
    Post,
    TrainingNeed,
    Worker,
)
from tasks.panels.decision import decide
from tasks.panels.placement import open_post

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("staff")
def test_a_decision_is_final_and_recorded_once(
    engine, organisation, document: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "var"
    submitted(engine, organisation, document, data)
    with pytest.raises(Refused, match="W0003 is a team_manager, not a member of the panel"):
        run(
            engine,
            organisation,
            decide,
            decision=progress().model_copy(update={"decided_by": "W0003"}),
            today=date(2026, 4, 20),
            data_dir=data,
            sender=SENDER,
        )
    with pytest.raises(BadInput, match="before the panel met"):
        run(
            engine,
            organisation,
            decide,
            decision=progress().model_copy(update={"decided_on": date(2026, 4, 17)}),
            today=date(2026, 4, 20),
            data_dir=data,
            sender=SENDER,
        )
    with pytest.raises(Refused, match="W0020 was not a candidate at the panel on 2026-04-20"):
        run(
            engine,
            organisation,
            decide,
            decision=progress("W0020"),
            today=date(2026, 4, 20),
            data_dir=data,
            sender=SENDER,
        )
    first = run(
        engine,
        organisation,
        decide,
        decision=defer(),
        today=date(2026, 4, 20),
        data_dir=data,
        sender=SENDER,
    )
    assert (first.outcome, first.actions) == ("defer", 2)
    events = count(engine, Event)
    messages = count(engine, OutboxMessage)
    for second in (progress(), defer()):
        with pytest.raises(
            Refused,
            match="already decided W0019: defer, recorded by W0002 on 2026-04-20; a panel "
            "decision is final",
        ):
            run(
                engine,
                organisation,
                decide,
                decision=second,
                today=date(2026, 4, 21),
                data_dir=data,
                sender=SENDER,
            )
    assert (count(engine, Event), count(engine, OutboxMessage)) == (events, messages)
    [candidacy] = rows(engine, Candidacy)
    assert (candidacy.status, candidacy.outcome, candidacy.decided_by) == (
        "deferred",
        "defer",
        "W0002",
    )


@pytest.mark.usefixtures("staff")
def test_progress_slots_the_worker_into_a_vacant_post_of_their_service(
    engine, organisation, document: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "var"
    submitted(engine, organisation, document, data)
    run(
        engine,
        organisation,
        open_post,
        team="adults-east",
        level=None,
        actor="W0001",
        today=date(2026, 4, 1),
    )
    run(
        engine,
        organisation,
        open_post,
        team="children-south",
        level=None,
        actor="W0001",
        today=date(2026, 4, 1),
    )
    result = run(
        engine,
        organisation,
        decide,
        decision=progress(),
        today=date(2026, 4, 20),
        data_dir=data,
        sender=SENDER,
    )
    assert (result.placement, result.post_team) == ("slotted", "children-south")
    [worker] = rows(engine, Worker, Worker.external_id == "W0019")
    assert worker.role == "senior_social_worker"
    posts = {p.team_id: p for p in rows(engine, Post)}
    assert sorted(p.status for p in posts.values()) == ["filled", "vacant"]
    [award] = rows(engine, Award, Award.kind == "progression")
    assert (award.key, award.achieved_on, award.status) == (
        "senior_social_worker",
        APRIL,
        "waiting",
    )
    [need] = rows(engine, TrainingNeed)
    assert need.level == "social_worker" and "moved up" in need.reason
    mails = rows(engine, OutboxMessage, OutboxMessage.kind == "panel_outcome")
    assert sorted(m.to_address for m in mails) == [
        "chloe.patel@sample-borough.example",
        "sam.walsh@sample-borough.example",
    ]
    assert all(m.attachment_name == "progression-outcome-W0019-2026-04-20.pdf" for m in mails)
    text = pdf_text(mails[0].attachment_path)
    assert (
        "Progress: slotted into a vacant post" in text and "The panel's decision is final." in text
    )
    assert "slotted into the vacant post in Children's services, south team" in mails[0].body_text
    # Both sign by Monday 4 May 2026 (14 days on; a bank holiday, so the working day before).
    sign = rows(engine, Obligation, Obligation.kind == "panel.signature")
    assert {(o.responsible_role, o.due_date) for o in sign} == {
        ("worker", date(2026, 5, 1)),
        ("manager", date(2026, 5, 1)),
    }
