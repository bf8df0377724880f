"""Record an ASYE review, the final recommendation or the assessor's report, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import update
from sqlalchemy.orm import Session

from definitions.certificates import award_status
from definitions.errors import BadInput, NotFound, Refused
from definitions.organisation import Organisation
from storage.history import record_event
from storage.models import Enrolment
from storage.obligations import close_obligation, obligation_by_source
from storage.training import add_awards
from tasks.asye.enrolled import enrolled_milestone, milestone_source, require_recorder


@dataclass(frozen=True)
class RecordedDecision:
    event_id: int
    worker: str
    milestone: str
    outcome: str
    due_date: date
    occurred_on: date

    @property
    def days_late(self) -> int:
        return max(0, (self.occurred_on - self.due_date).days)


def record_outcome(
    session: Session,
    organisation: Organisation,
    *,
    worker: str,
    milestone: str,
    outcome: str,
    actor: str,
    occurred_on: date,
    today: date,
    notes: str = "",
) -> RecordedDecision:
    """Record a review, final recommendation or report; closes its obligation, once."""
    subject, enrolment, rule = enrolled_milestone(session, organisation, worker, milestone)
    if outcome not in rule.outcomes:
        raise BadInput(
            f"'{outcome}' is not an outcome of the {rule.title}; use one of "
            f"{', '.join(rule.outcomes)}"
        )
    require_recorder(session, organisation, actor, subject, enrolment)
    if occurred_on > today:
        raise BadInput(f"the date {occurred_on} is in the future; record it on the day it happened")
    if occurred_on < enrolment.start_date:
        raise BadInput(
            f"the date {occurred_on} is before the ASYE started ({enrolment.start_date})"
        )
    obligation = obligation_by_source(session, milestone_source(enrolment.id, milestone))
    if obligation is None:
        raise NotFound(f"{worker} has no {rule.title} on record")
    if obligation.status != "open":
        raise Refused(
            f"the {rule.title} for {worker} was already recorded on "
            f"{obligation.closed_on}; a decision is recorded once"
        )
    event_id = record_event(
        session,
        kind=f"asye.{rule.kind}_recorded",
        actor=actor,
        occurred_on=occurred_on,
        subject_id=subject.id,
        obligation_id=obligation.id,
        payload={
            "milestone": milestone,
            "outcome": outcome,
            "notes": notes,
            "due_date": obligation.due_date.isoformat(),
        },
    )
    if not close_obligation(
        session, obligation_id=obligation.id, event_id=event_id, closed_on=occurred_on
    ):  # someone else recorded it in between: roll back, keep theirs
        raise Refused(
            f"the {rule.title} for {worker} was recorded by someone else just "
            "now; a decision is recorded once"
        )
    if rule.kind == "recommendation":
        session.execute(
            update(Enrolment).where(Enrolment.id == enrolment.id).values(outcome=outcome)
        )
        if outcome == "pass":  # the ASYE certificate waits for the next certificate batch
            add_awards(
                session,
                rows=[
                    dict(
                        worker_id=subject.id,
                        kind="asye",
                        key="asye",
                        achieved_on=occurred_on,
                        expires_on=None,
                        status=award_status(organisation, "asye", "asye"),
                    )
                ],
            )
    elif rule.kind == "report":
        session.execute(
            update(Enrolment).where(Enrolment.id == enrolment.id).values(status="completed")
        )
    return RecordedDecision(event_id, worker, milestone, outcome, obligation.due_date, occurred_on)
