"""The demo's simulated people: assessors who book meetings and record reviews (most on
time, some late, a few never), a worker who takes leave, workers who go to refreshers."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.errors import LadderError
from storage.models import (
    Booking,
    Enrolment,
    Meeting,
    Obligation,
    TrainingSession,
    Worker,
)
from tasks.programmes.decisions import record_outcome
from tasks.programmes.meetings import book_meeting
from tasks.registration.cpd import record_cpd
from tasks.supervision.record import record_supervision
from tasks.training.completions import record_completions
from tasks.training.required import REQUIRED

OUTCOMES = {
    "review": (("on_track", 0.75), ("concerns", 0.2), ("not_on_track", 0.05)),
    "recommendation": (("pass", 0.85), ("extend", 0.1), ("fail", 0.05)),
    "report": (("submitted", 1.0),),
}


@dataclass
class SimulatedPeople:
    """Decides, with a fixed seed, when each review is recorded and with what outcome."""

    rng: random.Random
    plan: dict[int, date | None] = field(default_factory=dict)
    recorded: Counter[str] = field(default_factory=Counter)
    late: int = 0
    meetings: int = 0
    refreshed: int = 0
    panel_skipped: list[str] = field(default_factory=list)
    # Supervision: one worker's supervisor stops holding it after the spring; the rest keep
    # to the schedule, a few a little late.
    lapsed_supervision: str | None = None
    supervision_plan: dict[int, date | None] = field(default_factory=dict)
    supervised: int = 0
    supervised_late: int = 0
    required_plan: dict[int, date | None] = field(default_factory=dict)
    required_done: int = 0
    # CPD: each registered worker's planned records (day, peer reflection); one worker
    # records a single piece without peer reflection and is chased in November.
    cpd_short: str | None = None
    cpd_plan: dict[str, list[tuple[date, bool]]] = field(default_factory=dict)
    cpd_recorded: int = 0

    def when(self, obligation: Obligation, today: date) -> date | None:
        if obligation.id not in self.plan:
            roll = self.rng.random()
            if roll < 0.6:  # on time, within the week before it is due
                day = obligation.due_date - timedelta(days=self.rng.randint(0, 7))
            elif roll < 0.92:  # late
                day = obligation.due_date + timedelta(days=self.rng.randint(2, 25))
            else:  # forgotten: stays overdue and escalates
                day = None
            self.plan[obligation.id] = max(day, today) if day else None
        return self.plan[obligation.id]

    def outcome(self, kind: str) -> str:
        names, weights = zip(*OUTCOMES[kind], strict=True)
        return self.rng.choices(names, weights)[0]


def find_leave_taker(engine) -> tuple[str, str] | None:  # type: ignore[no-untyped-def]
    """One NQSW takes six weeks of sick leave in the spring, so their year is paused."""
    with Session(engine) as session:
        row = session.execute(
            select(Worker.external_id, Worker.manager_id)
            .join(Enrolment, Enrolment.worker_id == Worker.id)
            .where(Enrolment.programme == "asye")
            .order_by(Worker.id)
            .offset(5)
        ).first()
        if row is None:
            return None
        manager = session.get(Worker, row.manager_id)
        return (row.external_id, manager.external_id) if manager else None


def attend_refreshers(
    engine,
    organisation,
    people: SimulatedPeople,  # type: ignore[no-untyped-def]
    today: date,
) -> None:
    """Booked workers go to their refresher (nine in ten do); the workforce team records the
    attendance the same day, which renews the credential."""
    with Session(engine) as session:
        attending = session.execute(
            select(Booking.worker_id, TrainingSession.module)
            .join(TrainingSession, TrainingSession.id == Booking.session_id)
            .where(Booking.status == "booked", TrainingSession.held_on == today)
            .order_by(Booking.id)
        ).all()
    rows = [
        dict(
            worker_id=worker_id,
            module=module,
            completed_on=today,
            source="import",
            source_ref=f"attendance:{today}",
        )
        for worker_id, module in attending
        if people.rng.random() < 0.9
    ]
    if rows:
        with Session(engine) as session, session.begin():
            result = record_completions(
                session, organisation, rows=rows, actor="workforce-team", today=today
            )
        people.refreshed += result.renewed


def book_review_meetings(
    engine,
    organisation,
    people: SimulatedPeople,  # type: ignore[no-untyped-def]
    today: date,
) -> None:
    """Three weeks ahead, simulated assessors book each review meeting for the day they plan
    to record it, 10:00 at the team's office; the NQSW and assessor get calendar invites."""
    calendar = organisation.working_calendar()
    if not calendar.is_working_day(today):
        return
    zone = ZoneInfo(organisation.profile.calendar.timezone)
    with Session(engine) as session:
        rows = session.execute(
            select(
                Obligation,
                Enrolment.assessor_id,
                Worker.manager_id,
                Worker.external_id,
                Worker.district,
            )
            .join(Enrolment, Obligation.enrolment_id == Enrolment.id)
            .join(Worker, Obligation.subject_id == Worker.id)
            .outerjoin(Meeting, Meeting.obligation_id == Obligation.id)
            .where(
                Obligation.status == "open",
                Obligation.kind == "asye.review",
                Obligation.due_date.between(today + timedelta(days=1), today + timedelta(days=21)),
                Meeting.id.is_(None),
            )
            .order_by(Obligation.due_date, Obligation.id)
        ).all()
        recorders = dict(session.execute(select(Worker.id, Worker.external_id)).tuples().all())
    for obligation, assessor_id, manager_id, external_id, district in rows:
        planned = people.when(obligation, today)
        if planned is None or planned <= today:
            continue  # a review nobody will hold gets no meeting either
        day = calendar.previous_working_day(planned)  # itself on a working day
        if day <= today:
            continue
        with Session(engine) as session, session.begin():
            book_meeting(
                session,
                organisation,
                worker=external_id,
                milestone=obligation.milestone,
                starts=datetime.combine(day, time(10, 0), tzinfo=zone),
                minutes=60,
                location=f"Team room, {district or 'Civic Centre'} office",
                actor=recorders[assessor_id or manager_id],
                today=today,
                sender_address=organisation.profile.sender_address,
            )
        people.meetings += 1


