"""A new starter's first days, run as the daily flow runs them: the sample's W0042 Tomasz
Nowak, a care worker starting Monday 2 March 2026 under Ella Brennan (W0005). His induction's
first-week meeting is due Monday 9 March; its 7-day reminder goes out on his first day, to
him and to his manager, in the organisation's own words for that milestone."""

from __future__ import annotations

import asyncio
import re
from datetime import date

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from flows.cli import app
from flows.daily import daily
from notifications.sink import SmtpSink
from storage.models import Obligation, Worker

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness", "ladder_env")]


def _mail(sink: SmtpSink, to: str) -> list[tuple[str, str]]:
    found = []
    for received in sink.received:
        if received.recipients[0] == to:
            body = received.message.get_body(preferencelist=("plain",)).get_content()
            found.append((str(received.message["Subject"]), body))
    return found


def test_a_new_starters_induction_is_reminded_in_its_own_words(
    engine: Engine,
    organisation,
    import_roster_file,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    import_roster_file(engine, organisation, as_of=date(2026, 2, 27))
    state = asyncio.run(daily(as_of=date(2026, 3, 2), return_state=True))
    assert state.is_completed(), state.message

    to_tomasz = _mail(smtp_sink, "tomasz.nowak@sample-borough.example")
    first_week = [m for m in to_tomasz if "First-week induction meeting" in m[0]]
    assert first_week, [s for s, _ in to_tomasz]
    subject, text = first_week[0]
    assert "Monday 9 March 2026" in subject
    assert "meet your manager in your first week" in text
    to_ella = _mail(smtp_sink, "ella.brennan@sample-borough.example")
    digest = next(text for _, text in to_ella if "Tomasz Nowak" in text)
    assert "meet Tomasz Nowak in their first week and go through their induction plan" in digest
    for _, body in to_tomasz + to_ella:
        assert "ASYE" not in body and "NQSW" not in body
        assert not re.search(r"\bladder \w+ ", body)  # no command lines in mail


def test_explain_shows_the_induction_and_the_rule_that_dated_each_milestone(
    engine: Engine,
    organisation,
    import_roster_file,  # type: ignore[no-untyped-def]
) -> None:
    import_roster_file(engine, organisation, as_of=date(2026, 2, 27))
    done = CliRunner().invoke(app, ["explain", "W0042", "--as-of", "2026-03-02"])
    assert done.exit_code == 0, done.output
    flat = " ".join(done.output.split())
    assert "Corporate induction from 2026-03-02: active" in flat
    assert (
        "Safeguarding training (induction): 4 weeks after the milestone before; "
        "closes with module safeguarding" in flat
    )
    assert "Probation from 2026-03-02: active" in flat
    with Session(engine) as session:
        due = session.scalars(
            select(Obligation.due_date)
            .join(Worker, Obligation.subject_id == Worker.id)
            .where(Worker.external_id == "W0042", Obligation.milestone == "sign_off")
        ).one()
    assert due == date(2026, 5, 22)
