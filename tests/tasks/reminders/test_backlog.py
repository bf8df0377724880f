"""The go-live backlog: an item already overdue when Ladder first sees it gets one catch-up
notice in the digest of the people responsible, then follows its ladder; an outage longer
than the catch-up cap is a backlog too."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.clock import DateWindow
from definitions.loader import load_organisation
from definitions.reminders import catch_up_step
from storage.models import Notice, Obligation, Worker
from storage.sweeps import record_sweep
from tasks.reminders.backlog import decide_catch_up, plan_backlog

pytestmark = pytest.mark.integration

ORGANISATION = load_organisation()
POLICY = ORGANISATION.policy("required_training")  # -14, -3, +1 (escalation), +28 (escalation)
CALENDAR = ORGANISATION.working_calendar()


def test_an_item_long_overdue_is_caught_up_at_the_furthest_step_it_reached() -> None:
    today = date(2026, 3, 2)
    step = catch_up_step(date(2025, 6, 2), POLICY, DateWindow(today, today), today, CALENDAR)
    assert step is not None
    assert step.step.key == "catch_up" and step.step.escalation
    assert step.roles == ("manager", "workforce_lead")  # overdue_28 had been reached
    # Two days overdue: only overdue_1 was reached, so the manager hears.
    step = catch_up_step(date(2026, 2, 26), POLICY, DateWindow(today, today), today, CALENDAR)
    assert step is not None and step.roles == ("worker", "manager")


def test_no_catch_up_when_the_ladder_itself_speaks_today_or_it_is_not_overdue() -> None:
    today = date(2026, 3, 2)
    window = DateWindow(today, today)
    # Due Fri 27 Feb: overdue_1 falls on Sat 28 Feb, moved to Mon 2 March: sent today anyway.
    assert catch_up_step(date(2026, 2, 27), POLICY, window, today, CALENDAR) is None
    assert catch_up_step(today, POLICY, window, today, CALENDAR) is None  # due today
    assert catch_up_step(date(2026, 3, 20), POLICY, window, today, CALENDAR) is None


def _notices(engine) -> list[tuple[str, str, str, str, bool]]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        rows = session.execute(
            select(Worker.external_id, Obligation.milestone, Notice.step, Notice.mode)
            .join(Obligation, Obligation.id == Notice.obligation_id)
            .join(Worker, Worker.id == Notice.recipient_id)
            .where(
                Obligation.subject_id.in_(select(Worker.id).where(Worker.external_id == "W0036"))
            )
            .order_by(Worker.external_id, Obligation.milestone)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _catch_up(engine, organisation, as_of: date) -> int:  # type: ignore[no-untyped-def]
    total = 0
    with Session(engine) as session, session.begin():
        chunks = plan_backlog(session, organisation, as_of=as_of, chunk_size=50)
    for chunk in chunks:
        with Session(engine) as session, session.begin():
            total += decide_catch_up(session, organisation, as_of=as_of, chunk=chunk)[0]
    return total


@pytest.mark.usefixtures("staffed")
def test_go_live_catches_each_overdue_item_up_once(engine, organisation) -> None:  # type: ignore[no-untyped-def]
    # Jade Kaur (W0036, care worker since 2023, manager W0004) has never done safeguarding,
    # data protection or first aid: three items years overdue on the first run.
    caught = _catch_up(engine, organisation, date(2026, 1, 5))
    assert caught > 0
    notices = _notices(engine)
    assert {(who, module) for who, module, *_ in notices} == {
        (who, module)
        for who in ("W0036", "W0004", "W0001")  # herself, her manager, the workforce lead
        for module in ("data_protection", "first_aid", "safeguarding")
    }
    assert {(step, mode) for *_, step, mode in notices} == {("catch_up", "digest")}
    # Every item is now seen: a second run, and the next day's, decide nothing more.
    assert _catch_up(engine, organisation, date(2026, 1, 5)) == 0
    assert _catch_up(engine, organisation, date(2026, 1, 6)) == 0
    assert len(_notices(engine)) == len(notices)


@pytest.mark.usefixtures("staffed")
def test_an_outage_beyond_the_catch_up_cap_is_a_backlog_too(engine, organisation) -> None:  # type: ignore[no-untyped-def]
    _catch_up(engine, organisation, date(2026, 1, 5))
    with Session(engine) as session, session.begin():
        record_sweep(
            session,
            flow="daily",
            as_of=date(2026, 1, 5),
            window_start=date(2026, 1, 5),
            window_end=date(2026, 1, 5),
            counts={},
        )
        # An ASYE review due Mon 12 January 2026: its steps fell in the outage that follows.
        item = session.scalars(
            select(Obligation).where(Obligation.kind == "asye.review").order_by(Obligation.id)
        ).first()
        assert item is not None
        item.due_date = date(2026, 1, 12)
        item_id = item.id
    # Back on Mon 6 April, 91 days later; the cap (31 days) leaves out 5 January..5 March.
    assert _catch_up(engine, organisation, date(2026, 4, 6)) >= 1
    with Session(engine) as session:
        steps = session.scalars(select(Notice.step).where(Notice.obligation_id == item_id)).all()
    assert set(steps) == {"catch_up"}
