"""Reminder schedules and which steps a sweep sends.

The policy below (the first sample policy, kept here so these tests do not move when the
sample is edited): before_14 (-14 days, worker + assessor), before_3 (-3, worker + assessor),
overdue_1 (+1, manager, escalation), overdue_14 (+14, workforce_lead, escalation). Due date
used below: Thursday 30 April 2026, so before_14 is Thu 16 Apr, before_3 Mon 27 Apr,
overdue_1 Fri 1 May, overdue_14 Thu 14 May.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from definitions.clock import DateWindow, sweep_window
from definitions.loader import load_organisation
from definitions.reminders import ReminderPolicy, reminder_schedule, steps_due

DUE = date(2026, 4, 30)


@pytest.fixture(scope="module")
def policy() -> ReminderPolicy:
    return ReminderPolicy.model_validate(
        {
            "title": "ASYE milestone reminders",
            "steps": [
                {"key": "before_14", "offset_days": -14, "to": ["worker", "assessor"]},
                {"key": "before_3", "offset_days": -3, "to": ["worker", "assessor"]},
                {"key": "overdue_1", "offset_days": 1, "to": ["manager"], "escalation": True},
                {
                    "key": "overdue_14",
                    "offset_days": 14,
                    "to": ["workforce_lead"],
                    "escalation": True,
                },
            ],
        }
    )


def test_the_sample_ladder_tells_the_worker_then_worker_and_manager_then_escalates() -> None:
    """The escalation ladder the sample ships (reminders.yaml): before due to the worker, on
    the due date to worker and manager, overdue to the manager and then the workforce lead."""
    sample = load_organisation().policy("asye_milestone")
    assert sent(reminder_schedule(DUE, sample)) == [
        ("before_14", date(2026, 4, 16), ("worker", "assessor")),
        ("before_3", date(2026, 4, 27), ("worker", "assessor", "supervisor")),
        ("due", date(2026, 4, 30), ("worker", "manager")),
        ("overdue_1", date(2026, 5, 1), ("manager",)),
        ("overdue_14", date(2026, 5, 14), ("workforce_lead",)),
    ]
    report = load_organisation().policy("asye_report")
    assert [(s.step.key, s.roles) for s in reminder_schedule(DUE, report)] == [
        ("before_21", ("assessor",)),
        ("before_7", ("assessor",)),
        ("due", ("assessor", "manager")),
        ("overdue_1", ("manager",)),
        ("overdue_7", ("manager", "workforce_lead")),
    ]


def sent(steps: list) -> list[tuple[str, date, tuple[str, ...]]]:  # type: ignore[type-arg]
    return [(s.step.key, s.send_on, s.roles) for s in steps]


def test_schedule_of_the_sample_policy_for_a_due_date(policy: ReminderPolicy) -> None:
    assert sent(reminder_schedule(DUE, policy)) == [
        ("before_14", date(2026, 4, 16), ("worker", "assessor")),
        ("before_3", date(2026, 4, 27), ("worker", "assessor")),
        ("overdue_1", date(2026, 5, 1), ("manager",)),
        ("overdue_14", date(2026, 5, 14), ("workforce_lead",)),
    ]
    escalations = [s.step.key for s in reminder_schedule(DUE, policy) if s.step.escalation]
    assert escalations == ["overdue_1", "overdue_14"]


@pytest.mark.parametrize(
    ("due", "before_14", "overdue_14"),
    [
        (date(2026, 12, 24), date(2026, 12, 10), date(2027, 1, 7)),  # over the year end
        (date(2028, 3, 10), date(2028, 2, 25), date(2028, 3, 24)),  # over 29 Feb 2028
        (date(2026, 3, 31), date(2026, 3, 17), date(2026, 4, 14)),  # over the clock change
    ],
)
def test_schedule_offsets_are_calendar_days(
    policy: ReminderPolicy, due: date, before_14: date, overdue_14: date
) -> None:
    schedule = reminder_schedule(due, policy)
    assert schedule[0].send_on == before_14
    assert schedule[-1].send_on == overdue_14


def test_schedule_is_in_date_order_whatever_the_policy_order() -> None:
    policy = ReminderPolicy.model_validate(
        {
            "title": "Unsorted",
            "steps": [
                {"key": "late", "offset_days": 7, "to": ["manager"]},
                {"key": "early", "offset_days": -7, "to": ["worker"]},
                {"key": "on_the_day", "offset_days": 0, "to": ["worker"]},
            ],
        }
    )
    assert [s.step.key for s in reminder_schedule(DUE, policy)] == ["early", "on_the_day", "late"]
    assert (policy.earliest_offset, policy.latest_offset) == (-7, 7)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(
            date(2026, 4, 16),
            date(2026, 4, 16),
            [("before_14", date(2026, 4, 16), ("worker", "assessor"))],
            id="one day: before_14",
        ),
        pytest.param(
            date(2026, 4, 27),
            date(2026, 4, 27),
            [("before_3", date(2026, 4, 27), ("worker", "assessor"))],
            id="one day: before_3",
        ),
        pytest.param(
            date(2026, 5, 1),
            date(2026, 5, 1),
            [("overdue_1", date(2026, 5, 1), ("manager",))],
            id="one day: overdue_1",
        ),
        pytest.param(
            date(2026, 4, 30),
            date(2026, 4, 30),
            [],
            id="one day: the due date itself has no step",
        ),
        pytest.param(
            date(2026, 4, 17),
            date(2026, 4, 26),
            [],
            id="catch-up between steps sends nothing",
        ),
        pytest.param(
            date(2026, 4, 15),
            date(2026, 4, 27),
            [("before_3", date(2026, 4, 27), ("worker", "assessor"))],
            id="catch-up holding before_14 and before_3 sends only before_3",
        ),
        pytest.param(
            date(2026, 4, 27),
            date(2026, 5, 1),
            [
                ("before_3", date(2026, 4, 27), ("worker", "assessor")),
                ("overdue_1", date(2026, 5, 1), ("manager",)),
            ],
            id="catch-up holding steps for different roles sends both",
        ),
        pytest.param(
            date(2026, 4, 16),
            date(2026, 5, 14),
            [
                ("before_3", date(2026, 4, 27), ("worker", "assessor")),
                ("overdue_1", date(2026, 5, 1), ("manager",)),
                ("overdue_14", date(2026, 5, 14), ("workforce_lead",)),
            ],
            id="catch-up holding all four sends the latest per role",
        ),
        pytest.param(
            date(2026, 4, 17),
            date(2026, 4, 16),
            [],
            id="empty window sends nothing",
        ),
        pytest.param(
            date(2026, 5, 15),
            date(2026, 4, 1),
            [],
            id="empty window sends nothing even when its dates span steps",
        ),
    ],
)
def test_steps_due_sends_at_most_the_latest_step_per_role(
    policy: ReminderPolicy,
    start: date,
    end: date,
    expected: list[tuple[str, date, tuple[str, ...]]],
) -> None:
    assert sent(steps_due(DUE, policy, DateWindow(start, end))) == expected


def test_step_shared_by_two_roles_goes_only_to_the_role_without_a_later_step() -> None:
    policy = ReminderPolicy.model_validate(
        {
            "title": "Shared",
            "steps": [
                {"key": "week_before", "offset_days": -7, "to": ["worker", "manager"]},
                {"key": "day_before", "offset_days": -1, "to": ["worker"]},
            ],
        }
    )
    # Window Thu 23 Apr .. Wed 29 Apr 2026 holds both steps.
    window = DateWindow(date(2026, 4, 23), date(2026, 4, 29))
    assert sent(steps_due(DUE, policy, window)) == [
        ("week_before", date(2026, 4, 23), ("manager",)),
        ("day_before", date(2026, 4, 29), ("worker",)),
    ]


def test_skipped_day_is_caught_up_once(policy: ReminderPolicy) -> None:
    # Last swept Wed 15 Apr; down on Thu 16 Apr (the before_14 day); back on Fri 17 Apr.
    window = sweep_window(date(2026, 4, 15), date(2026, 4, 17), max_catch_up_days=31)
    assert sent(steps_due(DUE, policy, window)) == [
        ("before_14", date(2026, 4, 16), ("worker", "assessor")),
    ]
    # Sat 18 Apr: already handled, nothing again.
    window = sweep_window(date(2026, 4, 17), date(2026, 4, 18), max_catch_up_days=31)
    assert steps_due(DUE, policy, window) == []


def test_first_sweep_ever_sends_no_back_dated_reminders(policy: ReminderPolicy) -> None:
    # First run on Tue 28 Apr: the before_14 (16 Apr) and before_3 (27 Apr) days are past.
    window = sweep_window(None, date(2026, 4, 28), max_catch_up_days=31)
    assert steps_due(DUE, policy, window) == []


# --- reminders go out on working days ----------------------------------------------------------

WORKING_DAY_CASES = [
    # due date, step offset, sent on, why
    (date(2026, 4, 8), -3, date(2026, 4, 2), "Sun 5 Apr; Good Friday 3 Apr: back to Thu 2 Apr"),
    (date(2026, 4, 8), -14, date(2026, 3, 25), "Wed 25 Mar is a working day"),
    (date(2026, 4, 8), 1, date(2026, 4, 9), "Thu 9 Apr is a working day"),
    (date(2026, 5, 5), -3, date(2026, 5, 1), "Sat 2 May: back to Fri 1 May"),
    (date(2026, 5, 1), 1, date(2026, 5, 5), "Sat 2 May; Mon 4 May bank holiday: on to Tue 5 May"),
    (date(2026, 12, 24), 1, date(2026, 12, 29), "Christmas, weekend, Boxing Day (observed 28th)"),
    (date(2026, 12, 24), -3, date(2026, 12, 21), "Mon 21 Dec is a working day"),
]


@pytest.mark.parametrize(("due", "offset", "sent_on", "why"), WORKING_DAY_CASES)
def test_a_step_on_a_weekend_or_bank_holiday_moves_to_a_working_day(
    due: date, offset: int, sent_on: date, why: str
) -> None:
    from definitions.calendar import WorkingCalendar
    from definitions.reminders import ReminderStep, send_date

    step = ReminderStep(key="s", offset_days=offset, to=("worker",))
    assert send_date(due, step, WorkingCalendar()) == sent_on, why
    assert send_date(due, step, None) == due + timedelta(days=offset)


def test_nothing_is_sent_on_a_weekend_when_the_step_moved_before_it() -> None:
    from definitions.calendar import WorkingCalendar
    from definitions.loader import load_organisation

    policy = load_organisation().policy("asye_milestone")
    calendar = WorkingCalendar()
    weekend = DateWindow(date(2026, 4, 4), date(2026, 4, 5))
    assert steps_due(date(2026, 4, 8), policy, weekend, calendar) == []
    thursday = DateWindow(date(2026, 4, 2), date(2026, 4, 2))
    [step] = steps_due(date(2026, 4, 8), policy, thursday, calendar)
    assert (step.step.key, step.send_on) == ("before_3", date(2026, 4, 2))
