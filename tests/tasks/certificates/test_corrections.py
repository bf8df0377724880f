"""Revocation and correction: recorded, kept in the history, and told to verifiers."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from certificate_world import ISSUE_DAY, certificates, completions, run_batch
from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.errors import NotFound, Refused
from notifications.signing import load_key
from notifications.sink import SmtpSink
from storage.models import Certificate, OutboxMessage

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("prefect_harness", "certified")
def test_revocation_and_correction_are_recorded_and_verified(
    tmp_path: Path,
    engine,
    organisation,
    key_file: Path,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    from tasks.certificates.corrections import reissue, revoke
    from tasks.certificates.verification import verify_credential, verify_serial
    from tasks.runtime import current_runtime

    completions(engine, organisation, tmp_path, [
        ("W0031", "first_aid", "2026-03-18"), ("W0032", "first_aid", "2026-03-18"),
    ])  # fmt: skip
    run_batch()
    a, b = sorted(certificates(engine), key=lambda c: c.worker_id)
    # Only the roles of ladder.yaml's decided_by.certificates may correct a certificate: not
    # a care worker, nobody at all, nor a lead who has left.
    for actor, error, said in (
        ("W0036", Refused, "W0036 is a care worker; only a workforce lead or head of service"),
        ("W9999", NotFound, "no one with id 'W9999' is on the roster"),
        ("W0038", Refused, "W0038's roster status is 'left', not active, so they may not"),
    ):
        with Session(engine) as session, session.begin(), pytest.raises(error, match=said):
            revoke(session, organisation, serial=a.serial, reason="x", actor=actor, today=ISSUE_DAY)
        with (
            Session(engine) as session,
            session.begin(),
            pytest.raises(error, match=said.split(",")[0]),
        ):
            reissue(
                session,
                current_runtime(),
                serial=b.serial,
                reason="x",
                actor=actor,
                today=ISSUE_DAY,
            )
    with Session(engine) as session, session.begin():
        revoke(
            session,
            organisation,
            serial=a.serial,
            reason="attendance sheet was wrong",
            actor="W0001",
            today=ISSUE_DAY,
        )
    with (
        Session(engine) as session,
        session.begin(),
        pytest.raises(Refused, match="already revoked"),
    ):
        revoke(
            session, organisation, serial=a.serial, reason="again", actor="W0001", today=ISSUE_DAY
        )
    with Session(engine) as session, session.begin():
        corrected = reissue(
            session,
            current_runtime(),
            serial=b.serial,
            reason="name spelt wrong",
            actor="W0001",
            today=ISSUE_DAY,
        )
    assert re.fullmatch(rf"LDR-{b.award_id:06d}-2-[A-Z2-7]{{8}}", corrected), corrected
    jwks = load_key(key_file).jwks()
    with Session(engine) as session:
        revoked = verify_serial(session, a.serial, jwks, ISSUE_DAY)
        assert (revoked.genuine, revoked.status, revoked.revoked_reason) == (
            True,
            "revoked",
            "attendance sheet was wrong",
        )
        assert verify_serial(session, b.serial, jwks, ISSUE_DAY).replaced_by == corrected
        assert verify_serial(session, corrected, jwks, ISSUE_DAY).status == "current"
        # The credential itself, presented on its own, is checked too.
        token = session.scalar(
            select(Certificate.credential).where(Certificate.serial == corrected)
        )
        assert verify_credential(session, token, jwks, ISSUE_DAY).status == "current"
        assert verify_credential(session, token[:-4] + "AAAA", jwks, ISSUE_DAY).genuine is False
        # The first certificate never changed: same file, same credential.
        first = session.scalars(select(Certificate).where(Certificate.serial == b.serial)).one()
        assert hashlib.sha256(Path(first.pdf_path).read_bytes()).hexdigest() == first.pdf_sha256
        assert (first.credential, first.issued_on) == (b.credential, b.issued_on)
        queued = session.scalar(
            select(OutboxMessage.subject).where(
                OutboxMessage.dedup_key == f"certificate:{corrected}"
            )
        )
    assert queued == "Corrected certificate: First aid at work"
