"""An organisation runs only the lifecycles it has files for. A home-care provider with no
newly qualified social workers and no progression panels writes organisation.yaml,
ladder.yaml, reminders.yaml and training.yaml, and nothing else: it loads, imports its
people and training, runs its days and previews its mail, and the ASYE leaves no trace."""

from __future__ import annotations

import asyncio
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from definitions.loader import load_organisation
from notifications.sink import SmtpSink
from storage.models import Enrolment, Obligation, OutboxMessage

pytestmark = pytest.mark.integration
SAMPLE = Path(__file__).resolve().parents[2] / "definitions" / "sample"
TARA = "tara.trainer@sample-borough.example"


@pytest.fixture
def no_asye(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ladder_env) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path / "care-provider"
    folder.mkdir()
    for name in ("organisation.yaml", "training.yaml"):
        shutil.copy(SAMPLE / name, folder / name)
    # Its own role: a training lead, whom a lapsed refresher escalates to.
    ladder = (SAMPLE / "ladder.yaml").read_text()
    (folder / "ladder.yaml").write_text(
        ladder.replace("other_roles: [", "other_roles: [training_lead, ")
    )
    reminders = (SAMPLE / "reminders.yaml").read_text()
    start = reminders.index("    asye.report:")
    end = reminders.index("\n", reminders.index("assessor: direct", start))
    reminders = reminders[:start] + reminders[end + 1 :]
    expires = "- key: expires\n        offset_days: 0\n        to: [manager]"
    assert reminders.count(expires) == 1
    reminders = reminders.replace(expires, expires.replace("[manager]", "[manager, training_lead]"))
    (folder / "reminders.yaml").write_text(reminders)
    roster = (SAMPLE / "roster.csv").read_text()
    (folder / "roster.csv").write_text(
        roster + "W0099,Tara Trainer,tara.trainer@sample-borough.example,training_lead,adults,"
        "workforce-development,W0001,2019-01-07,Central,active,,\n"
    )
    monkeypatch.setenv("LADDER_ORGANISATION", str(folder))
    return folder


def test_an_organisation_without_asye_or_panels_loads_with_neither(no_asye: Path) -> None:
    organisation = load_organisation(no_asye)
    assert organisation.asye is None and organisation.panels is None
    assert organisation.training is not None


@pytest.mark.usefixtures("prefect_harness")
def test_it_imports_runs_and_previews_with_no_asye_trace(
    no_asye: Path,
    engine,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    from flows.cli import app
    from flows.daily import daily

    cli = CliRunner()
    imported = cli.invoke(app, ["import", "workers", str(no_asye / "roster.csv")])
    assert imported.exit_code == 0, imported.output
    assert "nobody new enrolled" in imported.output
    done = cli.invoke(app, ["import", "completions", str(SAMPLE / "completions.csv")])
    assert done.exit_code == 0, done.output

    for day in (date(2026, 3, 2), date(2026, 6, 1)):
        state = asyncio.run(daily(as_of=day, return_state=True))
        assert state.is_completed(), state.message
        summary = state.result()
        # No ASYE or panel step ran: nothing of theirs in the run's summary.
        assert "enrolled" not in summary and not any(k.startswith("panel") for k in summary)
        assert "refresher_renewal_items" in summary
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Enrolment)) == 0
        kinds = set(session.scalars(select(Obligation.kind).distinct()))
        mails = set(session.scalars(select(OutboxMessage.kind).distinct()))
    assert kinds and all(not k.startswith("asye") for k in kinds), kinds
    assert all(not k.startswith("asye") for k in mails), mails
    assert all("ASYE" not in str(r.message["Subject"]) for r in smtp_sink.received)
    # The refreshers that lapsed in May reached the training lead, in her digest.
    to_tara = [r.message for r in smtp_sink.received if r.recipients == [TARA]]
    assert to_tara, "the training lead was told nothing"
    body = to_tara[0].get_body(preferencelist=("plain",)).get_content()
    assert "Tara Trainer" in body and "renewal" in body

    for kind in ("reminder", "digest"):
        shown = cli.invoke(app, ["mail", "preview", kind, "--step", "before_30"])
        if shown.exit_code != 0:  # the refresher policy's first step, whatever it is called
            shown = cli.invoke(app, ["mail", "preview", kind])
        assert shown.exit_code == 0, shown.output
        assert "renewal" in shown.output and "ASYE" not in shown.output

    refused = cli.invoke(app, ["asye", "enrol", "W0011"])
    assert refused.exit_code == 1
    assert "runs no ASYE year (its folder has no asye.yaml)" in refused.output
    assert "Traceback" not in refused.output


def test_help_lists_only_the_lifecycles_the_organisation_runs(no_asye: Path) -> None:
    """`ladder --help` leaves out the asye and panel groups for an organisation with neither
    (asked by name, they still answer that the organisation runs no ASYE); the sample's
    help lists them."""
    import os
    import subprocess
    import sys

    def shown(folder: Path) -> set[str]:
        found = subprocess.run(
            [sys.executable, "-c", "from flows.cli import main; main()", "--help"],
            env={**os.environ, "LADDER_ORGANISATION": str(folder), "COLUMNS": "200"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return {line.split()[1] for line in found.splitlines() if line.startswith("│ ")}

    assert {"asye", "panel"} <= shown(SAMPLE)
    here = shown(no_asye)
    assert "asye" not in here and "panel" not in here
    assert {"import", "credit", "certificates", "daily", "explain"} <= here
