"""Changing a validity rule: preview every expiry date the rules in training.yaml would now
set differently, then apply them with a reason, moving open renewal items to match."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from definitions.errors import BadInput
from definitions.organisation import Organisation
from definitions.training import expiry_for, renewal_due, require_programme
from storage.dialect import in_batches
from storage.history import record_event, record_events
from storage.models import Credential, Obligation, Worker
from storage.obligations import reschedule_open
from storage.training import all_credentials
from tasks.people import require_role


@dataclass(frozen=True)
class ValidityChange:
    credential_id: int
    worker: str
    module: str
    old: date
    new: date
    rule: str


def validity_changes(session: Session, organisation: Organisation) -> list[ValidityChange]:
    """Every credential whose expiry the validity rules in training.yaml would now set
    differently from the date on record. Nothing is changed."""
    training = require_programme(organisation.training)
    names = dict(session.execute(select(Worker.id, Worker.external_id)).tuples().all())
    chains: dict[tuple[int, str], list[Credential]] = defaultdict(list)
    for credential in all_credentials(session):
        chains[(credential.worker_id, credential.module)].append(credential)
    changes = []
    for (worker_id, module_key), chain in chains.items():
        validity = training.module(module_key).validity
        if validity is None:
            continue
        previous: date | None = None
        for credential in chain:  # oldest first
            expiry = expiry_for(
                validity, credential.valid_from, previous, organisation.profile.locale
            )
            if expiry.expires_on != credential.expires_on:
                changes.append(
                    ValidityChange(
                        credential.id,
                        names[worker_id],
                        module_key,
                        credential.expires_on,
                        expiry.expires_on,
                        expiry.rule,
                    )
                )
            previous = expiry.expires_on
    return sorted(changes, key=lambda c: (c.module, c.worker, c.old))


def apply_validity_changes(
    session: Session, organisation: Organisation, *, reason: str, actor: str, today: date
) -> list[ValidityChange]:
    """Apply what validity_changes shows: new expiry dates, open renewal items moved to
    match, and each change recorded with the reason."""
    require_role(
        session,
        actor,
        roles=organisation.ladder.decided_by.policy,
        may="change people's expiry dates",
    )
    if not reason.strip():
        raise BadInput("changing people's expiry dates needs a reason (--reason)")
    training = require_programme(organisation.training)
    calendar = organisation.working_calendar()
    changes = validity_changes(session, organisation)
    for change in changes:
        session.execute(
            update(Credential)
            .where(Credential.id == change.credential_id)
            .values(expires_on=change.new, rule=change.rule)
            .execution_options(synchronize_session=False)
        )
    open_items = {
        o.source: o
        for part in in_batches(f"credential:{c.credential_id}" for c in changes)
        for o in session.scalars(
            select(Obligation).where(Obligation.source.in_(part), Obligation.status == "open")
        )
    }
    moves = []
    for change in changes:
        item = open_items.get(f"credential:{change.credential_id}")
        if item is None:
            continue
        title = training.module(change.module).title
        due, rule = renewal_due(calendar, title, change.new, change.rule)
        moves.append({"id": item.id, "due_date": due, "rule": rule})
    reschedule_open(session, changes=moves)
    ids = dict(session.execute(select(Worker.external_id, Worker.id)).tuples().all())
    record_events(
        session,
        rows=[
            dict(
                kind="training.expiry_changed",
                actor=actor,
                occurred_on=today,
                subject_id=ids[c.worker],
                payload={
                    "module": c.module,
                    "credential": c.credential_id,
                    "old": c.old.isoformat(),
                    "new": c.new.isoformat(),
                    "reason": reason.strip(),
                },
            )
            for c in changes
        ],
    )
    record_event(
        session,
        kind="training.validity_applied",
        actor=actor,
        occurred_on=today,
        payload={"changes": len(changes), "reason": reason.strip()},
    )
    return changes
