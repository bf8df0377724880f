"""Dating the ASYE milestones: calendar months from the start, leave, then the working day.

The sample programme (definitions/sample/asye.yaml) has review_3, review_6, review_9,
final_recommendation (11 months) and assessor_report (12 months). Bank holidays are the
`holidays` package's GB/ENG list (see tests/definitions/test_calendar.py).
"""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from definitions.calendar import WorkingCalendar, human_date
from definitions.loader import load_organisation
from definitions.programmes import (
    Leave,
    Milestone,
    MilestoneRule,
    Programme,
    date_milestones,
    merge_leave,
)


@pytest.fixture(scope="module")
def sample() -> Programme:
    return load_organisation().asye


@pytest.fixture(scope="module")
def england() -> WorkingCalendar:
    return WorkingCalendar()


def monthly_programme(length_months: int = 12) -> Programme:
    """A milestone every month (m1 .. m12), to see each month's date."""
    return Programme(
        title="Monthly",
        eligible_roles=("nqsw",),
        length_months=length_months,
        reminder_policy="asye_milestone",
        milestones=tuple(
            MilestoneRule(key=f"m{n}", title=f"{n} months", kind="review", months=n)
            for n in range(1, length_months + 1)
        ),
    )


def by_key(milestones: list[Milestone], key: str) -> Milestone:
    return next(m for m in milestones if m.key == key)


# --- calendar months, month end and working days --------------------------------------------


@pytest.mark.parametrize(
    ("months", "nominal", "due"),
    [
        (1, date(2026, 2, 28), date(2026, 2, 27)),  # Sat -> Fri
        (2, date(2026, 3, 31), date(2026, 3, 31)),  # Tue
        (3, date(2026, 4, 30), date(2026, 4, 30)),  # Thu
        (4, date(2026, 5, 31), date(2026, 5, 29)),  # Sun -> Fri
        (5, date(2026, 6, 30), date(2026, 6, 30)),  # Tue
        (6, date(2026, 7, 31), date(2026, 7, 31)),  # Fri: 31 again, no drift
        (7, date(2026, 8, 31), date(2026, 8, 28)),  # Late Summer bank holiday (Mon) -> Fri
        (8, date(2026, 9, 30), date(2026, 9, 30)),  # Wed
        (9, date(2026, 10, 31), date(2026, 10, 30)),  # Sat -> Fri
        (10, date(2026, 11, 30), date(2026, 11, 30)),  # Mon
        (11, date(2026, 12, 31), date(2026, 12, 31)),  # Thu
        (12, date(2027, 1, 31), date(2027, 1, 29)),  # Sun -> Fri
    ],
)
def test_start_31_january_2026_counts_every_month_from_the_start_without_drifting(
    england: WorkingCalendar, months: int, nominal: date, due: date
) -> None:
    milestone = by_key(
        date_milestones(date(2026, 1, 31), monthly_programme(), england), f"m{months}"
    )
    assert milestone.nominal == nominal
    assert milestone.due == due


@pytest.mark.parametrize(
    ("key", "nominal", "due"),
    [
        ("review_3", date(2028, 5, 29), date(2028, 5, 26)),  # Spring bank holiday Mon -> Fri
        ("review_6", date(2028, 8, 29), date(2028, 8, 29)),  # Tue (after the 28 Aug holiday)
        ("review_9", date(2028, 11, 29), date(2028, 11, 29)),  # Wed
        ("final_recommendation", date(2029, 1, 29), date(2029, 1, 29)),  # Mon
        ("assessor_report", date(2029, 2, 28), date(2029, 2, 28)),  # Wed: no 29 Feb in 2029
    ],
)
def test_start_on_leap_day_2028_lands_on_the_29th_or_the_month_end(
    sample: Programme, england: WorkingCalendar, key: str, nominal: date, due: date
) -> None:
    milestone = by_key(date_milestones(date(2028, 2, 29), sample, england), key)
    assert milestone.nominal == nominal
    assert milestone.due == due


