"""`ladder panel` on a real database: a candidate from nomination to decision by command.
(The use cases each have their tests in tests/tasks/panels/.)"""

from __future__ import annotations

import getpass
from datetime import timedelta
from pathlib import Path

import pytest
from panel_world import OBSERVED, submitted
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from definitions.calendar import rule_date
from definitions.panels import submission_deadline
from flows.cli import app
from notifications.sink import SmtpSink
from storage.models import Event

pytestmark = pytest.mark.integration


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
    # Only a workforce lead or head of service schedules a panel; the refusal says so.
    for actor, reason in (
        ("W0036", "W0036 is a care worker; only a workforce lead or head of service may"),
        ("W9999", "no one with id 'W9999' is on the roster"),
    ):
        assert reason in refused(
            "panel", "schedule", "--on", str(meets), "--where", "Room 4", "--by", actor
        )
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
    assert f"a panel meets on a working day; {rule_date(saturday)} is a Saturday" in refused(
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
    # The worker may not tick off their own plan: their team manager does, having seen it.
    assert "W0019 is not W0019's team manager" in refused(
        "panel", "action-done", "W0019", "--item", "1", "--by", "W0019", "--on", "2026-06-01"
    )
    assert "every action is done" in ok(
        "panel", "action-done", "W0019", "--item", "1", "--by", "W0003", "--on", "2026-06-01"
    )
    # The history names the manager and says it came by command, as whom.
    with Session(engine) as session:
        done = session.scalars(select(Event).where(Event.kind == "panel.action_done")).one()
    assert (done.actor, done.channel) == ("W0003", f"cli:{getpass.getuser()}")
