"""Helpers for the ASYE use-case tests (tests/tasks/asye): record an outcome or leave for
the sample roster's W0014 in one transaction, and read back what was written."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from definitions.organisation import Organisation
from storage.models import Enrolment, Event, LeavePeriod, Obligation, Worker
from tasks.programmes.decisions import RecordedDecision, record_outcome
from tasks.programmes.leave import record_leave

TODAY = date(2026, 5, 1)

W0014_DUE = {
    "review_3": date(2026, 4, 30),
    "review_6": date(2026, 7, 31),
    "review_9": date(2026, 10, 30),
    "final_recommendation": date(2026, 12, 31),
    "assessor_report": date(2027, 1, 29),
}


def record(engine: Engine, organisation: Organisation, **kwargs: Any) -> RecordedDecision:
    values = {
        "worker": "W0014",
        "milestone": "review_3",
        "outcome": "on_track",
        "actor": "W0006",
        "occurred_on": date(2026, 4, 29),
        "today": TODAY,
        **kwargs,
    }
    with Session(engine) as session, session.begin():
        return record_outcome(session, organisation, **values)


def leave(
    engine: Engine, organisation: Organisation, **kwargs: Any
) -> list[tuple[str, date, date]]:
    values = {
        "worker": "W0014",
        "start": date(2026, 3, 2),
        "end": date(2026, 3, 15),
        "reason": "sickness",
        "actor": "W0006",
        "today": date(2026, 3, 16),
        **kwargs,
    }
    with Session(engine) as session, session.begin():
        return record_leave(session, organisation, **values)


def obligations(engine: Engine, worker: str = "W0014") -> dict[str, Obligation]:
    with Session(engine) as session:
        stmt = (
            select(Obligation)
            .join(Worker, Obligation.subject_id == Worker.id)
            .where(Worker.external_id == worker, Obligation.kind.startswith("asye."))
        )
        found = {o.milestone: o for o in session.scalars(stmt)}
        session.expunge_all()
        return found


def events(engine: Engine, kind: str | None = None) -> list[Event]:
    with Session(engine) as session:
        stmt = select(Event).order_by(Event.id)
        if kind:
            stmt = stmt.where(Event.kind == kind)
        found = list(session.scalars(stmt))
        session.expunge_all()
        return found


def worker_id(engine: Engine, external_id: str) -> int:
    with Session(engine) as session:
        return session.scalars(select(Worker.id).where(Worker.external_id == external_id)).one()


def state(engine: Engine) -> tuple[object, ...]:
    """Everything a decision may write: event count, obligations, enrolments, leave."""
    with Session(engine) as session:
        return (
            session.scalar(select(func.count()).select_from(Event)),
            sorted(
                session.execute(
                    select(
                        Obligation.id,
                        Obligation.status,
                        Obligation.due_date,
                        Obligation.closed_on,
                        Obligation.closed_by_event_id,
                    )
                ).all()
            ),
            sorted(
                session.execute(select(Enrolment.id, Enrolment.status, Enrolment.outcome)).all()
            ),
            session.scalar(select(func.count()).select_from(LeavePeriod)),
        )