@pytest.mark.parametrize(
    ("start", "months", "nominal", "said"),
    [
        (
            date(2027, 1, 31),
            1,
            date(2027, 2, 28),
            "1 calendar month after the start on 31 January 2027 is 28 February 2027, the last "
            "day of February, which has only 28 days; 28 February 2027 is a Sunday, so it is due "
            "the working day before, Friday 26 February 2027",
        ),
        (
            date(2028, 1, 31),
            1,
            date(2028, 2, 29),
            "1 calendar month after the start on 31 January 2028 is 29 February 2028, the last "
            "day of February, which has only 29 days",
        ),
    ],
)
def test_one_month_after_31_january_is_the_last_day_of_february(
    england: WorkingCalendar, start: date, months: int, nominal: date, said: str
) -> None:
    milestone = by_key(date_milestones(start, monthly_programme(), england), f"m{months}")
    assert milestone.nominal == nominal
    assert milestone.rule == said


@pytest.mark.parametrize(
    ("start", "key", "nominal", "due", "said"),
    [
        # Christmas 2026: Fri 25 Dec, Sat 26 Dec, substitute Boxing Day Mon 28 Dec.
        (date(2026, 9, 25), "review_3", date(2026, 12, 25), date(2026, 12, 24), "Christmas Day"),
        (date(2026, 3, 26), "review_9", date(2026, 12, 26), date(2026, 12, 24), "Boxing Day"),
        (date(2026, 6, 28), "review_6", date(2026, 12, 28), date(2026, 12, 24), "Boxing Day"),
        (date(2026, 4, 1), "review_9", date(2027, 1, 1), date(2026, 12, 31), "New Year's Day"),
        # Christmas 2027: substitutes Mon 27 and Tue 28 Dec; New Year observed Mon 3 Jan 2028.
        (
            date(2027, 1, 28),
            "final_recommendation",
            date(2027, 12, 28),
            date(2027, 12, 24),
            "Boxing Day",
        ),
        (
            date(2027, 1, 3),
            "assessor_report",
            date(2028, 1, 3),
            date(2027, 12, 31),
            "New Year's Day",
        ),
        # Easter 2026: Good Friday 3 Apr, Easter Monday 6 Apr.
        (date(2026, 1, 3), "review_3", date(2026, 4, 3), date(2026, 4, 2), "Good Friday"),
        (date(2026, 1, 6), "review_3", date(2026, 4, 6), date(2026, 4, 2), "Easter Monday"),
        # Easter 2027: Good Friday 26 Mar, Easter Monday 29 Mar.
        (date(2026, 12, 26), "review_3", date(2027, 3, 26), date(2027, 3, 25), "Good Friday"),
        (date(2026, 12, 29), "review_3", date(2027, 3, 29), date(2027, 3, 25), "Easter Monday"),
        # A Monday bank holiday after a weekend goes back to the Friday.
        (date(2026, 2, 4), "review_3", date(2026, 5, 4), date(2026, 5, 1), "May Day"),
        (date(2026, 5, 31), "review_3", date(2026, 8, 31), date(2026, 8, 28), "Late Summer"),
        # Weekends.
        (date(2025, 11, 28), "review_3", date(2026, 2, 28), date(2026, 2, 27), "Saturday"),
        (date(2025, 12, 1), "review_3", date(2026, 3, 1), date(2026, 2, 27), "Sunday"),
        # Sunday of the spring clock change is just a Sunday.
        (date(2025, 12, 29), "review_3", date(2026, 3, 29), date(2026, 3, 27), "Sunday"),
    ],
)
def test_milestone_on_weekend_or_bank_holiday_moves_to_previous_working_day(
    sample: Programme,
    england: WorkingCalendar,
    start: date,
    key: str,
    nominal: date,
    due: date,
    said: str,
) -> None:
    milestone = by_key(date_milestones(start, sample, england), key)
    assert milestone.nominal == nominal
    assert milestone.due == due
    assert said in milestone.rule
    assert milestone.rule.endswith(f", so it is due the working day before, {human_date(due)}")


def test_milestone_on_a_working_day_is_explained_by_the_month_count_alone(
    sample: Programme, england: WorkingCalendar
) -> None:
    milestone = by_key(date_milestones(date(2026, 9, 1), sample, england), "review_3")
    assert milestone.due == milestone.nominal == date(2026, 12, 1)
    assert (
        milestone.rule == "3 calendar months after the start on 1 September 2026 is 1 December 2026"
    )


