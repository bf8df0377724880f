"""Record a programme milestone once: an ASYE review, its final recommendation or the
assessor's report; an induction's sign-off; a probation decision; evidence received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from definitions.certificates import award_status
from definitions.errors import BadInput, NotFound, Refused
from definitions.organisation import Organisation
from definitions.programmes import Leave, date_milestones
from storage.enrolments import leave_of
from storage.history import record_event
from storage.models import Enrolment, Obligation
from storage.obligations import close_obligation, insert_obligations, obligations_of
from storage.training import add_awards
from tasks.programmes.enrolled import (
    ASYE,
    enrolled_milestone,
    milestone_source,
    programme_of,
    require_recorder,
)
from tasks.programmes.enrolment import moves, obligation_row, redate_open_milestones


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
    override: str = "",
    extend_months: int | None = None,
    programme: str = ASYE,
) -> RecordedDecision:
    """Record a review, final recommendation or report; closes its obligation, once.

    A final recommendation needs the reviews before it recorded, or an `override` saying
    why it is made without them. "extend" moves the recommendation and what follows by
    `extend_months` (default: the programme's `extension_months`): a new recommendation
    item is made for the later date. A completion milestone closes by itself when its
    module or pathway is done; recording it by hand says it was done another way."""
    subject, enrolment, rule = enrolled_milestone(
        session, organisation, worker, milestone, programme
    )
    scheme = programme_of(organisation, programme)
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
            f"the date {occurred_on} is before the {scheme.called} started ({enrolment.start_date})"
        )
    obligation = milestone_item(session, enrolment.id, milestone)
    if obligation is None:
        raise NotFound(f"{worker} has no {rule.title} on record")
    if rule.kind == "recommendation" and obligation.status == "open":
        missing = open_reviews(session, enrolment)
        if missing and not override.strip():
            raise Refused(
                f"{worker}'s {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not "
                "recorded yet; record the reviews first, or make the recommendation without "
                "them by giving the reason (--override-reason)"
            )
    if outcome != "extend" and extend_months is not None:
        raise BadInput("--extend-months goes with the outcome extend")
    if obligation.status != "open":
        raise Refused(
            f"the {rule.title} for {worker} was already recorded on "
            f"{obligation.closed_on}; a decision is recorded once"
        )
    event_id = record_event(
        session,
        kind=f"{programme}.{rule.kind}_recorded",
        actor=actor,
        occurred_on=occurred_on,
        subject_id=subject.id,
        obligation_id=obligation.id,
        payload={
            "milestone": milestone,
            "outcome": outcome,
            "notes": notes,
            "due_date": obligation.due_date.isoformat(),
            **({"override": override.strip()} if override.strip() else {}),
        },
    )
    if not close_obligation(
        session, obligation_id=obligation.id, event_id=event_id, closed_on=occurred_on
    ):  # someone else recorded it in between: roll back, keep theirs
        raise Refused(
            f"the {rule.title} for {worker} was recorded by someone else just "
            "now; a decision is recorded once"
        )
    if rule.kind == "recommendation" and outcome == "extend":
        months = extend_months or scheme.extension_months
        _extend(session, organisation, enrolment, rule.key, months, actor=actor, today=today)
    elif rule.kind == "recommendation":
        session.execute(
            update(Enrolment).where(Enrolment.id == enrolment.id).values(outcome=outcome)
        )
        if outcome == "pass" and programme == ASYE:  # the certificate waits for the batch
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
    if rule.kind == "report" or not _open_items(session, enrolment.id):
        session.execute(
            update(Enrolment)
            .where(Enrolment.id == enrolment.id)
            .values(status="completed", completed_on=occurred_on)
        )
    return RecordedDecision(event_id, worker, milestone, outcome, obligation.due_date, occurred_on)


def open_reviews(session: Session, enrolment: Enrolment) -> list[str]:
    """The titles of the enrolment's reviews not yet recorded (a recommendation waits for
    them, or for a reason to make it without them)."""
    return [
        o.title
        for o in obligations_of(session, subject_id=enrolment.worker_id)
        if o.enrolment_id == enrolment.id
        and o.kind == f"{enrolment.programme}.review"
        and o.status == "open"
    ]


def _open_items(session: Session, enrolment_id: int) -> list[int]:
    stmt = select(Obligation.id).where(
        Obligation.enrolment_id == enrolment_id, Obligation.status == "open"
    )
    return list(session.scalars(stmt))


def milestone_item(session: Session, enrolment_id: int, milestone: str) -> Obligation | None:
    """The enrolment's item for a milestone: the open one (after an extension, the later
    one), else the last one recorded."""
    found = list(
        session.scalars(
            select(Obligation)
            .where(Obligation.enrolment_id == enrolment_id, Obligation.milestone == milestone)
            .order_by(Obligation.id)
        )
    )
    open_ = [o for o in found if o.status == "open"]
    chosen = open_ or found
    return chosen[-1] if chosen else None


def _extend(
    session: Session,
    organisation: Organisation,
    enrolment: Enrolment,
    recommendation: str,
    months: int,
    *,
    actor: str,
    today: date,
) -> None:
    """Extend the year: the open milestones after the recommendation move `months` later,
    and the recommendation is due again then (a new item; the extended one stays done)."""
    total = enrolment.extended_months + months
    session.execute(
        update(Enrolment).where(Enrolment.id == enrolment.id).values(extended_months=total)
    )
    session.refresh(enrolment)
    moved = redate_open_milestones(session, organisation, enrolment)
    leave = [Leave(p.start_date, p.end_date) for p in leave_of(session, enrolment_id=enrolment.id)]
    programme = programme_of(organisation, enrolment.programme)
    dated = {
        m.key: m
        for m in date_milestones(
            enrolment.start_date, programme, organisation.working_calendar(), leave, total
        )
    }
    again = dated[recommendation]
    source = f"{milestone_source(enrolment.id, recommendation, programme.key)}:extended:{total}"
    insert_obligations(
        session,
        rows=[obligation_row(programme, enrolment.id, enrolment.worker_id, again, source)],
    )
    record_event(
        session,
        kind=f"{programme.key}.extended",
        actor=actor,
        occurred_on=today,
        subject_id=enrolment.worker_id,
        payload={
            "months": months,
            "extended_months": total,
            "recommendation_due": again.due.isoformat(),
            "moved": moves(moved),
        },
    )
