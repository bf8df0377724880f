"""The next supervision of every worker a schedule covers: one open item each, dated from
their last supervision (or their start in the role) by their band of the schedule."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.errors import Misconfigured
from definitions.organisation import Organisation
from definitions.supervision import SupervisionProgramme, next_supervision
from storage.models import Obligation, Worker
from storage.obligations import insert_obligations
from storage.supervision import (
    SUPERVISION,
    cancel_items,
    last_held,
    reopen_cancelled,
    unscheduled,
)


def require_supervision(organisation: Organisation) -> SupervisionProgramme:
    if organisation.supervision is None:
        raise Misconfigured(
            "this organisation tracks no supervision (its folder has no supervision.yaml); "
            "add one (see docs/organisations.md) to schedule and record supervision"
        )
    return organisation.supervision


def role_start(start: date, role_since: date | None) -> date:
    """Since when a worker holds their role: the later of their start and the last move."""
    return max(start, role_since) if role_since else start


def item_row(
    organisation: Organisation,
    *,
    worker_id: int,
    role: str,
    since: date,
    last: date | None,
    supervised_by: str = "supervisor",
) -> dict[str, Any]:
    """The open item for a worker's next supervision."""
    programme = require_supervision(organisation)
    schedule = programme.schedule_for(role)
    assert schedule is not None
    nxt = next_supervision(
        schedule,
        role_start=since,
        last=last,
        calendar=organisation.working_calendar(),
        role_title=organisation.ladder.role_title(role),
    )
    base = max(last, since) if last else since
    return dict(
        source=f"{SUPERVISION}:{worker_id}:{base.isoformat()}",
        subject_id=worker_id,
        enrolment_id=None,
        kind=SUPERVISION,
        milestone=SUPERVISION,
        title=programme.title,
        due_date=nxt.due,
        responsible_role=supervised_by,
        reminder_policy=programme.reminder_policy,
        rule=nxt.rule,
        status="open",
    )


def ensure_supervision_items(session: Session, organisation: Organisation) -> int:
    """An open item for every active worker a schedule covers who has none; items of workers
    whose role no schedule covers, who moved role since the item was dated (a new role starts
    its own schedule), or whom the roster shows on leave (supervision pauses; on their return
    the next one is due from the last held) are cancelled. Returns the items added."""
    programme = require_supervision(organisation)
    # Moved role, off every schedule or away: the item no longer says when supervision is due.
    stale = session.execute(
        select(
            Obligation.id,
            Obligation.source,
            Worker.role,
            Worker.start_date,
            Worker.role_since,
            Worker.status,
        )
        .join(Worker, Worker.id == Obligation.subject_id)
        .where(
            Obligation.kind == SUPERVISION,
            Obligation.status == "open",
            (
                Worker.role_since.is_not(None)
                | ~Worker.role.in_(programme.roles)
                | (Worker.status != "active")
            ),
        )
    ).all()
    cancel_items(
        session,
        ids=[
            i
            for i, source, role, start, since, status in stale
            if status != "active"
            or role not in programme.roles
            or date.fromisoformat(source.rsplit(":", 1)[1]) < role_start(start, since)
        ],
    )
    waiting = unscheduled(session, roles=programme.roles)
    last = last_held(session, worker_ids=[w for w, *_ in waiting])
    rows = [
        item_row(
            organisation,
            worker_id=worker_id,
            role=role,
            since=role_start(start, since),
            last=last.get(worker_id),
            supervised_by="supervisor" if supervisor else "manager",
        )
        for worker_id, role, start, since, supervisor in waiting
    ]
    # Back from leave: the item dated from the same last supervision resumes, as it was.
    reopened = reopen_cancelled(session, sources=[r["source"] for r in rows])
    return insert_obligations(session, rows=rows) + reopened