@pytest.mark.parametrize(
    ("start", "key", "clamped_to"),
    [
        (
            date(2026, 1, 31),
            "review_3",
            "3 calendar months after the start on 31 January 2026 is 30 April 2026, the last day "
            "of April, which has only 30 days",
        ),
        (date(2026, 1, 31), "assessor_report", None),  # 31 Jan 2027 exists
        (date(2028, 2, 29), "review_3", None),  # 29 May 2028 exists
        (
            date(2028, 2, 29),
            "assessor_report",
            "12 calendar months after the start on 29 February 2028 is 28 February 2029, the last "
            "day of February, which has only 28 days",
        ),
    ],
)
def test_rule_text_says_month_end_only_when_the_day_was_clamped(
    sample: Programme,
    england: WorkingCalendar,
    start: date,
    key: str,
    clamped_to: str | None,
) -> None:
    rule = by_key(date_milestones(start, sample, england), key).rule
    if clamped_to is None:
        assert "the last day of" not in rule
    else:
        assert rule == clamped_to


def test_milestones_come_out_in_month_order_with_the_rules_details(
    england: WorkingCalendar,
) -> None:
    programme = Programme(
        title="Unsorted",
        eligible_roles=("nqsw",),
        reminder_policy="asye_milestone",
        milestones=(
            MilestoneRule(
                key="late", title="Late", kind="report", months=12, responsible="manager"
            ),
            MilestoneRule(key="early", title="Early", kind="review", months=3),
        ),
    )
    early, late = date_milestones(date(2026, 9, 1), programme, england)
    assert (early.key, early.title, early.kind, early.responsible) == (
        "early",
        "Early",
        "review",
        "assessor",
    )
    assert (late.key, late.kind, late.responsible) == ("late", "report", "manager")


# --- leave ----------------------------------------------------------------------------------
# Start Tue 1 Sep 2026: review_3 is Tue 1 Dec 2026, review_6 is Mon 1 Mar 2027.

START = date(2026, 9, 1)


@pytest.mark.parametrize(
    ("leave", "review_3_due", "review_6_due"),
    [
        pytest.param([], date(2026, 12, 1), date(2027, 3, 1), id="no leave"),
        pytest.param(
            [Leave(date(2026, 11, 2), date(2026, 11, 8))],  # 7 days
            date(2026, 12, 8),
            date(2027, 3, 8),
            id="leave before both pushes both by 7 days",
        ),
        pytest.param(
            [Leave(date(2026, 12, 2), date(2026, 12, 10))],  # 9 days, after review_3
            date(2026, 12, 1),
            date(2027, 3, 10),
            id="leave after a milestone does not move it",
        ),
        pytest.param(
            [Leave(date(2026, 12, 1), date(2026, 12, 1))],
            date(2026, 12, 2),
            date(2027, 3, 2),
            id="leave on the due date itself pushes it",
        ),
        pytest.param(
            [
                Leave(date(2026, 11, 2), date(2026, 11, 8)),
                Leave(date(2026, 11, 5), date(2026, 11, 11)),
            ],
            date(2026, 12, 11),  # 2..11 Nov is 10 days, not 7 + 7
            date(2027, 3, 11),
            id="overlapping leave is not double counted",
        ),
        pytest.param(
            [
                Leave(date(2026, 11, 2), date(2026, 11, 8)),
                Leave(date(2026, 11, 2), date(2026, 11, 8)),
            ],
            date(2026, 12, 8),
            date(2027, 3, 8),
            id="the same leave recorded twice counts once",
        ),
        pytest.param(
            [
                Leave(date(2026, 11, 2), date(2026, 11, 4)),
                Leave(date(2026, 11, 5), date(2026, 11, 8)),
            ],
            date(2026, 12, 8),
            date(2027, 3, 8),
            id="touching leave periods add up",
        ),
        pytest.param(
            [
                Leave(date(2026, 11, 2), date(2026, 11, 8)),
                Leave(date(2026, 12, 5), date(2026, 12, 6)),
            ],
            date(2026, 12, 10),  # 1 Dec + 7 = 8 Dec, past the 5 Dec leave start: + 2 = 10 Dec
            date(2027, 3, 10),
            id="leave pushing a milestone past another leave start is pushed again",
        ),
        pytest.param(
            [
                Leave(date(2026, 12, 5), date(2026, 12, 6)),
                Leave(date(2026, 11, 2), date(2026, 11, 8)),
            ],
            date(2026, 12, 10),
            date(2027, 3, 10),
            id="the order leave is recorded in does not matter",
        ),
        pytest.param(
            [Leave(date(2026, 8, 25), date(2026, 9, 7))],  # only 1..7 Sep is in the year
            date(2026, 12, 8),
            date(2027, 3, 8),
            id="leave before the start counts only from the start",
        ),
        pytest.param(
            [Leave(date(2026, 8, 1), date(2026, 8, 31))],
            date(2026, 12, 1),
            date(2027, 3, 1),
            id="leave wholly before the start is ignored",
        ),
        pytest.param(
            [Leave(date(2026, 11, 25), date(2026, 12, 5))],  # 11 days -> Sat 12 Dec
            date(2026, 12, 11),
            date(2027, 3, 12),
            id="leave then weekend: pushed to Saturday, due on Friday",
        ),
    ],
)
def test_leave_pushes_later_milestones_by_the_days_of_leave(
    sample: Programme,
    england: WorkingCalendar,
    leave: list[Leave],
    review_3_due: date,
    review_6_due: date,
) -> None:
    milestones = date_milestones(START, sample, england, leave)
    assert by_key(milestones, "review_3").due == review_3_due
    assert by_key(milestones, "review_6").due == review_6_due
    assert by_key(milestones, "review_3").nominal == date(2026, 12, 1)  # leave never moves it


