"""Training never done: an item for each module a worker's role requires and they have no
completion of, dated from the day they started in the role; closed by the completion,
cancelled when a new role no longer requires it."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session

from definitions.calendar import rule_date
from definitions.language import gettext_for
from definitions.organisation import Organisation
from definitions.training import RequiredModule, require_programme
from storage.dialect import in_batches
from storage.models import Completion, Obligation, Worker
from storage.obligations import insert_obligations

REQUIRED = "training.required"


def required_title(organisation: Organisation, module_title: str) -> str:
    _ = gettext_for(organisation.profile.locale)
    return _("{title} (required for your role)").format(title=module_title)


def required_due(
    organisation: Organisation, requirement: RequiredModule, *, role: str, since: date, moved: bool
) -> tuple[date, str]:
    """When a worker who started in `role` on `since` must have done the module, and why."""
    calendar = organisation.working_calendar()
    locale = organisation.profile.locale
    _ = calendar._
    nominal = requirement.within.after(since)
    due = calendar.previous_working_day(nominal)
    started = (
        _("moved into the role of {role} on {since}")
        if moved
        else _("started as {role} on {since}")
    ).format(role=organisation.ladder.role_title(role), since=rule_date(since, locale))
    rule = _("{started}; required within {span}, so by {date}").format(
        started=started, span=requirement.within.text(locale), date=rule_date(nominal, locale)
    )
    return due, calendar.clauses(rule, calendar.why_moved_back(nominal))


def ensure_required_items(session: Session, organisation: Organisation) -> int:
    """An item for every (active worker, required module) with no completion of the module
    and no open or done item for it; open items a worker's new role no longer requires are
    cancelled. A few set-based statements per requirement, whatever the workforce size.
    Returns the items added."""
    training = require_programme(organisation.training)
    added = 0
    for requirement in training.required:
        module = training.module(requirement.module)
        _cancel_not_required(session, requirement)
        done = exists().where(
            Completion.worker_id == Worker.id, Completion.module == requirement.module
        )
        owed = exists().where(
            Obligation.subject_id == Worker.id,
            Obligation.kind == REQUIRED,
            Obligation.milestone == requirement.module,
            Obligation.status.in_(("open", "done")),
        )
        found = session.execute(
            select(Worker.id, Worker.role, Worker.start_date, Worker.role_since)
            .where(
                Worker.role.in_(requirement.roles),
                Worker.status == "active",
                ~done,
                ~owed,
            )
            .order_by(Worker.id)
        ).all()
        rows: list[dict[str, Any]] = []
        for worker_id, role, start, role_since in found:
            since = max(start, role_since) if role_since else start
            due, rule = required_due(
                organisation, requirement, role=role, since=since, moved=since != start
            )
            rows.append(
                dict(
                    source=f"required:{worker_id}:{requirement.module}:{since.isoformat()}",
                    subject_id=worker_id,
                    enrolment_id=None,
                    kind=REQUIRED,
                    milestone=requirement.module,
                    title=required_title(organisation, module.title),
                    due_date=due,
                    responsible_role="worker",
                    reminder_policy=training.required_policy,
                    rule=rule,
                    status="open",
                )
            )
        added += insert_obligations(session, rows=rows)
    return added


def _cancel_not_required(session: Session, requirement: RequiredModule) -> None:
    """Open items of this module for workers whose role no longer requires it."""
    moved_away = select(Worker.id).where(~Worker.role.in_(requirement.roles))
    session.execute(
        update(Obligation)
        .where(
            Obligation.kind == REQUIRED,
            Obligation.milestone == requirement.module,
            Obligation.status == "open",
            Obligation.subject_id.in_(moved_away),
        )
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )


def close_required(session: Session, *, done: list[tuple[int, str, date]], closed_on: date) -> int:
    """Close the open required items the new completions ((worker, module, date)) satisfy."""
    closed = 0
    by_module: dict[str, list[int]] = {}
    for worker_id, module, _ in done:
        by_module.setdefault(module, []).append(worker_id)
    for module, workers in by_module.items():
        for part in in_batches(workers):
            result = session.execute(
                update(Obligation)
                .where(
                    and_(
                        Obligation.kind == REQUIRED,
                        Obligation.milestone == module,
                        Obligation.status == "open",
                        Obligation.subject_id.in_(part),
                    )
                )
                .values(status="done", closed_on=closed_on)
                .execution_options(synchronize_session=False)
            )
            closed += max(getattr(result, "rowcount", 0) or 0, 0)
    return closed


def required_counts(session: Session) -> dict[str, int]:
    """Open required-training items by module (for the summary)."""
    stmt = (
        select(Obligation.milestone, func.count())
        .where(Obligation.kind == REQUIRED, Obligation.status == "open")
        .group_by(Obligation.milestone)
    )
    return {m: int(n) for m, n in session.execute(stmt).all()}
