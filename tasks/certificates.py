"""Issue, re-issue, revoke and verify certificates.

A batch issues every award waiting for its certificate, a chunk at a time. Everything in a
chunk is deterministic (serial from the award, PDF in invariant mode, RS256 signature over
claims dated by the issue day), so a batch killed anywhere and run again writes the same
files and issues each award exactly once: the certificate rows, the award's status and the
worker's mail commit together, or not at all.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from definitions.calendar import human_date
from definitions.certificates import (
    CertificateStatus,
    CredentialFacts,
    credential_claims,
    serial_for,
    status_of,
)
from definitions.errors import Refused
from definitions.organisation import Organisation
from notifications.certificate_pdf import SERIAL_KEYWORD, CertificateFace, render_certificate
from notifications.render import render
from notifications.signing import CredentialError, SigningKey, load_key, verify_jwt
from storage.dialect import id_ranges, insert_new_rows
from storage.files import write_atomically
from storage.history import record_event, record_events
from storage.models import Award, Certificate, Worker
from storage.outbox import enqueue
from tasks.compose import outbox_row
from tasks.runtime import Runtime, current_runtime

KIND_LABELS = {
    "module": "Module",
    "pathway": "Training pathway",
    "asye": "Assessed and Supported Year in Employment",
    "progression": "Progression",
}


class CertificateError(Refused):
    """A certificate action that cannot be done; nothing was written."""


def award_title(organisation: Organisation, kind: str, key: str) -> tuple[str, str]:
    """(title, description) of what an award certifies."""
    training = organisation.training
    if kind == "module" and training:
        module = training.module(key)
        return module.title, "Learning outcomes: " + "; ".join(module.outcomes)
    if kind == "pathway" and training:
        pathway = next(p for p in training.pathways if p.key == key)
        return pathway.title, f"Completed every module set of the {pathway.title}."
    if kind == "asye":
        return (
            organisation.asye.title,
            "Passed the ASYE, assessed against the Professional Capabilities Framework.",
        )
    if kind == "progression":
        level = next((lv for lv in organisation.ladder.levels if lv.key == key), None)
        title = level.title if level else key.replace("_", " ").capitalize()
        route = organisation.panels.title if organisation.panels else "progression panel"
        return title, f"Progressed to {title} by decision of the panel ({route})."
    return key.replace("_", " ").capitalize(), key


@dataclass(frozen=True)
class Issued:
    serial: str
    worker: str
    award_id: int


def certificate_prefix(organisation: Organisation) -> str:
    return "LDR"


def sweep_partial_files(folder: Path) -> int:
    """Remove half-written files (NAME.PID.tmp) left by a batch process that was killed; a
    file whose writer is still running is left alone."""
    removed = 0
    for leftover in folder.glob("*.tmp") if folder.is_dir() else ():
        try:
            os.kill(int(leftover.suffixes[-2].lstrip(".")), 0)
        except (ValueError, IndexError, ProcessLookupError):
            leftover.unlink(missing_ok=True)
            removed += 1
        except PermissionError:
            pass  # alive, under another user
    return removed


def _prepare(
    organisation: Organisation,
    key: SigningKey,
    *,
    award: Award,
    worker: Worker,
    version: int,
    issued_on: date,
    folder: Path,
    verify_url: str,
) -> dict[str, Any]:
    """Render, sign and store one certificate's files; the row to insert."""
    serial = serial_for(
        certificate_prefix(organisation),
        award.id,
        version,
        key.check_code(f"certificate:{award.id}:{version}"),
    )
    title, description = award_title(organisation, award.kind, award.key)
    issuer = organisation.name
    facts = CredentialFacts(
        serial=serial,
        worker_id=worker.external_id,
        worker_name=worker.name,
        title=title,
        description=description,
        achievement_key=f"{award.kind}-{award.key}",
        issued_on=issued_on,
        expires_on=award.expires_on,
        issuer_name=issuer,
        base_url=verify_url,
    )
    token = key.sign(credential_claims(facts))
    pdf = render_certificate(
        CertificateFace(
            serial=serial,
            name=worker.name,
            title=title,
            kind_label=KIND_LABELS.get(award.kind, "Award"),
            achieved_on=award.achieved_on,
            issued_on=issued_on,
            expires_on=award.expires_on,
            issuer=issuer,
            verify_url=f"{verify_url.rstrip('/')}/verify/{serial}",
        )
    )
    path = folder / f"{serial}.pdf"
    write_atomically(path, pdf)
    return dict(
        serial=serial,
        award_id=award.id,
        version=version,
        worker_id=worker.id,
        kind=award.kind,
        key=award.key,
        title=title,
        achieved_on=award.achieved_on,
        issued_on=issued_on,
        expires_on=award.expires_on,
        issuer=issuer,
        pdf_path=str(path.resolve()),
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        credential=token,
        status="issued",
    )