@pytest.mark.parametrize(
    ("leave", "said"),
    [
        (
            [Leave(date(2026, 11, 2), date(2026, 11, 8))],
            ["7 days of leave from 2 November 2026 to 8 November 2026 move it to 8 December 2026"],
        ),
        (
            [
                Leave(date(2026, 11, 2), date(2026, 11, 8)),
                Leave(date(2026, 11, 5), date(2026, 11, 11)),
            ],
            [
                "10 days of leave from 2 November 2026 to 11 November 2026 move it to "
                "11 December 2026"
            ],
        ),
        (
            [
                Leave(date(2026, 11, 2), date(2026, 11, 8)),
                Leave(date(2026, 12, 5), date(2026, 12, 6)),
            ],
            [
                "7 days of leave from 2 November 2026 to 8 November 2026 move it to "
                "8 December 2026",
                "2 days of leave from 5 December 2026 to 6 December 2026 move it to "
                "10 December 2026",
            ],
        ),
        (
            [Leave(date(2026, 8, 25), date(2026, 9, 7))],
            [
                "7 days of leave from 1 September 2026 to 7 September 2026 move it to "
                "8 December 2026"
            ],
        ),
        (
            [Leave(date(2026, 11, 25), date(2026, 12, 5))],
            [
                "11 days of leave from 25 November 2026 to 5 December 2026 move it to "
                "12 December 2026",
                "12 December 2026 is a Saturday, so it is due the working day before, "
                "Friday 11 December 2026",
            ],
        ),
    ],
)
def test_rule_text_names_each_leave_period_and_the_date_it_gives(
    sample: Programme, england: WorkingCalendar, leave: list[Leave], said: list[str]
) -> None:
    rule = by_key(date_milestones(START, sample, england, leave), "review_3").rule
    assert rule == "; ".join(
        ["3 calendar months after the start on 1 September 2026 is 1 December 2026", *said]
    )


def test_rule_text_explains_month_end_leave_and_holiday_together(
    england: WorkingCalendar,
) -> None:
    # 31 Jan 2026 + 2 months = 31 Mar (Tue); + 3 days of leave = Fri 3 Apr, Good Friday.
    milestone = by_key(
        date_milestones(
            date(2026, 1, 31),
            monthly_programme(),
            england,
            [Leave(date(2026, 3, 9), date(2026, 3, 11))],
        ),
        "m2",
    )
    assert milestone.due == date(2026, 4, 2)
    # Month-end wording only when the day was clamped; 31 March exists.
    assert milestone.rule == (
        "2 calendar months after the start on 31 January 2026 is 31 March 2026; 3 days of leave "
        "from 9 March 2026 to 11 March 2026 move it to 3 April 2026; Friday 3 April 2026 is Good "
        "Friday, so it is due the working day before, Thursday 2 April 2026"
    )


