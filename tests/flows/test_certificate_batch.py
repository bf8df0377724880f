"""The certificate batch end to end: real database, real Prefect, real SMTP, real PDFs and
RS256 signatures checked with an independent JOSE library; killed with SIGKILL and re-run."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from certificate_world import ISSUE_DAY, certificates, completions, run_batch
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from notifications.signing import load_key
from notifications.sink import SmtpSink
from storage.models import Award, Certificate, OutboxMessage

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("prefect_harness", "certified")
def test_a_batch_issues_signed_pdfs_mails_them_and_issues_nothing_twice(
    tmp_path: Path,
    engine,
    organisation,
    smtp_sink: SmtpSink,
    key_file: Path,  # type: ignore[no-untyped-def]
) -> None:
    from tasks.certificates.verification import verify_pdf, verify_serial

    completions(engine, organisation, tmp_path, [
        ("W0035", "first_aid", "2026-06-17"),
        ("W0019", "cs_assessment", "2025-02-03"),
    ])  # fmt: skip
    result = run_batch()
    assert result["issued"] == 2 and result["sent"] == 2
    issued = {c.key: c for c in certificates(engine)}
    first_aid, module = issued["first_aid"], issued["cs_assessment"]
    assert re.fullmatch(r"LDR-\d{6}-1-[A-Z2-7]{8}", first_aid.serial), first_aid.serial
    assert first_aid.expires_on == date(2029, 6, 17)
    assert module.expires_on is None
    # The mail carries the PDF, byte for byte the file on record.
    received = next(
        r for r in smtp_sink.received if r.recipients == ["idris.mensah@sample-borough.example"]
    )
    assert str(received.message["Subject"]) == "Your certificate: First aid at work"
    pdf_part = next(p for p in received.message.walk() if p.get_content_type() == "application/pdf")
    content = pdf_part.get_content()
    assert pdf_part.get_filename() == f"certificate-{first_aid.serial}.pdf"
    assert hashlib.sha256(content).hexdigest() == first_aid.pdf_sha256
    assert content == Path(first_aid.pdf_path).read_bytes()
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in (
        "Idris Mensah",
        "First aid at work",
        "Valid until: Sunday 17 June 2029",
        first_aid.serial,
        f"https://verify.sample-borough.example/verify/{first_aid.serial}",
    ):
        assert expected in text, expected
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    # The credential checks out with an independent JOSE library and the published JWKS.
    jwks = load_key(key_file).jwks()
    decoded = jose_jwt.decode(
        first_aid.credential, KeySet.import_key_set(jwks), algorithms=["RS256"]
    )
    assert decoded.claims["vc"]["credentialSubject"]["name"] == "Idris Mensah"
    assert decoded.claims["vc"]["validUntil"] == "2029-06-17T23:59:59Z"
    with Session(engine) as session:
        assert verify_pdf(session, content, jwks, ISSUE_DAY).status == "current"
        tampered = content.replace(b"Idris Mensah", b"Idris Mensahh", 1)
        assert tampered != content
        verdict = verify_pdf(session, tampered, jwks, ISSUE_DAY)
        assert (verdict.genuine, verdict.problem) == (
            False,
            "the file differs from the certificate issued under this serial: it was altered",
        )
        # A serial guessed from a real one (the next award, or the check code changed) fails.
        guessed = first_aid.serial[:-8] + (
            "A" * 8 if not first_aid.serial.endswith("A" * 8) else "B" * 8
        )
        assert verify_serial(session, guessed, jwks, ISSUE_DAY).genuine is False
        assert set(session.scalars(select(Award.status))) == {"issued"}
    # Run again: nothing is waiting, nothing is issued or sent twice.
    assert run_batch()["issued"] == 0
    assert len(certificates(engine)) == 2 and len(smtp_sink.received) == 2
    from typer.testing import CliRunner

    from flows.cli import app

    status = CliRunner().invoke(app, ["mail", "status"]).output.splitlines()
    assert "  certificates: queued 0, sent 2, failed 0" in status
    import json

    explained = CliRunner().invoke(app, ["explain", "W0035", "--json", "--as-of", "2026-11-23"])
    shown = json.loads(explained.output)["training"]["certificates"]
    assert shown == [
        {
            "serial": first_aid.serial,
            "title": "First aid at work",
            "issued_on": "2026-11-23",
            "expires_on": "2029-06-17",
            "status": "current",
        }
    ]


@pytest.mark.usefixtures("prefect_harness", "certified")
def test_an_asye_pass_becomes_a_certificate(engine, organisation) -> None:  # type: ignore[no-untyped-def]
    from tasks.programmes.decisions import record_outcome

    # Her 3, 6 and 9-month reviews come first: a recommendation needs them on record.
    steps = [
        ("review_3", "on_track", date(2025, 12, 1)),
        ("review_6", "on_track", date(2026, 3, 2)),
        ("review_9", "on_track", date(2026, 6, 1)),
        ("final_recommendation", "pass", date(2026, 8, 3)),
    ]
    with Session(engine) as session, session.begin():
        for milestone, outcome, day in steps:
            record_outcome(
                session,
                organisation,
                worker="W0011",
                milestone=milestone,
                outcome=outcome,
                actor="W0007",
                occurred_on=day,
                today=date(2026, 8, 3),
            )
    run_batch()
    (certificate,) = certificates(engine)
    assert (certificate.kind, certificate.title, certificate.achieved_on) == (
        "asye",
        "Assessed and Supported Year in Employment",
        date(2026, 8, 3),
    )


def test_a_batch_killed_midway_and_run_again_issues_each_award_once(
    tmp_path: Path,
    database_url: str,
    engine,
    organisation,
    import_roster_file,
    key_file: Path,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    import_roster_file(engine, organisation, as_of=date(2025, 12, 1))
    rows = [
        (f"W00{n}", module, "2025-06-02")
        for n in range(19, 38)
        for module in (
            "psw_foundations",
            "psw_child_development",
            "psw_child_protection",
            "psw_case_management",
            "psw_psychosocial_support",
            "psw_families_communities",
            "cs_assessment",
            "as_care_act",
        )
    ]
    completions(engine, organisation, tmp_path, rows)
    with Session(engine) as session:
        waiting = session.scalar(
            select(func.count()).select_from(Award).where(Award.status == "waiting")
        )
    assert waiting >= 150
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "LADDER_DATABASE_URL": database_url,
        "LADDER_DATA_DIR": str(tmp_path / "var"),
        "LADDER_SIGNING_KEY": str(key_file),
        "LADDER_SMTP_HOST": "127.0.0.1",
        "LADDER_SMTP_PORT": str(smtp_sink.port),
        "LADDER_SMTP_SECURITY": "none",
        "LADDER_CERTIFICATE_CHUNK_SIZE": "2",
        "LADDER_ALLOW_LOCAL_VERIFY_URL": "true",  # the test names the local site
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    env.pop("PREFECT_API_URL", None)
    command = [
        sys.executable,
        "-c",
        "from flows.cli import main; main()",
        "certificates",
        "issue",
        "--as-of",
        ISSUE_DAY.isoformat(),
    ]

    def issued() -> int:
        with Session(engine) as session:
            return int(session.scalar(select(func.count()).select_from(Certificate)) or 0)

    # A session of its own, killed as a whole as a crashed machine would be: the command and
    # the local Prefect server it started, so nothing outlives the test.
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    while issued() < 10 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    ended = process.poll()  # the command stopped by itself: say why, not just the count
    with contextlib.suppress(ProcessLookupError):  # its whole group may be gone already
        os.killpg(process.pid, signal.SIGKILL)  # no clean-up of any kind: they just stop
    _, stderr = process.communicate(timeout=60)
    killed_at = issued()
    assert 10 <= killed_at < waiting, f"killed after {killed_at} of {waiting}; the command " + (
        f"had ended with {ended}: {stderr.decode()[-2000:]}" if ended is not None else "ran"
    )
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    with Session(engine) as session:
        awards = session.scalars(select(Award)).all()
        certs = session.scalars(select(Certificate)).all()
        mails = session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == "certificate")
        ).all()
    assert {a.status for a in awards} == {"issued"}
    assert sorted(c.award_id for c in certs) == sorted(a.id for a in awards)  # each exactly once
    assert len(mails) == len(certs) and {m.status for m in mails} == {"sent"}
    received = [
        r for r in smtp_sink.received if str(r.message["Subject"]).startswith("Your certificate")
    ]
    assert len({str(r.message["Message-ID"]) for r in received}) == len(certs)
    for certificate in certs:  # every file on disk is the one on record
        assert (
            hashlib.sha256(Path(certificate.pdf_path).read_bytes()).hexdigest()
            == certificate.pdf_sha256
        )
    assert not list((tmp_path / "var" / "certificates").glob("*.tmp"))


@pytest.mark.usefixtures("prefect_harness", "certified")
def test_the_batch_publishes_its_progress_and_a_summary(
    tmp_path: Path, engine, organisation
) -> None:  # type: ignore[no-untyped-def]
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    completions(engine, organisation, tmp_path, [("W0035", "first_aid", "2026-06-17")])
    run_batch()
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(
                    any_=["certificate-batch-progress", "certificate-batch-summary"]
                )
            )
        )
    latest = {a.key: a for a in sorted(found, key=lambda a: a.created)}
    assert float(latest["certificate-batch-progress"].data) == 100.0
    summary = str(latest["certificate-batch-summary"].data)
    assert "certificates issued: 1" in summary
    assert "Idris" not in summary and "@" not in summary  # ids and counts, no personal data
