"""The sweep loads every item whose (moved) reminder step can fall in its window."""

from __future__ import annotations

from datetime import date

import pytest

from definitions.clock import DateWindow
from definitions.loader import load_organisation
from definitions.organisation import Organisation
from definitions.reminders import steps_due
from tasks.reminders.sweep import due_range


def with_closures(*days: date) -> Organisation:
    organisation = load_organisation()
    calendar = organisation.profile.calendar.model_copy(update={"extra_closures": days})
    profile = organisation.profile.model_copy(update={"calendar": calendar})
    return organisation.model_copy(update={"profile": profile})


CLOSED_OVER_NEW_YEAR = with_closures(date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31))


@pytest.mark.parametrize(
    ("sweep_day", "due", "step"),
    [
        # before_14 for Fri 15 Jan 2027 falls on Fri 1 Jan (a bank holiday), then the closure
        # and Christmas push it back to Thu 24 Dec 2026.
        (date(2026, 12, 24), date(2027, 1, 15), "before_14"),
        # overdue_14 for Fri 11 Dec 2026 falls on Fri 25 Dec: on to Mon 4 Jan 2027.
        (date(2027, 1, 4), date(2026, 12, 11), "overdue_14"),
    ],
)
def test_an_item_whose_step_moved_over_a_long_closure_is_loaded_on_that_day(
    sweep_day: date, due: date, step: str
) -> None:
    organisation = CLOSED_OVER_NEW_YEAR
    window = DateWindow(sweep_day, sweep_day)
    due_from, due_to = due_range(organisation, window)
    assert due_from <= due <= due_to
    steps = steps_due(
        due, organisation.policy("asye_milestone"), window, organisation.working_calendar()
    )
    assert [s.step.key for s in steps] == [step]


def test_every_step_of_a_year_is_sent_exactly_once_over_daily_sweeps() -> None:
    """Sweep every day of 2026 with the closure days; each (due date, step) goes out once."""
    from datetime import timedelta

    organisation = CLOSED_OVER_NEW_YEAR
    calendar = organisation.working_calendar()
    policy = organisation.policy("asye_milestone")
    dues = [date(2026, 9, 1) + timedelta(days=i) for i in range(150)]
    dues = [d for d in dues if calendar.is_working_day(d)]
    sent: list[tuple[date, str]] = []
    day = date(2026, 8, 1)
    while day <= date(2027, 3, 1):
        window = DateWindow(day, day)
        due_from, due_to = due_range(organisation, window)
        for due in dues:
            if due_from <= due <= due_to:
                sent += [(due, s.step.key) for s in steps_due(due, policy, window, calendar)]
        day += timedelta(days=1)
    assert len(sent) == len(set(sent)) == len(dues) * len(policy.steps)