def _mail(
    organisation: Organisation, row: dict[str, Any], worker: Worker, sender: str, verify_url: str
) -> dict[str, Any]:
    message = render(
        "certificate",
        {
            "org_name": organisation.name,
            "recipient_name": worker.name,
            "title": row["title"],
            "serial": row["serial"],
            "issued": row["issued_on"],
            "expires": row["expires_on"],
            "verify_link": f"{verify_url.rstrip('/')}/verify/{row['serial']}",
            "corrected": row["version"] > 1,
        },
    )
    return outbox_row(
        f"certificate:{row['serial']}",
        sender,
        worker,
        "worker",
        message,
        send_on=row["issued_on"],
        kind=row["kind"],
        step="certificate",
        obligation_id=None,
        channel="certificate",
        attachment_path=row["pdf_path"],
        attachment_name=f"certificate-{row['serial']}.pdf",
    )


def _store(
    session: Session,
    organisation: Organisation,
    rows: list[dict[str, Any]],
    workers: dict[int, Worker],
    sender: str,
    verify_url: str,
) -> list[Any]:
    """Insert certificates, supersede what they replace, queue their mails: one transaction."""
    inserted = insert_new_rows(
        session,
        Certificate.__table__,
        rows,
        unique=["serial"],
        returning=["id", "worker_id", "kind", "key", "award_id"],
    )
    # A newer certificate of the same achievement (a renewal, a correction) supersedes the
    # ones before it; they stay, marked, so a verifier can say what replaced them.
    # Each still-issued certificate of the same (worker, kind, key) is superseded by the
    # first new one after it: one read and one executemany, not an UPDATE per certificate.
    newer: dict[tuple[int, str, str], list[int]] = defaultdict(list)
    for new_id, worker_id, kind, key, _ in sorted(inserted):
        newer[(worker_id, kind, key)].append(new_id)
    issued = session.execute(
        select(Certificate.id, Certificate.worker_id, Certificate.kind, Certificate.key).where(
            Certificate.status == "issued",
            Certificate.worker_id.in_(sorted({w for w, _, _ in newer})),
        )
    ).all()
    changes = []
    for cert_id, worker_id, kind, key in issued:
        later = [n for n in newer.get((worker_id, kind, key), []) if n > cert_id]
        if later:
            changes.append({"id": cert_id, "status": "superseded", "superseded_by": later[0]})
    if changes:
        session.execute(update(Certificate), changes)
    enqueue(
        session,
        rows=[_mail(organisation, r, workers[r["worker_id"]], sender, verify_url) for r in rows],
    )
    return inserted


def issue_awards(
    session: Session,
    runtime: Runtime,
    key: SigningKey,
    *,
    award_ids: tuple[int, int],
    as_of: date,
) -> list[Issued]:
    """Issue the waiting awards whose ids are in the range, in the caller's transaction."""
    organisation = runtime.organisation
    pairs = session.execute(
        select(Award, Worker)
        .join(Worker, Worker.id == Award.worker_id)
        .where(Award.status == "waiting", Award.id.between(*award_ids))
        .order_by(Award.id)
    ).all()
    if not pairs:
        return []
    folder = runtime.settings.certificate_dir
    verify_url = runtime.settings.verify_url
    rows = [
        _prepare(
            organisation,
            key,
            award=award,
            worker=worker,
            version=1,
            issued_on=as_of,
            folder=folder,
            verify_url=verify_url,
        )
        for award, worker in pairs
    ]
    workers = {worker.id: worker for _, worker in pairs}
    _store(session, organisation, rows, workers, runtime.sender_address, verify_url)
    session.execute(
        update(Award)
        .where(Award.id.in_([a.id for a, _ in pairs]), Award.status == "waiting")
        .values(status="issued")
        .execution_options(synchronize_session=False)
    )
    record_events(
        session,
        rows=[
            dict(
                kind="certificate.issued",
                actor="system",
                occurred_on=as_of,
                subject_id=r["worker_id"],
                payload={"serial": r["serial"], "award": r["award_id"]},
            )
            for r in rows
        ],
    )
    return [Issued(r["serial"], workers[r["worker_id"]].external_id, r["award_id"]) for r in rows]


def waiting_chunks(session: Session, *, size: int) -> list[tuple[int, int]]:
    ids = list(
        session.scalars(select(Award.id).where(Award.status == "waiting").order_by(Award.id))
    )
    return id_ranges(ids, size)


@task(name="plan-certificates", cache_policy=NO_CACHE)
def plan_certificates() -> list[tuple[int, int]]:
    runtime = current_runtime()
    load_key(runtime.settings.signing_key)  # fail the run at once, clearly, without a key
    removed = sweep_partial_files(runtime.settings.certificate_dir)
    if removed:
        get_run_logger().info("removed %d half-written file(s) of a killed run", removed)
    with Session(runtime.engine) as session:
        return waiting_chunks(session, size=runtime.settings.certificate_chunk_size)


