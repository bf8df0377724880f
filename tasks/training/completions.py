"""Completions: record them (from an import or approved credit) as credentials, renewals
closed and awards waiting for their certificate, and import a completions file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.certificates import award_status
from definitions.completions import parse_completions
from definitions.organisation import Organisation
from definitions.training import TrainingProgramme, expiry_for, pathway_progress, require_programme
from storage.dialect import in_batches, refresh_statistics
from storage.history import record_event, record_events
from storage.models import Service, Worker
from storage.roster import known_external_ids
from storage.training import (
    achievements,
    active_credentials,
    add_awards,
    add_completions,
    add_credentials,
    close_renewals,
    pathway_awards,
    supersede_credentials,
)
from tasks.roster.roster_import import read_csv
from tasks.training.renewals import ensure_renewal_items
from tasks.training.required import close_required


@dataclass
class TrainingUpdate:
    completions: int = 0
    credentials: int = 0
    renewed: int = 0
    awards: int = 0
    pathways: list[tuple[str, str]] = field(default_factory=list)  # (worker id, pathway)
    renewal_items: int = 0
    required_done: int = 0  # items of training never done that these completions closed


def record_completions(
    session: Session,
    organisation: Organisation,
    *,
    rows: list[dict[str, Any]],
    actor: str,
    today: date,
) -> TrainingUpdate:
    """Record completions ({worker_id, module, completed_on, source, source_ref}) in the
    caller's transaction; a completion already recorded is skipped (re-imports are safe).

    Each new completion of a module with a validity period becomes a credential. The newest
    credential of a (worker, module) is the active one; it supersedes the one before, whose
    renewal item closes. New module credentials and completed pathways become awards
    waiting for their certificate."""
    training = require_programme(organisation.training)
    update_ = TrainingUpdate()
    new = sorted(add_completions(session, rows=rows), key=lambda r: (r[1], r[2], r[3], r[0]))
    update_.completions = len(new)
    if not new:
        return update_
    workers = {r[1] for r in new}
    refresh_statistics(session, ("completions",), rows=len(new))
    # The chain of each (worker, module), planned in memory and written in three statements:
    # insert the new credentials, then mark what each supersedes, then close old renewals.
    # A credential is planned as a dict; "id" is known for stored ones, "completion_id" for
    # new ones (their ids come back from the insert).
    current: dict[tuple[int, str], dict[str, Any]] = {
        (c.worker_id, c.module): {
            "id": c.id,
            "valid_from": c.valid_from,
            "expires_on": c.expires_on,
        }
        for c in active_credentials(session, worker_ids=workers)
    }
    planned: list[dict[str, Any]] = []
    supersedes: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (superseded, by)
    late_records: set[int] = set()
    awards: list[dict[str, Any]] = []
    for completion_id, worker_id, module_key, completed_on in new:
        module = training.module(module_key)
        expires = None
        if module.validity is not None:
            previous = current.get((worker_id, module_key))
            late = previous is not None and completed_on <= previous["valid_from"]
            expiry = expiry_for(
                module.validity,
                completed_on,
                previous["expires_on"] if previous and not late else None,
                organisation.profile.locale,
            )
            credential = {
                "worker_id": worker_id,
                "module": module_key,
                "completion_id": completion_id,
                "valid_from": completed_on,
                "expires_on": expiry.expires_on,
                "rule": expiry.rule,
                "status": "active",
                "superseded_by": None,
            }
            planned.append(credential)
            if late:
                # An older record arriving late: kept in the history, superseded at once.
                assert previous is not None
                supersedes.append((credential, previous))
                late_records.add(completion_id)
                continue
            if previous is not None:
                supersedes.append((previous, credential))
            current[(worker_id, module_key)] = credential
            update_.credentials += 1
            expires = expiry.expires_on
        awards.append(
            dict(
                worker_id=worker_id,
                kind="module",
                key=module_key,
                achieved_on=completed_on,
                expires_on=expires,
                status=award_status(organisation, "module", module_key),
            )
        )
    inserted = add_credentials(session, rows=planned)
    refresh_statistics(session, ("credentials",), rows=len(planned))
    ids = {completion: credential_id for credential_id, completion in inserted}
    for credential in planned:
        credential["id"] = ids[credential["completion_id"]]
    supersede_credentials(
        session,
        changes=[{"id": old["id"], "superseded_by": newer["id"]} for old, newer in supersedes],
    )
    # Renewed: a credential that was active and now has a successor (not a late old record).
    renewed = [old["id"] for old, _ in supersedes if old.get("completion_id") not in late_records]
    update_.renewed = len(renewed)
    close_renewals(session, credential_ids=renewed, closed_on=today)
    update_.required_done = close_required(
        session, done=[(w, m, d) for _, w, m, d in new], closed_on=today
    )
    awards += _pathway_awards(session, organisation, training, workers)
    # Counted: those waiting for a certificate (the rest are recorded, with no certificate).
    update_.awards = add_awards(session, rows=[a for a in awards if a["status"] == "waiting"])
    add_awards(session, rows=[a for a in awards if a["status"] != "waiting"])
    names = dict(session.execute(select(Worker.id, Worker.external_id)).tuples().all())
    update_.pathways = [(names[a["worker_id"]], a["key"]) for a in awards if a["kind"] == "pathway"]
    record_events(
        session,
        rows=[
            dict(
                kind="training.completed",
                actor=actor,
                occurred_on=completed_on,
                subject_id=worker_id,
                payload={"module": module_key, "completion_id": completion_id},
            )
            for completion_id, worker_id, module_key, completed_on in new
        ]
        + [
            dict(
                kind="training.pathway_completed",
                actor="system",
                occurred_on=a["achieved_on"],
                subject_id=a["worker_id"],
                payload={"pathway": a["key"], "award": a["status"]},
            )
            for a in awards
            if a["kind"] == "pathway"
        ],
    )
    update_.renewal_items = ensure_renewal_items(session, organisation)
    return update_


def _pathway_awards(
    session: Session, organisation: Organisation, training: TrainingProgramme, workers: set[int]
) -> list[dict[str, Any]]:
    """Awards for pathways these workers have now completed (and were not awarded yet)."""
    done = achievements(session, worker_ids=workers)
    services: dict[int, int] = {}
    for part in in_batches(workers):
        services.update(
            session.execute(select(Worker.id, Worker.service_id).where(Worker.id.in_(part)))
            .tuples()
            .all()
        )
    service_keys: dict[int | None, str] = dict(
        session.execute(select(Service.id, Service.key)).tuples().all()
    )
    awarded = pathway_awards(session, worker_ids=workers)
    rows = []
    for worker_id in sorted(workers):
        for pathway in training.pathways:
            if pathway.service and service_keys.get(services.get(worker_id)) != pathway.service:
                continue
            if (worker_id, pathway.key) in awarded:
                continue
            progress = pathway_progress(pathway, *done[worker_id])
            if progress.complete and progress.completed_on:
                rows.append(
                    dict(
                        worker_id=worker_id,
                        kind="pathway",
                        key=pathway.key,
                        status=award_status(organisation, "pathway", pathway.key),
                        achieved_on=progress.completed_on,
                        expires_on=None,
                    )
                )
    return rows


def import_completions(
    session: Session, organisation: Organisation, path: Path, *, actor: str, today: date
) -> tuple[int, TrainingUpdate]:
    """All or nothing: a bad row raises RosterError (every problem listed); re-importing
    the same file records nothing twice. Returns (rows in the file, what changed)."""
    training = require_programme(organisation.training)
    header, raw = read_csv(path)
    rows = parse_completions(
        header,
        raw,
        source=path.name,
        training=training,
        known_ids=known_external_ids(session),
        today=today,
    )
    ids = dict(session.execute(select(Worker.external_id, Worker.id)).tuples().all())
    result = record_completions(
        session,
        organisation,
        rows=[
            dict(
                worker_id=ids[r.external_id],
                module=r.module,
                completed_on=r.completed_on,
                source="import",
                source_ref=f"{path.name}:{r.row}",
            )
            for r in rows
        ],
        actor=actor,
        today=today,
    )
    record_event(
        session,
        kind="training.completions_imported",
        actor=actor,
        occurred_on=today,
        payload={"file": path.name, "rows": len(rows), "new": result.completions},
    )
    return len(rows), result
