"""Issue certificates: render, sign and store each waiting award's certificate, supersede
what it replaces and queue its mail, in the caller's transaction.

Everything is deterministic (serial from the award, PDF in invariant mode, RS256 signature
over claims dated by the issue day), so a batch killed anywhere and run again writes the
same files and issues each award exactly once: the certificate rows, the award's status and
the worker's mail commit together, or not at all.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from definitions.certificates import (
    KIND_LABELS,
    CredentialFacts,
    award_title,
    certificate_prefix,
    credential_claims,
    serial_for,
)
from definitions.language import gettext_for
from definitions.organisation import Organisation
from definitions.settings import public_verify_url
from notifications.certificate_pdf import CertificateFace, render_certificate
from notifications.render import render
from notifications.signing import SigningKey
from storage.dialect import id_ranges, insert_new_rows
from storage.files import write_atomically
from storage.history import record_events
from storage.models import Award, Certificate, Worker
from storage.outbox import enqueue
from tasks.reminders.compose import outbox_row
from tasks.runtime import Runtime


@dataclass(frozen=True)
class Issued:
    serial: str
    worker: str
    award_id: int


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


def prepare_certificate(
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
    locale = organisation.profile.locale
    _ = gettext_for(locale)
    title, description = award_title(organisation, award.kind, award.key, _)
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
            kind_label=_(KIND_LABELS.get(award.kind, "Award")),
            achieved_on=award.achieved_on,
            issued_on=issued_on,
            expires_on=award.expires_on,
            issuer=issuer,
            verify_url=f"{verify_url.rstrip('/')}/verify/{serial}",
            locale=locale,
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
            "recipient_name": worker.name,
            "title": row["title"],
            "serial": row["serial"],
            "issued": row["issued_on"],
            "expires": row["expires_on"],
            "verify_link": f"{verify_url.rstrip('/')}/verify/{row['serial']}",
            "corrected": row["version"] > 1,
        },
        organisation.voice,
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


def store_certificates(
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
        cast(Table, Certificate.__table__),
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
    verify_url = public_verify_url(runtime.settings)
    rows = [
        prepare_certificate(
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
    store_certificates(session, organisation, rows, workers, runtime.sender_address, verify_url)
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
