"""`ladder mail proofread`: every sent message in a folder of .eml files read through the
check in notifications/proofread.py, with the organisation's own keys (teams, modules,
milestones) and the roster's ids as what must not show."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.organisation import Organisation
from notifications.proofread import Defect, defects
from storage.dialect import in_batches
from storage.models import Team, Worker

_GREETING = re.compile(r"^(?:Dear|Bonjour|Hello)\s+(.+?),\s*$", re.MULTILINE)
_ID_LIKE = re.compile(r"\b[A-Z]{1,5}-?\d{2,}\b")


@dataclass(frozen=True)
class Finding:
    file: str
    subject: str
    defect: Defect


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return str(part.get_content()) if part is not None else ""


def organisation_keys(session: Session, organisation: Organisation) -> set[str]:
    """Keys a reader must never see: the roster's team keys and the YAML's module and
    milestone keys (single words such as "induction" are words too, and are left out)."""
    keys = set(session.scalars(select(Team.key)))
    if organisation.training:
        keys |= {m.key for m in organisation.training.modules}
    keys |= {m.key for p in organisation.dated_programmes for m in p.milestones}
    return {k for k in keys if "_" in k or "-" in k}


def proofread_folder(
    session: Session, organisation: Organisation, folder: Path
) -> tuple[int, list[Finding]]:
    """(messages read, what would confuse their readers)."""
    keys = organisation_keys(session, organisation)
    findings: list[Finding] = []
    files = sorted(folder.glob("*.eml"))
    for path in files:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        subject = str(message["Subject"] or "")
        text = f"{subject}\n{_text(message)}"
        greeting = _GREETING.search(text)
        tokens = sorted(set(_ID_LIKE.findall(text)))
        ids: list[str] = []
        for part in in_batches(tokens):
            ids += session.scalars(select(Worker.external_id).where(Worker.external_id.in_(part)))
        for defect in defects(
            text, reader=greeting.group(1) if greeting else "", keys=keys, ids=ids
        ):
            findings.append(Finding(path.name, subject, defect))
    return len(files), findings
