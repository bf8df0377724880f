"""Progression panels end to end on a real database: nomination, evidence checks, the lock
and roll-over at the deadline, the panel pack PDF, decisions recorded once, slotting into
posts and the waiting list, deferral action plans through to resubmission, signatures."""

from __future__ import annotations

import asyncio
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from panel_world import (  # tests/flows, on pytest's path
    APRIL,
    ITEMS,
    JULY,
    OBSERVED,
    OCTOBER,
    SENDER,
    give,
    run,
    steps,
    submitted,
)
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from definitions.panels import PanelDecision, submission_deadline
from flows.cli import app
from notifications.sink import SmtpSink
from storage.models import (
    Award,
    Candidacy,
    Event,
    Evidence,
    Obligation,
    OutboxMessage,
    Panel,
    Post,
    TrainingNeed,
    Worker,
)
from tasks.panels import (
    PanelError,
    complete_action,
    decide,
    nominate,
    open_post,
    record_evidence,
    record_preparation,
    sign_outcome,
)

pytestmark = pytest.mark.integration


def rows(engine, model, *where):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return list(session.scalars(select(model).where(*where).order_by(model.id)))


def count(engine, model, *where) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def pdf_text(path: str | Path) -> str:
    reader = PdfReader(io.BytesIO(Path(path).read_bytes()))
    # Table cells wrap their text: compare with whitespace collapsed.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def defer(worker: str = "W0019", panel: date = APRIL) -> PanelDecision:
    return PanelDecision.model_validate(
        {
            "worker": worker,
            "panel": panel,
            "outcome": "defer",
            "decided_by": "W0002",
            "reasons": "Leadership across the team is not yet evidenced",
            "further_work": "Lead case conferences and mentor a newly qualified colleague",
            "actions": [
                {"title": "Chair two case conferences", "owner": "worker", "due": "2026-06-30"},
                {
                    "title": "Review progress in supervision",
                    "owner": "manager",
                    "due": "2026-06-15",
                },
            ],
        }
    )


def progress(worker: str = "W0019", panel: date = APRIL) -> PanelDecision:
    return PanelDecision(worker=worker, panel=panel, outcome="progress", decided_by="W0002")


# --- nomination and evidence ----------------------------------------------------------------


@pytest.mark.usefixtures("staff")
def test_nomination_turns_the_evidence_pack_into_items_due_at_the_deadline(
    engine, organisation
) -> None:  # type: ignore[no-untyped-def]
    run(
        engine,
        organisation,
        nominate,
        worker="W0020",
        panel=APRIL,
        actor="W0004",
        today=date(2026, 2, 2),
    )
    made = rows(engine, Obligation, Obligation.kind.like("panel.%"))
    evidence = {o.milestone: o for o in made if o.kind == "panel.evidence"}
    assert sorted(evidence) == sorted(i.key for i in organisation.panels.evidence_pack)
    assert {o.due_date for o in evidence.values()} == {date(2026, 4, 2)}
    assert "Good Friday" in evidence["social_worker_report"].rule
    assert evidence["social_worker_report"].responsible_role == "worker"
    assert evidence["team_manager_report"].responsible_role == "manager"
    prep = next(o for o in made if o.kind == "panel.preparation")
    # Ten days before Thursday 2 April is Monday 23 March; the manager gives the day.
    assert (prep.due_date, prep.responsible_role) == (date(2026, 3, 23), "manager")
    # The pathway of W0019 is complete already: nominating ticks it off at once.
    run(
        engine,
        organisation,
        nominate,
        worker="W0019",
        panel=APRIL,
        actor="W0003",
        today=date(2026, 2, 2),
    )
    pathway = rows(engine, Obligation, Obligation.milestone == "training_pathway")
    assert [o.status for o in pathway] == ["open", "done"]