def test_working_day_move_does_not_land_on_a_day_of_leave(
    sample: Programme, england: WorkingCalendar
) -> None:
    # Start Fri 28 Nov 2025: review_3 is Sat 28 Feb 2026, due Fri 27 Feb without leave.
    # One day of leave on Fri 27 Feb pushes it to Sun 1 Mar, which moves back to Fri 27 Feb:
    # the milestone is due on the worker's day of leave, exactly as if there were no leave.
    leave = Leave(date(2026, 2, 27), date(2026, 2, 27))
    milestone = by_key(date_milestones(date(2025, 11, 28), sample, england, [leave]), "review_3")
    assert not leave.start <= milestone.due <= leave.end


@pytest.mark.parametrize(
    ("start", "leave", "due", "said"),
    [
        pytest.param(
            # Sat 28 Feb + 1 day = Sun 1 Mar, back to Fri 27 Feb (leave), on to Mon 2 Mar.
            date(2025, 11, 28),
            [Leave(date(2026, 2, 27), date(2026, 2, 27))],
            date(2026, 3, 2),
            [
                "1 day of leave on 27 February 2026 moves it to 1 March 2026",
                "1 March 2026 is a Sunday, so it is due the working day before, "
                "Friday 27 February 2026",
                "Friday 27 February 2026 is a day of leave, so it is due the first working day "
                "after it, Monday 2 March 2026",
            ],
            id="one day of leave on the Friday before",
        ),
        pytest.param(
            # As above, but Mon 2 and Tue 3 Mar are leave too (not merged: the weekend
            # between), so the first working day after both is Wed 4 Mar.
            date(2025, 11, 28),
            [
                Leave(date(2026, 2, 27), date(2026, 2, 27)),
                Leave(date(2026, 3, 2), date(2026, 3, 3)),
            ],
            date(2026, 3, 4),
            [
                "1 day of leave on 27 February 2026 moves it to 1 March 2026",
                "1 March 2026 is a Sunday, so it is due the working day before, "
                "Friday 27 February 2026",
                "Friday 27 February 2026 is a day of leave, so it is due the first working day "
                "after it, Monday 2 March 2026",
                "Monday 2 March 2026 is during leave from 2 March 2026 to 3 March 2026, so it is "
                "due the first working day after it, Wednesday 4 March 2026",
            ],
            id="the day after leave is in more leave",
        ),
    ],
)
def test_due_date_in_leave_moves_to_the_first_working_day_after_it(
    sample: Programme,
    england: WorkingCalendar,
    start: date,
    leave: list[Leave],
    due: date,
    said: list[str],
) -> None:
    milestone = by_key(date_milestones(start, sample, england, leave), "review_3")
    assert milestone.due == due
    assert milestone.rule == "; ".join(
        ["3 calendar months after the start on 28 November 2025 is 28 February 2026", *said]
    )


def test_first_working_day_after_leave_skips_the_easter_bank_holidays(
    england: WorkingCalendar,
) -> None:
    # 4 Jan 2026 + 3 months = Sat 4 Apr; + 1 day of leave (Thu 2 Apr) = Sun 5 Apr, back past
    # Good Friday to Thu 2 Apr (leave); then not Fri 3 (Good Friday) nor Mon 6 (Easter
    # Monday), but Tue 7 Apr.
    milestone = by_key(
        date_milestones(
            date(2026, 1, 4),
            monthly_programme(),
            england,
            [Leave(date(2026, 4, 2), date(2026, 4, 2))],
        ),
        "m3",
    )
    assert milestone.due == date(2026, 4, 7)
    assert milestone.rule.endswith(
        "; Thursday 2 April 2026 is a day of leave, so it is due the first working day after it, "
        "Tuesday 7 April 2026"
    )


