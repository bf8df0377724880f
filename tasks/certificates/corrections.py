"""Corrections: revoke a certificate (verifiers are told why), or re-issue it as a new
certificate of the same award that supersedes the old one."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from definitions.errors import BadInput, NotFound, Refused
from definitions.organisation import Organisation
from definitions.settings import public_verify_url
from notifications.signing import load_key
from storage.history import record_event
from storage.models import Award, Certificate, Worker
from tasks.certificates.issue import prepare_certificate, store_certificates
from tasks.people import require_role
from tasks.runtime import Runtime


def _certificate(session: Session, serial: str) -> Certificate:
    found = session.scalars(select(Certificate).where(Certificate.serial == serial)).first()
    if found is None:
        raise NotFound(f"no certificate with serial '{serial}'")
    return found


def revoke(
    session: Session,
    organisation: Organisation,
    *,
    serial: str,
    reason: str,
    actor: str,
    today: date,
) -> Certificate:
    require_role(
        session,
        actor,
        roles=organisation.ladder.decided_by.certificates,
        may="revoke a certificate",
    )
    if not reason.strip():
        raise BadInput("say why it is revoked (--reason); verifiers are told")
    certificate = _certificate(session, serial)
    if certificate.status == "revoked":
        raise Refused(
            f"{serial} was already revoked on {certificate.revoked_on} by {certificate.revoked_by}"
        )
    done = session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.status != "revoked")
        .values(status="revoked", revoked_on=today, revoked_by=actor, revoked_reason=reason.strip())
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], done).rowcount != 1:
        raise Refused(f"{serial} was revoked by someone else just now")
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
    require_role(
        session,
        actor,
        roles=runtime.organisation.ladder.decided_by.certificates,
        may="reissue a certificate",
    )
    if not reason.strip():
        raise BadInput("say why it is re-issued (--reason); it is kept in the history")
    old = _certificate(session, serial)
    if old.status == "revoked":
        raise Refused(f"{serial} is revoked; a revoked certificate is not re-issued")
    award = session.get(Award, old.award_id)
    worker = session.get(Worker, old.worker_id)
    assert award is not None and worker is not None
    latest = session.scalar(
        select(Certificate.version)
        .where(Certificate.award_id == award.id)
        .order_by(Certificate.version.desc())
    )
    verify_url = public_verify_url(runtime.settings)
    key = load_key(runtime.settings.signing_key)
    row = prepare_certificate(
        runtime.organisation,
        key,
        award=award,
        worker=worker,
        version=(latest or 0) + 1,
        issued_on=today,
        folder=runtime.settings.certificate_dir,
        verify_url=verify_url,
    )
    store_certificates(
        session,
        runtime.organisation,
        [row],
        {worker.id: worker},
        runtime.sender_address,
        verify_url,
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