@pytest.mark.usefixtures("staff")
def test_only_the_team_manager_nominates_a_social_worker_once(engine, organisation) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PanelError, match="W0004 is not W0019's team manager"):
        run(
            engine,
            organisation,
            nominate,
            worker="W0019",
            panel=APRIL,
            actor="W0004",
            today=date(2026, 2, 2),
        )
    with pytest.raises(
        PanelError,
        match="W0011 is a nqsw; the Progression to senior social worker is for social_worker",
    ):
        run(
            engine,
            organisation,
            nominate,
            worker="W0011",
            panel=APRIL,
            actor="W0003",
            today=date(2026, 2, 2),
        )
    with pytest.raises(
        PanelError, match=r"no panel meets on 2026-04-21; scheduled: 2026-01-19, 2026-04-20"
    ):
        run(
            engine,
            organisation,
            nominate,
            worker="W0019",
            panel=date(2026, 4, 21),
            actor="W0003",
            today=date(2026, 2, 2),
        )
    with pytest.raises(PanelError, match="deadline for the panel on 2026-04-20 was 2026-04-02"):
        run(
            engine,
            organisation,
            nominate,
            worker="W0019",
            panel=APRIL,
            actor="W0003",
            today=date(2026, 4, 3),
        )
    run(
        engine,
        organisation,
        nominate,
        worker="W0019",
        panel=APRIL,
        actor="W0003",
        today=date(2026, 2, 2),
    )
    with pytest.raises(PanelError, match="already a candidate for the panel on 2026-04-20"):
        run(
            engine,
            organisation,
            nominate,
            worker="W0019",
            panel=JULY,
            actor="W0003",
            today=date(2026, 2, 3),
        )
    assert count(engine, Candidacy) == 1