def record_due_decisions(
    engine,
    organisation,
    people: SimulatedPeople,  # type: ignore[no-untyped-def]
    today: date,
) -> None:
    """Simulated assessors record what they planned to record today, each decision as a
    person records it (its own transaction); like real ones, only on working days."""
    if not organisation.working_calendar().is_working_day(today):
        return
    with Session(engine) as session:
        rows = session.execute(
            select(
                Obligation,
                Enrolment.assessor_id,
                Worker.manager_id,
                Worker.external_id,
                Enrolment.programme,
            )
            .join(Enrolment, Obligation.enrolment_id == Enrolment.id)
            .join(Worker, Obligation.subject_id == Worker.id)
            .where(Obligation.status == "open", Obligation.due_date <= today + timedelta(days=7))
            .order_by(Obligation.due_date, Obligation.id)
        ).all()
        recorders = dict(session.execute(select(Worker.id, Worker.external_id)).tuples().all())
    for obligation, assessor_id, manager_id, external_id, programme in rows:
        kind = obligation.kind.split(".", 1)[1]
        if kind == "completion":  # closes by itself when the training is done
            continue
        planned = people.when(obligation, today)
        if planned is None or planned > today:
            continue
        outcomes = organisation.programme(programme).milestone(obligation.milestone).outcomes
        outcome = people.outcome(kind) if kind in OUTCOMES else outcomes[0]
        if outcome not in outcomes:  # e.g. an induction signed off: pass or extend, no fail
            outcome = outcomes[0]
        try:
            with Session(engine) as session, session.begin():
                result = record_outcome(
                    session,
                    organisation,
                    worker=external_id,
                    milestone=obligation.milestone,
                    outcome=outcome,
                    actor=recorders[assessor_id or manager_id],
                    occurred_on=today,
                    today=today,
                    notes="recorded in the simulation",
                    programme=programme,
                )
        except LadderError:
            continue  # e.g. recorded on the day the year started: skip, as a person would
        people.recorded[
            f"{kind}:{outcome}" if programme == "asye" else f"{programme} {kind}:{outcome}"
        ] += 1
        people.late += result.days_late > 0


