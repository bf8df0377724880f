"""The panel-decision deployment on a real Prefect server: started on loopback with its own
database, deployed from prefect.yaml with `prefect deploy`, run by a process worker, with
its parameter the PanelDecision model. A decision submitted twice is recorded once; the
second run fails with a clear message and changes nothing. Every process is stopped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from panel_world import submitted
from prefect_server import run_deployment, running_stack, wait_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flows.stack.processes import Stack
from storage.models import Candidacy, Event, Obligation, OutboxMessage

pytestmark = pytest.mark.integration


@pytest.fixture
def prefect_server(tmp_path: Path, ladder_env: dict[str, str]) -> Iterator[Stack]:
    """`prefect server start` on a free loopback port with a temporary SQLite database, the
    process work pool "ladder" and one worker; all stopped afterwards."""
    with running_stack(tmp_path, workers=1, deploy=False) as stack:
        yield stack


def _decision(**change: Any) -> dict[str, Any]:
    decision = {
        "worker": "W0019",
        "panel": "2026-04-20",
        "outcome": "defer",
        "decided_by": "W0002",
        "reasons": "Leadership across the team is not yet evidenced",
        "further_work": "Lead case conferences",
        "actions": [
            {"title": "Chair two case conferences", "owner": "worker", "due": "2026-06-30"}
        ],
    }
    return {**decision, **change}


def _run(server: Stack, decision: dict[str, Any]) -> dict[str, Any]:
    [run] = wait_for(server, [run_deployment(server, "panel-decision", {"decision": decision})])
    return run


@pytest.mark.usefixtures("staff")
def test_a_decision_through_the_deployment_is_recorded_once(  # type: ignore[no-untyped-def]
    prefect_server: Stack,
    engine,
    organisation,
    document: Path,
    ladder_env,  # noqa: F811
) -> None:
    submitted(engine, organisation, document, Path(ladder_env["LADDER_DATA_DIR"]))
    deployed = prefect_server.prefect("deploy", "--name", "panel-decision")
    assert "panel-decision" in deployed.stdout
    deployment = prefect_server.api("GET", "/deployments/name/panel-decision/panel-decision")
    # The UI builds its form from this schema: the PanelDecision model and its fields.
    schema = deployment["parameter_openapi_schema"]
    model = schema["definitions"]["PanelDecision"]
    assert model["properties"]["outcome"]["enum"] == ["progress", "defer"]
    assert set(model["required"]) == {"worker", "panel", "outcome", "decided_by"}

    # An invalid form (a deferral with no action plan) fails the run and records nothing.
    bad = _run(prefect_server, _decision(actions=[]))
    assert bad["state"]["type"] == "FAILED"
    with Session(engine) as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Event).where(Event.kind == "panel.decided")
            )
            == 0
        )

    first = _run(prefect_server, _decision())
    assert first["state"]["type"] == "COMPLETED", first["state"]
    assert first["name"] == "panel-decision-W0019-2026-04-20"

    def effects() -> tuple[int, int, int]:
        with Session(engine) as session:
            return (
                int(session.scalar(select(func.count()).select_from(Event)) or 0),
                int(session.scalar(select(func.count()).select_from(Obligation)) or 0),
                int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0),
            )

    after_first = effects()
    second = _run(
        prefect_server, _decision(outcome="progress", actions=[], reasons="", further_work="")
    )
    assert second["state"]["type"] == "FAILED"
    assert "a panel decision is final" in second["state"]["message"]
    assert effects() == after_first
    with Session(engine) as session:
        [candidacy] = session.scalars(select(Candidacy)).all()
        assert (candidacy.status, candidacy.outcome) == ("deferred", "defer")
        decided = session.scalars(select(Event).where(Event.kind == "panel.decided")).all()
        assert [e.payload["outcome"] for e in decided] == ["defer"]
        actions = session.scalars(select(Obligation).where(Obligation.kind == "panel.action")).all()
        assert [(a.title, a.due_date) for a in actions] == [
            ("Chair two case conferences", date(2026, 6, 30))
        ]
        mailed = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "panel_outcome")
        ).all()
        assert {m.status for m in mailed} == {"sent"} and len(mailed) == 2
    # The run published its summary for the UI, with ids and no names.
    artifacts = prefect_server.api(
        "POST", "/artifacts/filter", {"artifacts": {"key": {"any_": ["panel-decision"]}}}
    )
    assert len(artifacts) == 1
    assert "W0019" in artifacts[0]["data"] and "Sam Walsh" not in json.dumps(artifacts)