# --- merge_leave and Leave ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("periods", "merged"),
    [
        ([], []),
        (
            [
                Leave(date(2026, 11, 2), date(2026, 11, 8)),
                Leave(date(2026, 11, 5), date(2026, 11, 11)),
            ],
            [Leave(date(2026, 11, 2), date(2026, 11, 11))],
        ),
        (  # touching: 4 Nov then 5 Nov
            [
                Leave(date(2026, 11, 2), date(2026, 11, 4)),
                Leave(date(2026, 11, 5), date(2026, 11, 8)),
            ],
            [Leave(date(2026, 11, 2), date(2026, 11, 8))],
        ),
        (  # a one-day gap (5 Nov) keeps them apart
            [
                Leave(date(2026, 11, 2), date(2026, 11, 4)),
                Leave(date(2026, 11, 6), date(2026, 11, 8)),
            ],
            [
                Leave(date(2026, 11, 2), date(2026, 11, 4)),
                Leave(date(2026, 11, 6), date(2026, 11, 8)),
            ],
        ),
        (  # one inside the other
            [
                Leave(date(2026, 11, 1), date(2026, 11, 30)),
                Leave(date(2026, 11, 10), date(2026, 11, 12)),
            ],
            [Leave(date(2026, 11, 1), date(2026, 11, 30))],
        ),
        (  # out of order, three overlapping
            [
                Leave(date(2026, 11, 20), date(2026, 11, 25)),
                Leave(date(2026, 11, 1), date(2026, 11, 10)),
                Leave(date(2026, 11, 9), date(2026, 11, 21)),
            ],
            [Leave(date(2026, 11, 1), date(2026, 11, 25))],
        ),
    ],
)
def test_merge_leave_joins_overlapping_and_touching_periods(
    periods: list[Leave], merged: list[Leave]
) -> None:
    assert merge_leave(periods) == merged


@pytest.mark.parametrize(
    ("leave", "days"),
    [
        (Leave(date(2026, 12, 1), date(2026, 12, 1)), 1),
        (Leave(date(2026, 11, 2), date(2026, 11, 8)), 7),
        (Leave(date(2028, 2, 28), date(2028, 3, 1)), 3),  # includes 29 Feb 2028
        (Leave(date(2026, 12, 24), date(2027, 1, 2)), 10),
    ],
)
def test_leave_counts_both_ends(leave: Leave, days: int) -> None:
    assert leave.days == days


def test_leave_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Leave(date(2026, 11, 8), date(2026, 11, 2))


# --- the programme model --------------------------------------------------------------------


def rule(key: str, months: int) -> dict[str, object]:
    return {"key": key, "title": key, "kind": "review", "months": months}


def test_duplicate_milestone_keys_are_refused() -> None:
    with pytest.raises(ValidationError, match="review_3 appear twice"):
        Programme(
            title="t",
            eligible_roles=("nqsw",),
            reminder_policy="p",
            milestones=(rule("review_3", 3), rule("review_3", 6)),  # type: ignore[arg-type]
        )


def test_milestone_after_the_programme_length_is_refused() -> None:
    with pytest.raises(
        ValidationError, match="milestones late fall after the programme.s length of 12 months"
    ):
        Programme(
            title="t",
            eligible_roles=("nqsw",),
            reminder_policy="p",
            milestones=(rule("ok", 12), rule("late", 13)),  # type: ignore[arg-type]
        )


def test_milestone_after_the_programme_length_is_located_at_the_first_late_months() -> None:
    with pytest.raises(ValidationError) as caught:
        Programme(
            title="t",
            eligible_roles=("nqsw",),
            length_months=6,
            reminder_policy="p",
            milestones=(rule("ok", 6), rule("late", 9), rule("later", 12)),  # type: ignore[arg-type]
        )
    (error,) = caught.value.errors()
    assert error["loc"] == ("milestones", 1, "months")
    assert "milestones late, later fall after the programme's length of 6 months" in error["msg"]


def test_invalid_length_is_reported_alone_not_as_late_milestones() -> None:
    with pytest.raises(ValidationError) as caught:
        Programme(
            title="t",
            eligible_roles=("nqsw",),
            length_months=40,
            reminder_policy="p",
            milestones=(rule("ok", 12),),  # type: ignore[arg-type]
        )
    assert [e["loc"] for e in caught.value.errors()] == [("length_months",)]


@pytest.mark.parametrize(
    ("kind", "outcomes"),
    [
        ("review", ("on_track", "concerns", "not_on_track")),
        ("recommendation", ("pass", "fail", "extend")),
        ("report", ("submitted",)),
    ],
)
def test_milestone_without_outcomes_gets_its_kinds_defaults(
    kind: str, outcomes: tuple[str, ...]
) -> None:
    assert MilestoneRule(key="k", title="t", kind=kind, months=3).outcomes == outcomes  # type: ignore[arg-type]


def test_unknown_milestone_key_lists_the_known_ones(sample: Programme) -> None:
    assert sample.milestone("review_6").months == 6
    with pytest.raises(KeyError, match="review_3, review_6, review_9"):
        sample.milestone("review_12")
