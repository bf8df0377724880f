"""Progression panels through the daily flow on a real database: reminders of missing
evidence, then the roll-over. (The use cases each have their tests in tests/tasks/panels/,
the `ladder panel` commands in tests/flows/cli/test_panels.py.)"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from organisations import organisation_folder  # noqa: F401  (the sample without duties)
from panel_world import APRIL, give, run

from notifications.sink import SmtpSink
from tasks.panels.nomination import nominate

pytestmark = pytest.mark.integration


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
            "Service training pathway",
        )
    )
    digest = next(
        r.message
        for r in smtp_sink.received
        if r.recipients == ["dev.kowalski@sample-borough.example"]
    )
    body = digest.get_body(("plain",)).get_content()
    assert "Tariq Ahmed: Team manager's report (each PCF capability)" in body
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
