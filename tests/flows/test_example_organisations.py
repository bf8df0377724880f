"""The two example organisations beside the sample run from their YAML alone: a francophone
para social worker programme in Kinshasa, and an English home-care provider's induction.
Each imports its people, training and sessions, runs two months of days and a certificate
batch, and the mail it sent is read: its language, its names, its dates, its team."""

from __future__ import annotations

import asyncio
import io
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest
from certificate_world import key_file  # noqa: F401  # a session fixture used below
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from notifications.sink import SmtpSink
from storage.models import Obligation, Worker

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]
EXAMPLES = Path(__file__).resolve().parents[2] / "definitions" / "examples"
DAYS = [date(2026, 3, 2), date(2026, 3, 16), date(2026, 3, 30), date(2026, 4, 14)]


def _run(folder: Path, monkeypatch: pytest.MonkeyPatch, key: Path) -> None:
    from flows.certificates import certificate_batch
    from flows.cli import app
    from flows.daily import daily

    monkeypatch.setenv("LADDER_ORGANISATION", str(folder))
    monkeypatch.setenv("LADDER_SIGNING_KEY", str(key))
    monkeypatch.setenv("LADDER_VERIFY_URL", "https://verify.example.org")
    cli = CliRunner()
    for kind in ("workers", "completions", "sessions"):
        done = cli.invoke(app, ["import", kind, str(folder / f"{_file(kind)}.csv")])
        assert done.exit_code == 0, done.output
    for day in DAYS:
        state = asyncio.run(daily(as_of=day, return_state=True))
        assert state.is_completed(), state.message
    batch = certificate_batch(as_of=DAYS[-1], return_state=True)
    assert batch.is_completed(), batch.message


def _file(kind: str) -> str:
    return {"workers": "roster"}.get(kind, kind)


def _mail(sink: SmtpSink) -> list[tuple[str, str, str, EmailMessage]]:
    found = []
    for received in sink.received:
        message = received.message
        text = message.get_body(preferencelist=("plain",)).get_content()
        found.append((received.recipients[0], str(message["Subject"]), text, message))
    return found


def _certificate_text(message: EmailMessage) -> str:
    for part in message.iter_attachments():
        if part.get_content_type() == "application/pdf":
            return PdfReader(io.BytesIO(part.get_content())).pages[0].extract_text()
    raise AssertionError("no certificate attached")


@pytest.mark.usefixtures("ladder_env")
def test_the_kinshasa_programme_runs_in_french(
    engine,
    smtp_sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
    key_file: Path,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    _run(EXAMPLES / "para-social-work-cd", monkeypatch, key_file)
    mail = _mail(smtp_sink)
    assert mail, "nothing was sent"
    for to, subject, text, _ in mail:
        assert "Dear" not in text and "You are receiving" not in text, (to, subject)
        assert "l’équipe de formation" in text, subject
    to_chiamaka = [m for m in mail if m[0] == "chiamaka.oko@pts-kinshasa.example"]
    subjects = [s for _, s, _, _ in to_chiamaka]
    # Her first aid runs out on Tuesday 14 April 2026: a place on the Gombe session of
    # 24 March, a reminder 30 days before, and her certificates.
    assert any(s.startswith("Inscription : Premiers secours, mardi 24 mars 2026") for s in subjects)
    assert (
        "Votre échéance « Renouvellement : Premiers secours » : à faire d’ici le "
        "mardi 14 avril 2026"
    ) in subjects
    certificates = [m for m in to_chiamaka if m[1].startswith("Votre certificat : ")]
    assert {m[1] for m in certificates} >= {
        "Votre certificat : Curriculum des para-travailleurs sociaux"
    }
    pdf = _certificate_text(certificates[0][3])
    assert "Il est certifié que" in pdf and "Chiamaka Ọkọ" in pdf
    # Only the pathway and the first-aid refresher certify; the curriculum's modules do not.
    assert not any("Fondements" in s for _, s, _, _ in mail)


@pytest.mark.usefixtures("ladder_env")
def test_the_home_care_induction_runs_in_its_own_words(
    engine,
    smtp_sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
    key_file: Path,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    _run(EXAMPLES / "home-care-induction", monkeypatch, key_file)
    mail = _mail(smtp_sink)
    assert mail, "nothing was sent"
    for _, subject, text, _ in mail:
        assert "workforce development team" not in text, subject
        assert "ASYE" not in subject + text
    to_zoe = [m for m in mail if m[0] == "zoe.thorsdottir@harbour-care.example"]
    subjects = [s for _, s, _, _ in to_zoe]
    assert "Your certificate: Care Certificate induction" in subjects
    pdf = _certificate_text(next(m[3] for m in to_zoe if m[1].endswith("induction")))
    assert "Zoë Þórsdóttir" in pdf
    # Her moving and handling runs out on Tuesday 31 March 2026: booked on the 17 March
    # session, from the Training Hub.
    booked = [m for m in to_zoe if m[1].startswith("Booked: Moving and handling")]
    assert booked, subjects
    assert "from the Training Hub of Harbour Home Care" in booked[0][2]
    # The lapsed refreshers reach the training lead, whose role is the organisation's own.
    to_tom = [m for m in mail if m[0] == "tom.pryce@harbour-care.example"]
    escalated = [m for m in to_tom if "escalated to you" in m[2]]
    assert escalated and "Zoë Þórsdóttir" in escalated[0][2], [m[1] for m in to_tom]
    # Sam O'Neill started on 5 January 2026: his Care Certificate is due within 12 weeks
    # (30 March). His five standards are done by 9 March, so the pathway closes that item by
    # itself; his sign-off meeting is reminded in the provider's own words.
    with Session(engine) as session:
        rows = session.execute(
            select(Obligation.milestone, Obligation.closed_on)
            .join(Worker, Obligation.subject_id == Worker.id)
            .where(Worker.external_id == "H005", Obligation.kind.like("care_certificate.%"))
        ).all()
    items = {milestone: closed for milestone, closed in rows}
    assert items == {"care_certificate": date(2026, 3, 9), "sign_off": None}
    to_sam = [m for m in mail if m[0] == "sam.oneill@harbour-care.example"]
    sign_off = [m for m in to_sam if "Care Certificate sign-off meeting" in m[1]]
    assert sign_off, [m[1] for m in to_sam]
    assert (
        "book your sign-off meeting with your care coordinator, Łucja Wiśniewska"
        in (sign_off[0][2])
    )
    assert not any("Care Certificate (all five standards)" in m[1] for m in to_sam)
    # He books places too: the day before her moving and handling runs out with no session
    # to offer, his digest asks him to find her one.
    assert "find Zoë Þórsdóttir a refresher" in to_tom[0][2], to_tom[0][1]