@task(
    name="issue-certificates",
    task_run_name="issue-certificates-{award_ids[0]}",
    retries=2,
    retry_delay_seconds=5,
    cache_policy=NO_CACHE,
)
def issue_certificates(award_ids: tuple[int, int], as_of: date) -> int:
    runtime = current_runtime()
    key = load_key(runtime.settings.signing_key)
    with Session(runtime.engine) as session, session.begin():
        issued = issue_awards(session, runtime, key, award_ids=award_ids, as_of=as_of)
    get_run_logger().info(
        "awards %d..%d: %d certificate(s) issued", award_ids[0], award_ids[1], len(issued)
    )
    return len(issued)


# --- corrections and revocation --------------------------------------------------------------


def _certificate(session: Session, serial: str) -> Certificate:
    found = session.scalars(select(Certificate).where(Certificate.serial == serial)).first()
    if found is None:
        raise CertificateError(f"no certificate with serial '{serial}'")
    return found


def revoke(session: Session, *, serial: str, reason: str, actor: str, today: date) -> Certificate:
    if not reason.strip():
        raise CertificateError("say why it is revoked (--reason); verifiers are told")
    certificate = _certificate(session, serial)
    if certificate.status == "revoked":
        raise CertificateError(
            f"{serial} was already revoked on {certificate.revoked_on} by {certificate.revoked_by}"
        )
    done = session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.status != "revoked")
        .values(status="revoked", revoked_on=today, revoked_by=actor, revoked_reason=reason.strip())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise CertificateError(f"{serial} was revoked by someone else just now")
    record_event(
        session,
        kind="certificate.revoked",
        actor=actor,
        occurred_on=today,
        subject_id=certificate.worker_id,
        payload={"serial": serial, "reason": reason.strip()},
    )
    session.refresh(certificate)
    return certificate


def reissue(
    session: Session, runtime: Runtime, *, serial: str, reason: str, actor: str, today: date
) -> str:
    """A correction (the worker's name was wrong, say): a new certificate for the same award,
    which supersedes the old one. The old one never changes except to say so."""
    if not reason.strip():
        raise CertificateError("say why it is re-issued (--reason); it is kept in the history")
    old = _certificate(session, serial)
    if old.status == "revoked":
        raise CertificateError(f"{serial} is revoked; a revoked certificate is not re-issued")
    award = session.get(Award, old.award_id)
    worker = session.get(Worker, old.worker_id)
    assert award is not None and worker is not None
    latest = session.scalar(
        select(Certificate.version)
        .where(Certificate.award_id == award.id)
        .order_by(Certificate.version.desc())
    )
    key = load_key(runtime.settings.signing_key)
    row = _prepare(
        runtime.organisation,
        key,
        award=award,
        worker=worker,
        version=(latest or 0) + 1,
        issued_on=today,
        folder=runtime.settings.certificate_dir,
        verify_url=runtime.settings.verify_url,
    )
    _store(
        session,
        runtime.organisation,
        [row],
        {worker.id: worker},
        runtime.sender_address,
        runtime.settings.verify_url,
    )
    record_event(
        session,
        kind="certificate.reissued",
        actor=actor,
        occurred_on=today,
        subject_id=worker.id,
        payload={"serial": row["serial"], "replaces": serial, "reason": reason.strip()},
    )
    return str(row["serial"])


# --- verification ----------------------------------------------------------------------------


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
        return Verification(False, None, certificate.serial, problem=str(exc))
    if not claims.get("jti", "").endswith(f"/credentials/{certificate.serial}"):
        return Verification(
            False, None, certificate.serial, problem="the credential names another certificate"
        )
    worker = session.get(Worker, certificate.worker_id)
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
        name=worker.name if worker else None,
        title=certificate.title,
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        issuer=certificate.issuer,
        replaced_by=replaced,
        revoked_on=certificate.revoked_on,
        revoked_reason=certificate.revoked_reason,
    )


def verify_serial(session: Session, serial: str, jwks: dict[str, Any], today: date) -> Verification:
    certificate = session.scalars(select(Certificate).where(Certificate.serial == serial)).first()
    if certificate is None:
        return Verification(False, None, serial, problem=f"no certificate {serial} was issued")
    return _verdict(session, certificate, jwks, today)


def verify_pdf(session: Session, content: bytes, jwks: dict[str, Any], today: date) -> Verification:
    """A PDF is genuine when it is, byte for byte, the file Ladder issued (its SHA-256 is on
    record) and that certificate's credential checks out."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        keywords = (PdfReader(io.BytesIO(content)).metadata or {}).get("/Keywords", "")
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