@pytest.mark.usefixtures("staff")
def test_evidence_is_checked_before_anything_is_stored(
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
    attempt = dict(
        worker="W0020",
        author="W0004",
        dated=date(2026, 2, 16),
        actor="W0004",
        today=date(2026, 2, 16),
        data_dir=data,
        file=document,
    )
    with pytest.raises(
        PanelError,
        match=r"report.pdf \(direct_observation_report\): .*records 2 direct observation\(s\); "
        r"at least 3",
    ):
        run(
            engine,
            organisation,
            record_evidence,
            item="direct_observation_report",
            observations=OBSERVED[:2],
            **attempt,
        )
    keys = organisation.panels.capability_keys
    with pytest.raises(
        PanelError, match="must cover each capability; missing: contexts_and_organisations"
    ):
        run(
            engine,
            organisation,
            record_evidence,
            item="team_manager_report",
            capabilities=tuple(k for k in keys if k != "contexts_and_organisations"),
            **attempt,
        )
    with pytest.raises(
        PanelError,
        match="'reference' is not an item of the evidence pack; use one of: "
        "direct_observation_report",
    ):
        run(engine, organisation, record_evidence, item="reference", **attempt)
    with pytest.raises(PanelError, match="read from the training record"):
        run(engine, organisation, record_evidence, item="training_pathway", **attempt)
    with pytest.raises(PanelError, match="no such file"):
        run(
            engine,
            organisation,
            record_evidence,
            item="pe1_evidence",
            **{**attempt, "file": tmp_path / "missing.pdf"},
        )
    with pytest.raises(PanelError, match="W0003 is neither W0020 nor their team manager"):
        run(
            engine,
            organisation,
            record_evidence,
            item="pe1_evidence",
            **{**attempt, "actor": "W0003"},
        )
    assert count(engine, Evidence) == 0
    assert not (data / "evidence").exists()
    assert (
        count(engine, Obligation, Obligation.kind == "panel.evidence", Obligation.status == "done")
        == 0
    )
    # A good one is stored under the data folder by its hash, and closes its item.
    run(engine, organisation, record_evidence, item="pe1_evidence", **attempt)
    [stored] = rows(engine, Evidence)
    assert Path(stored.file_path).read_bytes() == document.read_bytes()
    assert Path(stored.file_path).is_relative_to(data / "evidence")
    assert stored.sha256 in {__import__("hashlib").sha256(document.read_bytes()).hexdigest()}
    # A later version replaces it; the earlier row is kept, marked replaced.
    run(
        engine,
        organisation,
        record_evidence,
        item="pe1_evidence",
        **{**attempt, "dated": date(2026, 2, 20), "today": date(2026, 2, 20)},
    )
    assert [e.status for e in rows(engine, Evidence)] == ["replaced", "current"]


@pytest.mark.usefixtures("staff")
def test_a_complete_pack_is_locked_and_every_member_gets_one_panel_pack(
    engine, organisation, document: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "var"
    submitted(engine, organisation, document, data)
    [candidacy] = rows(engine, Candidacy)
    assert (candidacy.status, candidacy.locked_on) == ("submitted", date(2026, 4, 3))
    manifest = {i["item"]: i for i in candidacy.pack["items"]}
    assert manifest["direct_observation_report"]["details"]["observations"] == [
        d.isoformat() for d in OBSERVED
    ]
    assert manifest["training_pathway"]["author"] == "training record"
    assert all(manifest[k]["sha256"] for k in ITEMS)
    # The January panel met before Ladder saw it: it sends no pack.
    assert [p.status for p in rows(engine, Panel, Panel.meets_on <= APRIL)] == ["past", "locked"]
    with pytest.raises(PanelError, match="locked on 2026-04-03 \\(deadline 2026-04-02\\)"):
        give(
            engine,
            organisation,
            "W0019",
            "W0003",
            ["pe1_evidence"],
            document,
            data,
            on=date(2026, 4, 3),
        )
    assert steps(engine, organisation, date(2026, 4, 10), data)["pack_mails"] == 0
    assert steps(engine, organisation, date(2026, 4, 13), data)["pack_mails"] == 5
    assert steps(engine, organisation, date(2026, 4, 14), data)["pack_mails"] == 0
    packs = rows(engine, OutboxMessage, OutboxMessage.kind == "panel_pack")
    assert sorted(m.to_address.split(".")[0] for m in packs) == [
        "amara",
        "ben",
        "mina",
        "nikolai",
        "orla",
    ]
    assert len({m.attachment_path for m in packs}) == 1
    text = pdf_text(packs[0].attachment_path)
    for expected in (
        "Agenda",
        "Sam Walsh (W0019)",
        "Head of service (chair)",
        "Ben Hughes",
        "Evidence index",
        "Progression direct observation report",
        "3 direct observations",
        "covers all 9 PCF capabilities",
        "completed (training record)",
        manifest["pe1_evidence"]["sha256"][:16],
    ):
        assert expected in text, expected
    assert "Tariq" not in text  # only submitted candidates


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
    with pytest.raises(PanelError, match="deadline for the panel on 2026-04-20 was 2026-04-02"):
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
    # Running the step again changes nothing and tells nobody twice.
    again = steps(engine, organisation, date(2026, 4, 4), data)
    assert again["packs_rolled_over"] == 0
    assert count(engine, OutboxMessage, OutboxMessage.kind == "panel_rollover") == 2


# --- decisions ------------------------------------------------------------------------------


@pytest.mark.usefixtures("staff")
def test_a_decision_is_final_and_recorded_once(
    engine, organisation, document: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "var"
    submitted(engine, organisation, document, data)
    with pytest.raises(PanelError, match="W0003 is a team_manager, not a member of the panel"):
        run(
            engine,
            organisation,
            decide,
            decision=progress().model_copy(update={"decided_by": "W0003"}),
            today=date(2026, 4, 20),
            data_dir=data,
            sender=SENDER,
        )
    with pytest.raises(PanelError, match="before the panel met"):
        run(
            engine,
            organisation,
            decide,
            decision=progress().model_copy(update={"decided_on": date(2026, 4, 17)}),
            today=date(2026, 4, 20),
            data_dir=data,
            sender=SENDER,
        )
    with pytest.raises(PanelError, match="W0020 was not a candidate at the panel on 2026-04-20"):
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
            PanelError,
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
    assert "slotted into the vacant post in children-south" in mails[0].body_text
    # Both sign by Monday 4 May 2026 (14 days on; a bank holiday, so the working day before).
    sign = rows(engine, Obligation, Obligation.kind == "panel.signature")
    assert {(o.responsible_role, o.due_date) for o in sign} == {
        ("worker", date(2026, 5, 1)),
        ("manager", date(2026, 5, 1)),
    }


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
    with pytest.raises(PanelError, match="W0019 already signed"):
        run(
            engine,
            organisation,
            sign_outcome,
            worker="W0019",
            actor="W0019",
            on=date(2026, 4, 23),
            today=date(2026, 4, 23),
        )
    with pytest.raises(PanelError, match="W0004 is neither W0019 nor their team manager"):
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
        PanelError,
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
    with pytest.raises(PanelError, match="there is no item 3"):
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


@pytest.mark.usefixtures("staff")
def test_the_preparation_day_is_recorded_by_the_manager(engine, organisation) -> None:  # type: ignore[no-untyped-def]
    run(
        engine,
        organisation,
        nominate,
        worker="W0020",
        panel=APRIL,
        actor="W0004",
        today=date(2026, 2, 2),
    )
    run(
        engine,
        organisation,
        record_preparation,
        worker="W0020",
        on=date(2026, 3, 16),
        actor="W0004",
        today=date(2026, 3, 16),
    )
    [prep] = rows(engine, Obligation, Obligation.kind == "panel.preparation")
    assert (prep.status, prep.closed_on) == ("done", date(2026, 3, 16))
    with pytest.raises(PanelError, match="already recorded"):
        run(
            engine,
            organisation,
            record_preparation,
            worker="W0020",
            on=date(2026, 3, 17),
            actor="W0004",
            today=date(2026, 3, 17),
        )


# --- through the daily flow and the CLI -----------------------------------------------------


def run_day(as_of: date) -> dict[str, Any]:
    from flows.daily import daily

    state = asyncio.run(daily(as_of=as_of, return_state=True))
    assert state.is_completed(), state.message
    return asyncio.run(state.aresult())


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "staff")
def test_the_daily_flow_reminds_of_missing_evidence_then_rolls_the_pack_over(
    engine, organisation, smtp_sink: SmtpSink, document: Path, ladder_env
) -> None:  # type: ignore[no-untyped-def]
    data = Path(ladder_env["LADDER_DATA_DIR"])
    run(
        engine,
        organisation,
        nominate,
        worker="W0020",
        panel=APRIL,
        actor="W0004",
        today=date(2026, 2, 2),
    )
    # 28 days before Thursday 2 April: the person responsible for each item hears of it.
    run_day(date(2026, 3, 5))
    worker_mails = [
        str(r.message["Subject"])
        for r in smtp_sink.received
        if r.recipients == ["tariq.ahmed@sample-borough.example"]
    ]
    assert sorted(worker_mails) == sorted(
        f"Your {t} is due by Thursday 2 April 2026"
        for t in (
            "Social worker's report for the progression panel",
            "Evidence of the PE1 award and of having had a student",
            "The service's training pathway, completed",
        )
    )
    digest = next(
        r.message
        for r in smtp_sink.received
        if r.recipients == ["dev.kowalski@sample-borough.example"]
    )
    body = digest.get_body(("plain",)).get_content()
    assert "Tariq Ahmed (W0020): Team manager's report (each PCF capability)" in body
    assert "Social worker's report" not in body  # the worker's own items go to the worker
    # The manager provides two items in the meantime; 14 days before, both hear of what is
    # still missing, and nothing of what is in.
    give(
        engine,
        organisation,
        "W0020",
        "W0004",
        ["team_manager_report", "external_professional_report"],
        document,
        data,
        on=date(2026, 3, 10),
    )
    seen = len(smtp_sink.received)
    run_day(date(2026, 3, 19))
    later = [r for r in smtp_sink.received[seen:]]
    text = "\n".join(r.message.get_body(("plain",)).get_content() for r in later)
    assert "Team manager's report" not in text and "External professional" not in text
    assert "Progression direct observation report" in text and "Social worker's report" in text
    # 20 March: three days before the preparation day, the manager is reminded of it.
    seen = len(smtp_sink.received)
    run_day(date(2026, 3, 20))
    prep = "\n".join(
        r.message.get_body(("plain",)).get_content()
        for r in smtp_sink.received[seen:]
        if r.recipients == ["dev.kowalski@sample-borough.example"]
    )
    assert "One day of preparation time for the progression panel" in prep
    # The day after the deadline: the pack is incomplete and moves to July; both are told.
    seen = len(smtp_sink.received)
    counts = run_day(date(2026, 4, 3))
    assert counts["packs_rolled_over"] == 1
    subjects = sorted(
        str(r.message["Subject"])
        for r in smtp_sink.received[seen:]
        if "not complete" in str(r.message["Subject"])
    )
    assert subjects == [
        f"{who} progression evidence was not complete: moved to the panel on Monday 20 July 2026"
        for who in ("Tariq Ahmed's", "Your")
    ]


@pytest.mark.usefixtures("staff")
def test_the_cli_runs_a_candidate_from_nomination_to_decision(
    engine, organisation, document: Path, ladder_env, smtp_sink: SmtpSink
) -> None:  # type: ignore[no-untyped-def]
    cli = CliRunner()

    def ok(*args: str) -> str:
        result = cli.invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())

    def refused(*args: str) -> str:
        result = cli.invoke(app, list(args))
        assert result.exit_code == 1, result.output
        return " ".join(result.output.split())

    # A panel some weeks from the real today (the CLI's clock), on a working Monday.
    calendar = organisation.working_calendar()
    meets = calendar.today() + timedelta(days=70)
    while meets.weekday() != 0 or not calendar.is_working_day(meets):
        meets += timedelta(days=1)
    scheduled = ok("panel", "schedule", "--on", str(meets), "--where", "Room 4", "--by", "W0001")
    deadline = submission_deadline(meets, 14, calendar).on
    assert f"evidence due by {deadline}" in scheduled
    assert f"{meets} 10:00 deadline {deadline} scheduled no candidates" in ok(
        "panel", "list", "--from", str(meets)
    )
    assert "already scheduled" in refused(
        "panel", "schedule", "--on", str(meets), "--where", "Room 4", "--by", "W0001"
    )
    saturday = meets + timedelta(days=5)
    assert f"{saturday} is a Saturday" in refused(
        "panel", "schedule", "--on", str(saturday), "--where", "Room 4", "--by", "W0001"
    )
    assert f"due by {deadline}" in ok(
        "panel", "nominate", "W0020", "--panel", str(meets), "--by", "W0004"
    )
    observed = [a for d in OBSERVED for a in ("--observation", d.isoformat())]
    common = [
        "--file",
        str(document),
        "--author",
        "W0004",
        "--dated",
        "2026-02-16",
        "--by",
        "W0004",
    ]
    assert "at least 3 are needed" in refused(
        "panel", "evidence", "W0020", "--item", "direct_observation_report", *common, *observed[:4]
    )
    ok("panel", "evidence", "W0020", "--item", "direct_observation_report", *common, *observed)
    ok("panel", "evidence", "W0020", "--item", "team_manager_report", "--covers", "all", *common)
    ok("panel", "evidence", "W0020", "--item", "social_worker_report", *common)
    said = ok("panel", "evidence", "W0020", "--item", "pe1_evidence", *common)
    assert "still missing" in said and "external_professional_report, training_pathway" in said
    # The April panel met already: W0019's pack was submitted then (set up through the API).
    submitted(engine, organisation, document, Path(ladder_env["LADDER_DATA_DIR"]))
    bad = refused(
        "panel",
        "decide",
        "W0019",
        "--panel",
        "2026-04-20",
        "--outcome",
        "defer",
        "--by",
        "W0002",
        "--reasons",
        "r",
        "--further-work",
        "w",
        "--action",
        "assessor:2026-06-01:Observe",
    )
    assert "write OWNER:YYYY-MM-DD:what" in bad
    assert "missing: actions" in refused(
        "panel",
        "decide",
        "W0019",
        "--panel",
        "2026-04-20",
        "--outcome",
        "defer",
        "--by",
        "W0002",
        "--reasons",
        "r",
        "--further-work",
        "w",
    )
    said = ok(
        "panel",
        "decide",
        "W0019",
        "--panel",
        "2026-04-20",
        "--outcome",
        "defer",
        "--by",
        "W0002",
        "--reasons",
        "Needs leadership evidence",
        "--further-work",
        "Lead conferences",
        "--action",
        "worker:2026-06-30:Chair two case conferences",
    )
    assert "W0019: defer at the panel on 2026-04-20; 1 action plan item(s) to follow" in said
    assert "a panel decision is final" in refused(
        "panel",
        "decide",
        "W0019",
        "--panel",
        "2026-04-20",
        "--outcome",
        "progress",
        "--by",
        "W0002",
    )
    ok("panel", "sign", "W0019", "--by", "W0019")
    explained = ok("explain", "W0019")
    for expected in (
        "Progression panel 2026-04-20",
        "deferred",
        "decision: defer on 2026-04-20 by W0002",
        "action 1: Chair two case conferences (worker, due 2026-06-30): open",
        "outcome report signed: worker",
        "panel.decided",
    ):
        assert expected in explained, expected
    assert "every action is done" in ok(
        "panel", "action-done", "W0019", "--item", "1", "--by", "W0003", "--on", "2026-06-01"
    )