def keep_supervision(
    engine,
    organisation,
    people: SimulatedPeople,  # type: ignore[no-untyped-def]
    today: date,
    first_day: date,
) -> None:
    """Supervisors (or managers) hold each supervision near its due date and record it the
    same day: most on time, one in ten up to a week late; after three months one worker's
    supervisor stops, so that worker's supervision escalates."""
    if organisation.supervision is None or not organisation.working_calendar().is_working_day(
        today
    ):
        return
    with Session(engine) as session:
        rows = session.execute(
            select(Obligation, Worker.external_id, Worker.supervisor_id, Worker.manager_id)
            .join(Worker, Obligation.subject_id == Worker.id)
            .where(
                Obligation.kind == "supervision",
                Obligation.status == "open",
                Obligation.due_date <= today + timedelta(days=3),
            )
            .order_by(Obligation.due_date, Obligation.id)
        ).all()
        ids = dict(session.execute(select(Worker.id, Worker.external_id)).tuples().all())
    for item, external_id, supervisor_id, manager_id in rows:
        if item.id not in people.supervision_plan:
            lapsed = external_id == people.lapsed_supervision and today > first_day + timedelta(
                days=90
            )
            roll = people.rng.random()
            if lapsed:
                day = None
            elif item.due_date < first_day:  # on the record as overdue at go-live
                day = today + timedelta(days=people.rng.randint(3, 20))
            elif roll < 0.9:
                day = item.due_date - timedelta(days=people.rng.randint(0, 3))
            else:
                day = item.due_date + timedelta(days=people.rng.randint(1, 7))
            people.supervision_plan[item.id] = max(day, today) if day else None
        planned = people.supervision_plan[item.id]
        if planned is None or planned > today:
            continue
        holder = ids.get(supervisor_id or manager_id or 0)
        if holder is None:
            continue
        with Session(engine) as session, session.begin():
            record_supervision(
                session,
                organisation,
                worker=external_id,
                held_on=today,
                by=holder,
                notes="held in the simulation",
                today=today,
            )
        people.supervised += 1
        people.supervised_late += today > item.due_date


def do_required_training(
    engine,
    organisation,
    people: SimulatedPeople,  # type: ignore[no-untyped-def]
    today: date,
    first_day: date,
) -> None:
    """Workers told about training their role requires do it: a backlog from go-live within
    two months, a new starter's by its due date; one in ten never does, and it stays overdue."""
    if organisation.training is None or not organisation.working_calendar().is_working_day(today):
        return
    with Session(engine) as session:
        open_items = session.execute(
            select(Obligation.id, Obligation.subject_id, Obligation.milestone, Obligation.due_date)
            .where(Obligation.kind == REQUIRED, Obligation.status == "open")
            .order_by(Obligation.id)
        ).all()
    rows = []
    for item_id, worker_id, module, due in open_items:
        if item_id not in people.required_plan:
            if people.rng.random() < 0.1:
                day = None
            elif due < first_day:
                day = today + timedelta(days=people.rng.randint(7, 60))
            else:
                day = due - timedelta(days=people.rng.randint(0, 14))
            people.required_plan[item_id] = max(day, today) if day else None
        planned = people.required_plan[item_id]
        if planned is not None and planned <= today:
            rows.append(
                dict(
                    worker_id=worker_id,
                    module=module,
                    completed_on=today,
                    source="import",
                    source_ref=f"attendance:{today}",
                )
            )
    if rows:
        with Session(engine) as session, session.begin():
            result = record_completions(
                session, organisation, rows=rows, actor="workforce-team", today=today
            )
        people.required_done += result.required_done


def record_cpd_through_the_year(
    engine,
    organisation,
    people: SimulatedPeople,  # type: ignore[no-untyped-def]
    today: date,
    first_day: date,
) -> None:
    """Registered workers record their CPD: most a piece in spring and one reflected on with
    a peer in the summer; some wait for the reminders in September; one records a single
    piece and is chased before the window closes."""
    programme = organisation.registration
    if programme is None or not organisation.working_calendar().is_working_day(today):
        return
    if not people.cpd_plan:
        with Session(engine) as session:
            registered = session.scalars(
                select(Worker.external_id)
                .where(Worker.role.in_(programme.roles), Worker.status == "active")
                .order_by(Worker.id)
            ).all()
        end = programme.cycle.end_for(first_day)
        opens = programme.cycle.opens_for(end)
        for worker in registered:
            if worker == people.cpd_short:
                people.cpd_plan[worker] = [(first_day + timedelta(days=60), False)]
                continue
            late = people.rng.random() < 0.2
            spring = first_day + timedelta(days=people.rng.randint(30, 150))
            summer = (
                opens + timedelta(days=people.rng.randint(5, 50))
                if late
                else first_day + timedelta(days=people.rng.randint(180, 240))
            )
            people.cpd_plan[worker] = [(spring, False), (summer, True)]
    for worker, plan in people.cpd_plan.items():
        due_now = [(day, peer) for day, peer in plan if day <= today]
        plan[:] = [entry for entry in plan if entry not in due_now]  # each recorded once
        for _day, peer in due_now:
            try:
                with Session(engine) as session, session.begin():
                    record_cpd(
                        session,
                        organisation,
                        worker=worker,
                        done_on=today,
                        title="Reflection with a colleague" if peer else "Practice reading",
                        hours=1.5,
                        peer_reflection=peer,
                        by=worker,
                        today=today,
                    )
            except LadderError:
                continue  # e.g. a worker who became a role that does not register
            people.cpd_recorded += 1
