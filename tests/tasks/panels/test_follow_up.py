"""After the decision on a real database: signatures once each, and a deferral's action plan
run through to resubmission."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from panel_world import (
    OCTOBER,
    SENDER,
    defer,
    pdf_text,
    rows,
    run,
    submitted,
)

from definitions.errors import NotFound, Refused
from storage.models import (
    Candidacy,
    Event,
    Obligation,
)
from tasks.panels.decision import decide
from tasks.panels.follow_up import complete_action, sign_outcome
from tasks.panels.nomination import nominate

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("staff")
def test_a_deferral_runs_its_action_plan_through_to_resubmission(
    engine, organisation, document: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "var"
    submitted(engine, organisation, document, data)
    run(
        engine,
        organisation,
        decide,
        decision=defer(),
        today=date(2026, 4, 20),
        data_dir=data,
        sender=SENDER,
    )
    actions = rows(engine, Obligation, Obligation.kind == "panel.action")
    assert [(o.title, o.responsible_role, o.due_date, o.reminder_policy) for o in actions] == [
        ("Chair two case conferences", "worker", date(2026, 6, 30), "panel_action"),
        ("Review progress in supervision", "manager", date(2026, 6, 15), "panel_action"),
    ]
    report = rows(engine, Candidacy)[0].report_path
    text = pdf_text(report)
    for expected in (
        "Deferred",
        "Leadership across the team is not yet evidenced",
        "Chair two case conferences",
        "team manager",
        "Signatures",
    ):
        assert expected in text, expected
    # Signatures: the worker and the manager, each once; nobody else.
    assert (
        run(
            engine,
            organisation,
            sign_outcome,
            worker="W0019",
            actor="W0019",
            on=date(2026, 4, 22),
            today=date(2026, 4, 22),
        )
        == "worker"
    )
    with pytest.raises(Refused, match="W0019 already signed"):
        run(
            engine,
            organisation,
            sign_outcome,
            worker="W0019",
            actor="W0019",
            on=date(2026, 4, 23),
            today=date(2026, 4, 23),
        )
    with pytest.raises(Refused, match="W0004 is neither W0019 nor their team manager"):
        run(
            engine,
            organisation,
            sign_outcome,
            worker="W0019",
            actor="W0004",
            on=date(2026, 4, 23),
            today=date(2026, 4, 23),
        )
    run(
        engine,
        organisation,
        sign_outcome,
        worker="W0019",
        actor="W0003",
        on=date(2026, 4, 24),
        today=date(2026, 4, 24),
    )
    assert {o.status for o in rows(engine, Obligation, Obligation.kind == "panel.signature")} == {
        "done"
    }
    # Resubmission waits for every action.
    run(
        engine,
        organisation,
        complete_action,
        worker="W0019",
        item=2,
        actor="W0003",
        on=date(2026, 6, 10),
        today=date(2026, 6, 10),
    )
    with pytest.raises(
        Refused,
        match=r"action plan from the panel on 2026-04-20 has 1 open item\(s\) "
        r"\(Chair two case conferences\)",
    ):
        run(
            engine,
            organisation,
            nominate,
            worker="W0019",
            panel=OCTOBER,
            actor="W0003",
            today=date(2026, 6, 11),
        )
    with pytest.raises(NotFound, match="there is no item 3"):
        run(
            engine,
            organisation,
            complete_action,
            worker="W0019",
            item=3,
            actor="W0003",
            on=date(2026, 6, 10),
            today=date(2026, 6, 10),
        )
    done = run(
        engine,
        organisation,
        complete_action,
        worker="W0019",
        item=1,
        actor="W0003",
        on=date(2026, 6, 29),
        today=date(2026, 6, 29),
    )
    assert done.ready_to_resubmit
    again = run(
        engine,
        organisation,
        nominate,
        worker="W0019",
        panel=OCTOBER,
        actor="W0003",
        today=date(2026, 7, 1),
    )
    first = rows(engine, Candidacy)[0]
    assert again.previous_id == first.id
    kinds = [e.kind for e in rows(engine, Event, Event.kind.like("panel.%"))]
    assert kinds.index("panel.action_plan_complete") < kinds.index("panel.resubmitted")
    # The pack starts again: every document is asked for anew for the new panel.
    fresh = rows(
        engine,
        Obligation,
        Obligation.source.like(f"panel:{again.id}:evidence:%"),
        Obligation.status == "open",
    )
    assert len(fresh) == 5 and {o.due_date for o in fresh} == {date(2026, 10, 5)}
