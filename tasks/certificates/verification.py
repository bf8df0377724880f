"""Verification: whether a serial, a PDF or a credential presented to Ladder is genuine, and
the status a verifier is told (current, expired, superseded, revoked)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.calendar import human_date
from definitions.certificates import CertificateStatus, status_of
from notifications.certificate_pdf import SERIAL_KEYWORD
from notifications.signing import CredentialError, verify_jwt
from storage.models import Certificate, Worker


@dataclass(frozen=True)
class Verification:
    genuine: bool
    status: CertificateStatus | None
    serial: str | None
    name: str | None = None
    title: str | None = None
    issued_on: date | None = None
    expires_on: date | None = None
    issuer: str | None = None
    replaced_by: str | None = None
    revoked_on: date | None = None
    revoked_reason: str | None = None
    problem: str | None = None
    # Why it is not genuine, for the page to say in the organisation's language: "unknown"
    # (no certificate under this serial) or "tampered" (its record and signature disagree).
    reason: str | None = None

    @property
    def summary(self) -> str:
        if not self.genuine:
            return f"NOT GENUINE: {self.problem}"
        text = {
            "current": "genuine and current",
            "expired": f"genuine, but expired on {self.expires_on}",
            "superseded": f"genuine, but replaced by {self.replaced_by}",
            "revoked": f"REVOKED on {self.revoked_on}: {self.revoked_reason}",
        }[self.status or "current"]
        return f"{self.serial}: {text}"


def _verdict(
    session: Session, certificate: Certificate, jwks: dict[str, Any], today: date
) -> Verification:
    try:
        claims = verify_jwt(certificate.credential, jwks)
    except CredentialError as exc:
        return Verification(False, None, certificate.serial, problem=str(exc), reason="tampered")
    if not claims.get("jti", "").endswith(f"/credentials/{certificate.serial}"):
        return Verification(
            False,
            None,
            certificate.serial,
            problem="the credential names another certificate",
            reason="tampered",
        )
    # The name as it was printed and signed at issue, not today's roster name: a worker who
    # changed their name holds a certificate in the old one until it is reissued.
    subject = claims.get("vc", {}).get("credentialSubject", {})
    worker = session.get(Worker, certificate.worker_id)
    name = subject.get("name") or (worker.name if worker else None)
    replaced = (
        session.scalar(
            select(Certificate.serial).where(Certificate.id == certificate.superseded_by)
        )
        if certificate.superseded_by
        else None
    )
    return Verification(
        True,
        status_of(state=certificate.status, expires_on=certificate.expires_on, on=today),
        certificate.serial,
        name=name,
        title=certificate.title,
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        issuer=certificate.issuer,
        replaced_by=replaced,
        revoked_on=certificate.revoked_on,
        revoked_reason=certificate.revoked_reason,
    )


def normal_serial(typed: str) -> str:
    """A serial as people type it, made what was printed: capitals, and a dash wherever
    they left a space or typed a dash with spaces round it ("ldr 000123-1 - k7qx2mpa" is
    LDR-000123-1-K7QX2MPA)."""
    return re.sub(r"[\s\-\u2013\u2014]+", "-", typed.strip()).strip("-").upper()[:64]


def verify_serial(session: Session, serial: str, jwks: dict[str, Any], today: date) -> Verification:
    serial = normal_serial(serial)
    certificate = session.scalars(select(Certificate).where(Certificate.serial == serial)).first()
    if certificate is None:
        return Verification(
            False, None, serial, problem=f"no certificate {serial} was issued", reason="unknown"
        )
    return _verdict(session, certificate, jwks, today)


def verify_pdf(session: Session, content: bytes, jwks: dict[str, Any], today: date) -> Verification:
    """A PDF is genuine when it is, byte for byte, the file Ladder issued (its SHA-256 is on
    record) and that certificate's credential checks out."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        metadata = PdfReader(io.BytesIO(content)).metadata
        keywords = metadata.get("/Keywords", "") if metadata else ""
    except (PdfReadError, ValueError) as exc:
        return Verification(False, None, None, problem=f"not a readable PDF ({exc})")
    serial = next(
        (
            w.removeprefix(SERIAL_KEYWORD)
            for w in str(keywords).split()
            if w.startswith(SERIAL_KEYWORD)
        ),
        None,
    )
    if serial is None:
        return Verification(False, None, None, problem="not a Ladder certificate (no serial)")
    certificate = session.scalars(select(Certificate).where(Certificate.serial == serial)).first()
    if certificate is None:
        return Verification(False, None, serial, problem=f"no certificate {serial} was issued")
    if hashlib.sha256(content).hexdigest() != certificate.pdf_sha256:
        return Verification(
            False,
            None,
            serial,
            problem="the file differs from the certificate issued under this serial: it was "
            "altered",
        )
    return _verdict(session, certificate, jwks, today)


def verify_credential(
    session: Session, token: str, jwks: dict[str, Any], today: date
) -> Verification:
    """A VC-JWT is genuine when its signature checks against the published key; its status
    comes from the register."""
    try:
        claims = verify_jwt(token.strip(), jwks)
    except CredentialError as exc:
        return Verification(False, None, None, problem=str(exc))
    serial = str(claims.get("jti", "")).rpartition("/credentials/")[2]
    certificate = session.scalars(select(Certificate).where(Certificate.serial == serial)).first()
    if certificate is None:
        return Verification(False, None, serial, problem=f"no certificate {serial} was issued")
    if certificate.credential != token.strip():
        return Verification(
            False, None, serial, problem="signed, but not the credential issued under this serial"
        )
    return _verdict(session, certificate, jwks, today)


def describe(v: Verification) -> list[str]:
    lines = [v.summary]
    if v.genuine:
        lines += [
            f"  {v.title} - {v.name}",
            f"  issued {human_date(v.issued_on)} by {v.issuer}" if v.issued_on else "",
            f"  valid until {human_date(v.expires_on)}" if v.expires_on else "  does not expire",
        ]
    return [line for line in lines if line]
