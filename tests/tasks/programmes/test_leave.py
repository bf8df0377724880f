"""Recording leave that pauses the ASYE year, against a real database.

The sample roster's W0014 Nadia Nowak starts on Saturday 2026-01-31; her manager W0006
assesses her (no assessor column). Her milestones, counted in calendar months from the
start (month ends clamp) and moved to the previous working day (England):

    review_3              2026-04-30 Thu  (no 31 April: month end)
    review_6              2026-07-31 Fri
    review_9              2026-10-31 Sat -> Fri 2026-10-30
    final_recommendation  2026-12-31 Thu
    assessor_report       2027-01-31 Sun -> Fri 2027-01-29

W0011 Kiran Shah starts 2025-09-01, manager W0003, assessor W0007. W0019 is a social
worker; W0001 the workforce lead; W0002 the head of service.
"""

from __future__ import annotations

from datetime import date

import pytest
from asye_world import W0014_DUE, events, leave, obligations, record, state
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from definitions.errors import BadInput, NotFound, Refused
from definitions.organisation import Organisation
from storage.models import LeavePeriod
from tasks.programmes.leave import change_leave

pytestmark = pytest.mark.integration


# --- leave -------------------------------------------------------------------------------------


def test_leave_moves_every_open_milestone_back_by_the_days_away(
    roster: Engine, organisation: Organisation
) -> None:
    # 14 days, Monday 2026-03-02 .. Sunday 2026-03-15, both included
    moved = leave(roster, organisation)

    expected = {
        "review_3": date(2026, 5, 14),  # 2026-04-30 + 14 = Thursday 2026-05-14
        "review_6": date(2026, 8, 14),  # 2026-07-31 + 14 = Friday 2026-08-14
        "review_9": date(2026, 11, 13),  # 2026-10-31 + 14 = Saturday 11-14 -> Friday 11-13
        "final_recommendation": date(2027, 1, 14),  # 2026-12-31 + 14 = Thursday 2027-01-14
        "assessor_report": date(2027, 2, 12),  # 2027-01-31 + 14 = Sunday 02-14 -> Friday 02-12
    }
    assert moved == [(k, W0014_DUE[k], expected[k]) for k in W0014_DUE]
    stored = obligations(roster)
    assert {k: o.due_date for k, o in stored.items()} == expected
    assert stored["review_3"].rule == (
        "3 calendar months after the start on 31 January 2026 is 30 April 2026, the last day of "
        "April, which has only 30 days; 14 days of leave from 2 March 2026 to 15 March 2026 move "
        "it to 14 May 2026"
    )
    assert {o.status for o in stored.values()} == {"open"}
    (event,) = events(roster, "asye.leave_recorded")
    assert event.actor == "W0006"
    assert event.occurred_on == date(2026, 3, 16)
    assert event.payload["days"] == 14
    assert event.payload["moved"][0] == ["review_3", "2026-04-30", "2026-05-14"]
    with Session(roster) as session:
        (period,) = session.scalars(select(LeavePeriod)).all()
    assert (period.start_date, period.end_date, period.reason) == (
        date(2026, 3, 2),
        date(2026, 3, 15),
        "sickness",
    )


def test_leave_leaves_a_done_milestone_alone(roster: Engine, organisation: Organisation) -> None:
    record(roster, organisation, occurred_on=date(2026, 4, 29), today=date(2026, 4, 29))

    moved = leave(roster, organisation, today=date(2026, 5, 1))

    assert [k for k, _, _ in moved] == [
        "review_6",
        "review_9",
        "final_recommendation",
        "assessor_report",
    ]
    stored = obligations(roster)
    assert (stored["review_3"].status, stored["review_3"].due_date) == ("done", date(2026, 4, 30))
    assert stored["review_3"].closed_on == date(2026, 4, 29)
    assert stored["review_6"].due_date == date(2026, 8, 14)


def test_overlapping_leave_is_refused_and_changed_where_it_is(
    roster: Engine, organisation: Organisation
) -> None:
    leave(roster, organisation)  # 2026-03-02 .. 2026-03-15
    before = state(roster)
    with pytest.raises(Refused, match="already has leave from 2026-03-02 to 2026-03-15"):
        leave(roster, organisation, start=date(2026, 3, 10), end=date(2026, 3, 20))
    assert state(roster) == before
    # Lengthened to 2026-03-20 instead: 19 days away, review_3 moves to Tuesday 19 May.
    moved = change(roster, organisation, end=date(2026, 3, 20))
    assert moved == [("review_3", date(2026, 5, 14), date(2026, 5, 19))] + moved[1:]
    assert obligations(roster)["review_3"].due_date == date(2026, 5, 19)
    # Shortened to a week: 7 days, review_3 back to Thursday 7 May.
    change(roster, organisation, end=date(2026, 3, 8))
    assert obligations(roster)["review_3"].due_date == date(2026, 5, 7)
    (event,) = events(roster, "asye.leave_changed")[-1:]
    assert event.payload["was"] == ["2026-03-02", "2026-03-20"]
    # Cancelled (entered by mistake): back to the dates with no leave at all.
    change(roster, organisation, cancel=True)
    assert {k: o.due_date for k, o in obligations(roster).items()} == W0014_DUE
    with pytest.raises(NotFound, match="has no leave starting 2026-03-02"):
        change(roster, organisation, cancel=True)


def change(roster: Engine, organisation: Organisation, **kwargs):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "worker": "W0014",
        "was": date(2026, 3, 2),
        "start": None,
        "end": None,
        "actor": "W0006",
        "today": date(2026, 3, 21),
        **kwargs,
    }
    with Session(roster) as session, session.begin():
        return change_leave(session, organisation, **values)  # type: ignore[arg-type]


def test_leave_ending_before_it_starts_writes_nothing(
    roster: Engine, organisation: Organisation
) -> None:
    before = state(roster)

    with pytest.raises(BadInput, match="before it starts"):
        leave(roster, organisation, start=date(2026, 3, 15), end=date(2026, 3, 2))

    assert state(roster) == before


def test_leave_for_a_worker_not_on_asye_is_refused(
    roster: Engine, organisation: Organisation
) -> None:
    before = state(roster)
    with pytest.raises(Refused, match="not on the ASYE"):
        leave(roster, organisation, worker="W0019")
    assert state(roster) == before
