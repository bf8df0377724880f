"""Every human decision as a flow whose parameter is a pydantic model (the Prefect UI's
form): a bad form fails the run and writes nothing; a good one is recorded once; a second
attempt fails with the reason and changes nothing. Imports, panel steps and the weekly
report as flows, with their artifacts (ids, no names)."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from panel_world import ITEMS, OBSERVED, run
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from definitions.roster import REQUIRED_COLUMNS
from flows.daily import daily
from flows.decisions import asye_review, credit_decision, evidence_received
from flows.imports import import_file, import_inbox
from flows.panels import panel_steps_flow
from flows.reports import weekly_report
from storage.leases import give_back, take
from storage.models import CreditRequest, Event, Evidence, Worker
from tasks.panels.calendar import schedule_panel
from tasks.panels.nomination import nominate
from tasks.training.credit import request_credit

LATER = date(2030, 6, 10)  # a Monday
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness", "ladder_env")]


def artifacts(*keys: str, run: Any = None) -> dict[str, Any]:
    """The newest artifact of each key (of one flow run, given its id: the harness is
    shared by the whole session, and a read returns a page, not every artifact)."""
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=list(keys)),
                flow_run_id=ArtifactFilterFlowRunId(any_=[run]) if run else None,
            )
        )
    return {a.key: a for a in sorted(found, key=lambda a: a.created)}


def count(engine, model, *where) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def review(**change: Any) -> dict[str, Any]:
    form = {
        "worker": "W0014",
        "milestone": "review_3",
        "outcome": "on_track",
        "recorded_by": "W0006",
        "occurred_on": "2026-04-29",
    }
    return {**form, **change}


def test_an_asye_review_from_the_form_is_recorded_once(  # type: ignore[no-untyped-def]
    engine, organisation, import_roster_file, caplog
) -> None:
    import_roster_file(engine, organisation, as_of=date(2026, 1, 1))
    recorded = Event.kind == "asye.review_recorded"
    caplog.set_level(logging.INFO)

    # Someone who may not record it (a care worker), and someone not on the roster: a clean
    # Failed run whose message names who may, with no error logged and no traceback.
    for actor, reason in (
        ("W0036", "nor their manager, nor a workforce_lead or head_of_service"),
        ("W9999", "no recorder with id 'W9999' is on the roster"),
    ):
        state = asye_review(review=review(recorded_by=actor), return_state=True)
        assert state.is_failed() and reason in state.message
    noisy = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not noisy, [r.getMessage() for r in noisy]

    # The form's shape is checked before anything runs: a missing field, an unknown one.
    for bad, field in (
        ({k: v for k, v in review().items() if k != "worker"}, "review.worker: Field required"),
        (review(mood="good"), "review.mood: Extra inputs are not permitted"),
    ):
        state = asye_review(review=bad, return_state=True)
        assert state.is_failed() and "invalid parameters" in state.message
        assert field in state.message
    # The programme's rules are checked when it is recorded, with the reason.
    state = asye_review(review=review(outcome="great"), return_state=True)
    assert state.is_failed() and "'great' is not an outcome" in state.message
    assert count(engine, Event, recorded) == 0

    state = asye_review(review=review(), return_state=True)
    assert state.is_completed(), state.message
    assert state.result()["outcome"] == "on_track"
    assert count(engine, Event, recorded) == 1
    # The history names the person and the channel: this form run.
    with Session(engine) as session:
        event = session.scalars(select(Event).where(recorded)).one()
    assert (event.actor, event.channel) == ("W0006", f"form:{state.state_details.flow_run_id}")

    state = asye_review(review=review(outcome="concerns"), return_state=True)
    assert state.is_failed() and "recorded once" in state.message
    assert count(engine, Event, recorded) == 1
    summary = str(artifacts("asye-review")["asye-review"].data)
    assert "W0014" in summary and "on_track" in summary
    with Session(engine) as session:
        name = session.scalar(select(Worker.name).where(Worker.external_id == "W0014"))
    assert name and name not in summary


def test_a_credit_decision_from_the_form_is_decided_once(  # type: ignore[no-untyped-def]
    engine, organisation, import_roster_file
) -> None:
    import_roster_file(engine, organisation, as_of=date(2026, 1, 1))
    request_id = run(
        engine,
        organisation,
        request_credit,
        worker="W0032",
        module="psw_child_protection",
        learned_on=date(2024, 11, 1),
        evidence="NGO child protection certificate 2024",
        actor="W0004",
        today=date(2026, 1, 5),
    ).id
    form = {
        "request": request_id,
        "approve": True,
        "reason": "certificate seen",
        "decided_by": "W0004",
    }
    state = credit_decision(decision=form, return_state=True)  # a team manager may not
    assert state.is_failed() and "credit is decided by" in state.message
    state = credit_decision(decision={**form, "reason": ""}, return_state=True)
    assert state.is_failed() and "reason" in state.message

    state = credit_decision(decision={**form, "decided_by": "W0001"}, return_state=True)
    assert state.is_completed(), state.message
    assert state.result() == {
        "request": request_id,
        "status": "approved",
        "module": "psw_child_protection",
    }
    state = credit_decision(
        decision={**form, "approve": False, "decided_by": "W0002"}, return_state=True
    )
    assert state.is_failed() and "a decision is recorded once" in state.message
    with Session(engine) as session:
        assert session.get(CreditRequest, request_id).status == "approved"  # type: ignore[union-attr]


@pytest.mark.usefixtures("staff")
def test_evidence_from_the_form_is_checked_stored_and_ticked_off(  # type: ignore[no-untyped-def]
    engine, organisation, document: Path, ladder_env
) -> None:
    # A panel years ahead: the form is recorded "today", before its deadline.
    run(
        engine,
        organisation,
        schedule_panel,
        meets_on=LATER,
        at="10:00",
        where="Room 1",
        actor="W0001",
        today=date(2026, 2, 1),
    )
    run(
        engine,
        organisation,
        nominate,
        worker="W0019",
        panel=LATER,
        actor="W0003",
        today=date(2026, 2, 2),
    )
    form = {
        "worker": "W0019",
        "item": "direct_observation_report",
        "author": "W0003",
        "dated": "2026-02-16",
        "file": str(document),
        "observations": [str(d) for d in OBSERVED[:2]],
        "recorded_by": "W0003",
    }
    # Two observations are not enough: refused, nothing stored.
    state = evidence_received(evidence=form, return_state=True)
    assert state.is_failed() and "2 direct observation(s); at least 3 are needed" in state.message
    assert count(engine, Evidence) == 0
    assert not (Path(ladder_env["LADDER_DATA_DIR"]) / "evidence").exists() or not any(
        (Path(ladder_env["LADDER_DATA_DIR"]) / "evidence").rglob("*.pdf")
    )

    form["observations"] = [str(d) for d in OBSERVED]
    state = evidence_received(evidence=form, return_state=True)
    assert state.is_completed(), state.message
    result = state.result()
    assert (
        result["panel"] == str(LATER) and "direct_observation_report" not in result["still_missing"]
    )
    manager = {
        **form,
        "item": "team_manager_report",
        "observations": [],
        "capabilities": ["all"],
    }
    state = evidence_received(evidence=manager, return_state=True)
    assert state.is_completed(), state.message
    assert count(engine, Evidence) == 2
    assert set(state.result()["still_missing"]) == set(ITEMS) - {
        "direct_observation_report",
        "team_manager_report",
    }


def _roster(path: Path, rows: list[dict[str, str]]) -> Path:
    header = list(REQUIRED_COLUMNS)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        ",".join(header)
        + "\n"
        + "".join(",".join(r.get(c, "") for c in header) + "\n" for r in rows)
    )
    return path


LEAD = {
    "external_id": "X1",
    "name": "Lee Lead",
    "email": "lead@example.org",
    "role": "workforce_lead",
    "service": "adults",
    "team": "wd",
    "start_date": "2015-04-01",
}


def test_a_file_import_is_all_or_nothing_and_names_the_row_and_field(  # type: ignore[no-untyped-def]
    engine, tmp_path: Path
) -> None:
    bad = _roster(
        tmp_path / "bad.csv", [LEAD, {**LEAD, "external_id": "X2", "email": "not-an-address"}]
    )
    state = import_file(request={"kind": "workers", "path": str(bad)}, return_state=True)
    assert state.is_failed()
    assert "bad.csv" in state.message and "row 3" in state.message and "email" in state.message
    assert count(engine, Worker) == 0

    good = _roster(tmp_path / "good.csv", [LEAD])
    state = import_file(request={"kind": "workers", "path": str(good)}, return_state=True)
    assert state.is_completed(), state.message
    assert state.result()["new"] == 1 and count(engine, Worker) == 1
    state = import_file(request={"kind": "rota", "path": str(good)}, return_state=True)
    assert state.is_failed() and "request.kind: Input should be 'workers'" in state.message


def test_the_inbox_imports_good_files_and_sets_bad_ones_aside(  # type: ignore[no-untyped-def]
    engine, ladder_env
) -> None:
    inbox = Path(ladder_env["LADDER_DATA_DIR"]) / "inbox"
    _roster(inbox / "workers" / "2026-11-23-roster.csv", [LEAD])
    sheet = inbox / "completions" / "attendance.csv"
    sheet.parent.mkdir(parents=True)
    sheet.write_text("external_id,module,completed_on\nX1,first_aid,2026-13-01\n")

    state = import_inbox(return_state=True)
    assert state.is_failed()
    assert "completions/attendance.csv" in state.message and "row 2" in state.message
    assert count(engine, Worker) == 1  # the good file went in, the bad one wrote nothing
    assert [p.name[17:] for p in (inbox / "workers" / "imported").iterdir()] == [
        "2026-11-23-roster.csv"
    ]
    rejected = sorted(p.name[17:] for p in (inbox / "completions" / "rejected").iterdir())
    assert rejected == ["attendance.csv", "attendance.csv.errors.txt"]
    assert not list(inbox.glob("*/*.csv"))

    state = import_inbox(return_state=True)  # nothing waiting: nothing to do
    assert state.is_completed() and state.result()["imported"] == 0
    assert count(engine, Worker) == 1


@pytest.mark.usefixtures("staff")
def test_panel_steps_as_a_flow_lock_at_the_deadline_and_yield_to_a_running_sweep(  # type: ignore[no-untyped-def]
    engine, organisation, document: Path, ladder_env
) -> None:
    from panel_world import give, nominated

    data_dir = Path(ladder_env["LADDER_DATA_DIR"])
    nominated(engine, organisation)
    give(engine, organisation, "W0019", "W0003", ITEMS, document, data_dir)

    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        take(
            session,
            flow="panel-steps",
            holder="daily elsewhere",
            now=now,
            until=now + timedelta(hours=1),
        )
    state = panel_steps_flow(as_of=date(2026, 4, 3), return_state=True)
    assert state.is_completed() and state.result()["panel_steps_skipped"] == 1
    with Session(engine) as session, session.begin():
        give_back(session, flow="panel-steps", holder="daily elsewhere")

    state = panel_steps_flow(as_of=date(2026, 4, 3), return_state=True)
    assert state.is_completed(), state.message
    assert state.result()["packs_submitted"] == 1
    assert "packs submitted: 1" in str(artifacts("panel-steps")["panel-steps"].data)


def test_the_daily_run_and_the_weekly_report_publish_tables_by_team_and_kind(  # type: ignore[no-untyped-def]
    engine, organisation, import_roster_file
) -> None:
    import_roster_file(engine, organisation, as_of=date(2026, 1, 1))
    state = asyncio.run(daily(as_of=date(2026, 4, 16), return_state=True))
    assert state.is_completed(), state.message
    found = artifacts(
        "daily-due-by-team",
        "daily-mail",
        "daily-summary",
        "daily-overdue",
        run=state.state_details.flow_run_id,
    )
    due = json.loads(found["daily-due-by-team"].data)
    # The same headers every day; kinds as the team reads them, not keys.
    assert {"team", "kind", "due within 30 days", "overdue"} <= set(due[0])
    assert any(r["kind"] == "ASYE: review" and r["due within 30 days"] > 0 for r in due)
    assert not any("." in r["kind"] for r in due)
    # Each overdue item by team and kind, with the worker's id and how late it is.
    overdue = json.loads(found["daily-overdue"].data)
    assert overdue and {"team", "kind", "worker", "was due", "days overdue"} == set(overdue[0])
    for row in overdue:
        was_due = date.fromisoformat(row["was due"])
        assert row["days overdue"] == (date(2026, 4, 16) - was_due).days > 0
    assert [r["team"] for r in overdue] == sorted(r["team"] for r in overdue)
    assert {"Required training", "Induction: completion"} <= {r["kind"] for r in overdue}
    assert f"{len(overdue)} in all" in found["daily-overdue"].description
    mail = json.loads(found["daily-mail"].data)
    assert sum(r["sent"] for r in mail) == state.result()["sent"] > 0
    assert {r["channel"] for r in mail} >= {"direct", "digest"}
    assert "failed for good so far: 0" in str(found["daily-summary"].data)

    state = weekly_report(as_of=date(2026, 4, 20), return_state=True)
    assert state.is_completed(), state.message
    report = artifacts("report-open-items", "report-asye", "report-outbox", "weekly-report")
    asye = json.loads(report["report-asye"].data)
    assert sum(r["NQSWs"] for r in asye) == 8 and {r["status"] for r in asye} == {"active"}
    outbox = {r["status"]: r["messages"] for r in json.loads(report["report-outbox"].data)}
    assert outbox["sent"] > 0 and state.result()["outbox"] == len(outbox)
    assert "Overdue items:" in str(report["weekly-report"].data)
    everything = json.dumps([str(a.data) for a in {**found, **report}.values()])
    assert "@" not in everything
    with Session(engine) as session:
        names = list(session.scalars(select(Worker.name)))
    assert not any(name in everything for name in names)


def test_a_scheduled_run_is_named_by_the_day_it_works_on(  # type: ignore[no-untyped-def]
    engine, organisation
) -> None:
    # No as_of, as a schedule starts it: the name carries today's date in the
    # organisation's zone, not "today".
    state = weekly_report(return_state=True)
    assert state.is_completed(), state.message
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
    assert run.name == f"weekly-report-{organisation.working_calendar().today()}"
