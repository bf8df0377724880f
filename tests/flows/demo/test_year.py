"""The README's main job (`ladder demo`), on a short stretch of days, through real Prefect runs."""

from __future__ import annotations

import io
import os
import re
import sqlite3
from datetime import date
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from definitions.loader import SAMPLE_ORGANISATION, load_organisation
from definitions.settings import Settings
from flows.demo.year import run_demo
from tasks.proofreading import proofread_folder

pytestmark = pytest.mark.integration


@pytest.fixture
def demo_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    # The demo points LADDER_SMTP_* at its own sink; monkeypatch restores them afterwards.
    for key in (
        "LADDER_DATABASE_URL",
        "LADDER_SMTP_HOST",
        "LADDER_SMTP_PORT",
        "LADDER_SMTP_SECURITY",
        "LADDER_SMTP_USER",
        "LADDER_SMTP_PASSWORD",
    ):
        monkeypatch.setenv(key, "")
        monkeypatch.delenv(key)
    monkeypatch.setenv("LADDER_DATA_DIR", str(tmp_path / "var"))
    return Settings()


def _run(settings: Settings, **kwargs: object) -> tuple[int, str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=120)
    options = {"first_day": date(2026, 4, 10), "days": 10, "seed": 1, "reset": False}
    options.update(kwargs)
    code = run_demo(settings, console=console, **options)  # type: ignore[arg-type]
    return code, buffer.getvalue()


def table_row(output: str, label: str) -> int:
    """The count on the summary table's row for `label`."""
    found = re.search(rf"{re.escape(label)}\s*│\s*(\d+)\s*│", output)
    assert found, f"no row '{label}' in the summary"
    return int(found.group(1))


def _sent(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as conn:
        return conn.execute(
            "SELECT message_id, to_address FROM outbox WHERE status = 'sent' ORDER BY id"
        ).fetchall()


@pytest.mark.usefixtures("prefect_harness")
def test_demo_simulates_days_and_keeps_every_message_in_var_mail(
    demo_settings: Settings, capfd: pytest.CaptureFixture[str]
) -> None:
    code, output = _run(demo_settings)
    assert code == 0, output
    assert "Simulated days to 2026-04-19" in output
    streams = capfd.readouterr()
    for text in (output, streams.out, streams.err):
        assert "Traceback" not in text
        assert "| ERROR" not in text

    database = demo_settings.data_dir / "ladder.sqlite"
    sent = _sent(database)
    mails = sorted(demo_settings.mail_dir.glob("*.eml"))
    # 10 April..19 April holds at least W0014's before_14 step for review_3 (due 30 April).
    assert len(sent) >= 2
    assert len(mails) == len(sent)
    stored = {
        str(message_from_bytes(p.read_bytes(), policy=policy.default)["Message-ID"]) for p in mails
    }
    assert stored == {message_id for message_id, _ in sent}
    assert "nadia.nowak@sample-borough.example" in {to for _, to in sent}
    assert table_row(output, "messages received by the SMTP sink") == len(sent)
    # Simulated assessors book the review meetings three weeks ahead: invites carry .ics.
    invites = [
        m
        for m in (message_from_bytes(p.read_bytes(), policy=policy.default) for p in mails)
        if any(part.get_content_type() == "text/calendar" for part in m.walk())
    ]
    assert invites
    assert all(str(m["Subject"]).startswith(("Invitation: ", "Booked: ")) for m in invites)
    assert any(str(m["Subject"]).startswith("Invitation: ") for m in invites)
    label = "calendar invites sent (.ics, meetings and refresher bookings)"
    assert table_row(output, label) == len(invites)
    # The sample's past completions are loaded: refresher places are booked as windows open.
    assert table_row(output, "refresher places booked") >= 1
    # The certificate batch ran on the last day: every award is issued, signed and mailed.
    issued = table_row(output, "certificates issued (PDF + signed credential, mailed)")
    assert issued >= 60
    assert table_row(output, "awards still waiting for a certificate") == 0
    pdfs = list((demo_settings.data_dir / "certificates").glob("*.pdf"))
    assert len(pdfs) == issued
    with_pdf = [
        m
        for m in (message_from_bytes(p.read_bytes(), policy=policy.default) for p in mails)
        if any(part.get_content_type() == "application/pdf" for part in m.walk())
    ]
    assert len(with_pdf) == issued

    # Every message reads well to the person who gets it (no command line, id or key, no
    # "Your The", no empty name, nobody asked to chase themselves).
    with Session(create_engine(f"sqlite:///{database}")) as session:
        read, findings = proofread_folder(
            session, load_organisation(SAMPLE_ORGANISATION), demo_settings.mail_dir
        )
    assert read == len(sent)
    assert [f"{f.file} ({f.subject}): {f.defect}" for f in findings] == []

    # Running it again starts a fresh demo, with the same result.
    code, again = _run(demo_settings)
    assert code == 0, again
    assert len(_sent(database)) == len(sent)
    assert len(list(demo_settings.mail_dir.glob("*.eml"))) == len(sent)


def test_demo_refuses_to_wipe_a_database_it_did_not_make(demo_settings: Settings) -> None:
    database = demo_settings.data_dir / "ladder.sqlite"
    database.parent.mkdir(parents=True)
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE precious (id INTEGER)")
    code, output = _run(demo_settings, days=1)
    assert code == 1
    assert "holds data the demo did not make" in output
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("precious",)]


EXAMPLES = Path(__file__).resolve().parents[3] / "definitions" / "examples"


@pytest.mark.usefixtures("prefect_harness")
def test_the_demo_runs_another_organisation_from_its_folder(demo_settings: Settings) -> None:
    """`ladder demo --organisation definitions/examples/para-social-work-cd`: its people,
    training and sessions, its language in the mail, and no ASYE or panel rows or mail."""
    settings = demo_settings.model_copy(update={"organisation": EXAMPLES / "para-social-work-cd"})
    before = {k: v for k, v in os.environ.items() if k.startswith("LADDER_")}
    code, output = _run(settings, first_day=date(2026, 3, 10), days=8)
    assert code == 0, output
    # It pointed the flows at its folder, sink and key while it ran, and put all back after.
    assert {k: v for k, v in os.environ.items() if k.startswith("LADDER_")} == before
    assert "roster.csv: 5 workers" in output, output
    assert "ASYE" not in output and "panel" not in output and "review meetings" not in output
    assert table_row(output, "refresher places booked") >= 1
    assert f"LADDER_ORGANISATION={EXAMPLES / 'para-social-work-cd'}" in output
    mails = [
        message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in sorted(settings.mail_dir.glob("*.eml"))
    ]
    assert mails
    assert table_row(output, "messages received by the SMTP sink") == len(mails)
    for mail in mails:
        text = mail.get_body(preferencelist=("plain",)).get_content()
        assert "l’équipe de formation" in text, mail["Subject"]
        assert str(mail["To"]).endswith("@pts-kinshasa.example")


def test_the_demo_names_the_file_an_organisation_lacks(
    demo_settings: Settings, tmp_path: Path
) -> None:
    import shutil

    folder = tmp_path / "org"
    shutil.copytree(EXAMPLES / "home-care-induction", folder)
    (folder / "sessions.csv").unlink()
    settings = demo_settings.model_copy(update={"organisation": folder})
    code, output = _run(settings, days=1)
    assert code == 1
    assert f"{folder / 'sessions.csv'}: file not found" in " ".join(output.split())
    assert "refresher sessions" in output
    assert not (settings.data_dir / "ladder.sqlite").exists()
