"""CPD for registration: an item per registered worker per renewal cycle, due when the
regulator's renewal window closes; closed once their CPD meets the rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from definitions.errors import BadInput, Misconfigured, Refused
from definitions.organisation import Organisation
from definitions.registration import CpdProgress, RegistrationProgramme, cpd_due
from storage.cpd import CPD, add_record, open_item, progress_of, without_item

__all__ = ["CPD"]
from storage.history import record_event
from storage.models import Obligation
from storage.obligations import insert_obligations
from tasks.people import acting, require_may_act_for
from tasks.people import worker as find_worker


def require_registration(organisation: Organisation) -> RegistrationProgramme:
    if organisation.registration is None:
        raise Misconfigured(
            "this organisation tracks no registration or CPD (its folder has no "
            "registration.yaml); add one (see docs/organisations.md) to record CPD"
        )
    return organisation.registration


def ensure_cpd_items(session: Session, organisation: Organisation, *, as_of: date) -> int:
    """An item for every registered worker's CPD in the cycle `as_of` falls in (one
    statement to find who has none). Returns the items added."""
    programme = require_registration(organisation)
    calendar = organisation.working_calendar()
    end = programme.cycle.end_for(as_of)
    due, rule = cpd_due(programme, end, calendar)
    rows: list[dict[str, Any]] = [
        dict(
            source=f"cpd:{worker_id}:{end.isoformat()}",
            subject_id=worker_id,
            enrolment_id=None,
            kind=CPD,
            milestone="cpd",
            title=programme.title,
            due_date=due,
            responsible_role="worker",
            reminder_policy=programme.reminder_policy,
            rule=rule,
            status="open",
        )
        for worker_id, _ in without_item(session, roles=programme.roles, due=due)
    ]
    return insert_obligations(session, rows=rows)


def progress(
    session: Session, organisation: Organisation, *, worker_id: int, on: date
) -> CpdProgress:
    """A worker's CPD in the cycle that `on` falls in."""
    cycle = require_registration(organisation).cycle
    end = cycle.end_for(on)
    start = cycle.start_for(end)
    records, peer, minutes = progress_of(session, worker_id=worker_id, start=start, end=end)
    return CpdProgress(start, end, records, peer, minutes)


@dataclass(frozen=True)
class CpdRecorded:
    new: bool
    progress: CpdProgress
    met: bool
    missing: list[str]


def record_cpd(
    session: Session,
    organisation: Organisation,
    *,
    worker: str,
    done_on: date,
    title: str,
    hours: float,
    peer_reflection: bool,
    by: str,
    today: date,
) -> CpdRecorded:
    """Record a piece of CPD for `worker`, by the worker, their manager or a role
    registration.yaml's `recorded_by` names; the cycle's item closes once the rule is met."""
    programme = require_registration(organisation)
    subject = find_worker(session, worker)
    if subject.role not in programme.roles:
        raise Refused(
            f"{worker} is a {subject.role.replace('_', ' ')}, not a role that registers with "
            f"{programme.regulator} (registration.yaml: roles)"
        )
    actor = acting(session, by, "recorder")
    who = " or ".join(r.replace("_", " ") for r in programme.recorded_by)
    require_may_act_for(
        actor,
        allowed=(subject.id, subject.manager_id),
        deciders=programme.recorded_by,
        refusal=(
            f"{by} may not record CPD for {worker}: only the worker, their manager or a {who} "
            "may (registration.yaml: recorded_by)"
        ),
    )
    if done_on > today:
        raise BadInput(f"{done_on} is in the future; record CPD once it is done")
    if not title.strip():
        raise BadInput("say what the CPD was (--title)")
    if not 0 <= hours <= 100:
        raise BadInput(f"{hours} hours is not a length of CPD; give 0 to 100 (--hours)")
    new = add_record(
        session,
        row=dict(
            worker_id=subject.id,
            done_on=done_on,
            title=title.strip()[:300],
            minutes=round(hours * 60),
            peer_reflection=peer_reflection,
            recorded_by=by,
        ),
    )
    now = progress(session, organisation, worker_id=subject.id, on=done_on)
    met = now.met(programme.cpd)
    if new:
        event_id = record_event(
            session,
            kind="registration.cpd_recorded",
            actor=by,
            occurred_on=done_on,
            subject_id=subject.id,
            payload={
                "title": title.strip()[:300],
                "hours": hours,
                "peer_reflection": peer_reflection,
                "cycle_end": now.cycle_end.isoformat(),
                "met": met,
            },
        )
        due, _ = cpd_due(programme, now.cycle_end, organisation.working_calendar())
        item = open_item(session, worker_id=subject.id, due=due)
        if met and item is not None:
            session.execute(
                update(Obligation)
                .where(Obligation.id == item.id, Obligation.status == "open")
                .values(status="done", closed_on=done_on, closed_by_event_id=event_id)
                .execution_options(synchronize_session=False)
            )
    missing = now.shortfall(programme.cpd, organisation.working_calendar()._)
    return CpdRecorded(new, now, met, missing)
