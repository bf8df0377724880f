"""Renewal items: an obligation for every active credential its holder's role must keep."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.language import gettext_for
from definitions.organisation import Organisation
from definitions.training import renewal_due, require_programme
from storage.models import Credential, Worker
from storage.obligations import insert_obligations
from storage.training import renewal_sources

RENEWAL = "training.renewal"


def renewal_title(organisation: Organisation, module_title: str) -> str:
    """A renewal item's title, in the organisation's language: 'First aid renewal'."""
    _ = gettext_for(organisation.profile.locale)
    return _("{title} renewal").format(title=module_title)


def ensure_renewal_items(session: Session, organisation: Organisation) -> int:
    """A renewal item (obligation) for every active credential of a refresher its holder's
    role must keep; due on the expiry, or the working day before when that is a weekend or
    bank holiday. Idempotent: one item per credential."""
    training = require_programme(organisation.training)
    calendar = organisation.working_calendar()
    mandatory = {(r.module, role) for r in training.refreshers for role in r.roles}
    rows = session.execute(
        select(Credential, Worker.role)
        .join(Worker, Worker.id == Credential.worker_id)
        .where(Credential.status == "active", Worker.status != "left")
    ).all()
    wanted = [(c, role) for c, role in rows if (c.module, role) in mandatory]
    have = renewal_sources(session, sources=[f"credential:{c.id}" for c, _ in wanted])
    items: list[dict[str, Any]] = []
    for credential, _ in wanted:
        source = f"credential:{credential.id}"
        if source in have:
            continue
        module = training.module(credential.module)
        due, rule = renewal_due(calendar, module.title, credential.expires_on, credential.rule)
        items.append(
            dict(
                source=source,
                subject_id=credential.worker_id,
                enrolment_id=None,
                kind=RENEWAL,
                milestone=credential.module,
                title=renewal_title(organisation, module.title),
                due_date=due,
                responsible_role="worker",
                reminder_policy=training.reminder_policy,
                rule=rule,
                status="open",
            )
        )
    return insert_obligations(session, rows=items)
