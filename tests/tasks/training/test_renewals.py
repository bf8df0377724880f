"""Renewal items: due on the working day on or before the expiry, reminded on the
refresher ladder."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from training_world import completions, run_import

from notifications.sink import SmtpSink
from storage.models import (
    Obligation,
)

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "staffed")
def test_renewal_reminders_follow_the_refresher_ladder(
    tmp_path: Path,
    engine,
    organisation,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    from flows.daily import daily

    # W0019 (social worker, manager W0003) did safeguarding on Wed 4 March 2024: it expires
    # Wed 4 March 2026. Steps: -90 (Thu 4 Dec 2025), -30 (Mon 2 Feb), -7 (Wed 25 Feb, worker
    # and manager), on expiry (manager, escalation).
    run_import(
        engine,
        organisation,
        completions(tmp_path / "sg.csv", [("W0019", "safeguarding", "2024-03-04")]),
    )
    for day in (date(2026, 2, 2), date(2026, 2, 25), date(2026, 3, 4)):
        state = asyncio.run(daily(as_of=day, return_state=True))
        assert state.is_completed(), state.message
    # (The sample roster's NQSWs get their ASYE mail too; only the refresher is looked at.)
    to_sam = [
        (str(r.message["Subject"]), r.message.get_body(("plain",)).get_content())
        for r in smtp_sink.received
        if r.recipients == ["sam.walsh@sample-borough.example"]
    ]
    assert [s for s, _ in to_sam if not s.startswith("Your digest")] == [
        "Your Safeguarding refresher renewal is due by Wednesday 4 March 2026"
    ] * 2
    # Data protection, required of a social worker and never done, was long overdue when
    # Ladder first saw it: one catch-up, in the first day's digest, and nothing more.
    digests = [(s, t) for s, t in to_sam if s.startswith("Your digest")]
    assert [s for s, _ in digests] == ["Your digest for Monday 2 February 2026: 1 overdue"]
    assert "Data protection and information governance (required for your role)" in digests[0][1]
    manager = [
        (str(r.message["Subject"]), r.message.get_body(("plain",)).get_content())
        for r in smtp_sink.received
        if r.recipients == ["chloe.patel@sample-borough.example"]
    ]
    about_sam = [subject for subject, text in manager if "Sam Walsh: Safeguarding" in text]
    assert [s.split(":")[0] for s in about_sam] == [
        "Your digest for Wednesday 25 February 2026",
        "Your digest for Wednesday 4 March 2026",
    ]
    assert "Due today" in manager[-1][1] and "escalated to you" in manager[-1][1]
    worker_mail = next(
        r for r in smtp_sink.received if r.recipients == ["sam.walsh@sample-borough.example"]
    )
    text = worker_mail.message.get_body(("plain",)).get_content()
    assert "go to a refresher session: if you have a place" in text
    assert "completed 4 March 2024, valid for 24 months, so it expires on 4 March 2026" in text


@pytest.mark.usefixtures("staffed")
def test_a_renewal_due_over_christmas_moves_to_the_last_working_day_before(
    tmp_path: Path,
    engine,
    organisation,  # type: ignore[no-untyped-def]
) -> None:
    # Safeguarding done Mon 28 Dec 2024 expires Mon 28 Dec 2026: the substitute bank holiday
    # for Boxing Day (a Saturday). Christmas Day is Friday; the renewal is due Thu 24 Dec.
    run_import(
        engine,
        organisation,
        completions(tmp_path / "x.csv", [("W0020", "safeguarding", "2024-12-28")]),
    )
    with Session(engine) as session:
        item = session.scalars(
            select(Obligation).where(Obligation.kind == "training.renewal")
        ).one()
    assert item.due_date == date(2026, 12, 24)
    assert item.rule == (
        "Safeguarding refresher: completed 28 December 2024, valid for 24 months, so it expires "
        "on 28 December 2026; Monday 28 December 2026 is Boxing Day (observed), so it is due the "
        "working day before, Thursday 24 December 2026"
    )
