"""Calendar-month arithmetic, bank holidays (England) and the organisation's 'today'.

Bank holidays are as the `holidays` package lists them for GB/ENG (checked by running it):
2026: Good Friday Fri 3 Apr, Easter Monday Mon 6 Apr, May Day Mon 4 May, Spring Mon 25 May,
Late Summer Mon 31 Aug, Christmas Fri 25 Dec, Boxing Day Sat 26 Dec with the substitute
holiday Mon 28 Dec. 2027: New Year Fri 1 Jan, Good Friday Fri 26 Mar, Easter Monday Mon
29 Mar, Christmas Sat 25 Dec (observed Mon 27 Dec), Boxing Day Sun 26 Dec (observed Tue 28
Dec). 2028: New Year Sat 1 Jan (observed Mon 3 Jan), Spring bank holiday Mon 29 May.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from definitions.calendar import (
    WorkingCalendar,
    add_months,
    human_date,
    is_month_end_clamped,
    rule_date,
    rule_day,
)

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def england() -> WorkingCalendar:
    return WorkingCalendar()


# --- add_months -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        # 31 January 2026, every month of the year: the day is 31 whenever the month has one.
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 31), 2, date(2026, 3, 31)),
        (date(2026, 1, 31), 3, date(2026, 4, 30)),
        (date(2026, 1, 31), 4, date(2026, 5, 31)),
        (date(2026, 1, 31), 5, date(2026, 6, 30)),
        (date(2026, 1, 31), 6, date(2026, 7, 31)),
        (date(2026, 1, 31), 7, date(2026, 8, 31)),
        (date(2026, 1, 31), 8, date(2026, 9, 30)),
        (date(2026, 1, 31), 9, date(2026, 10, 31)),
        (date(2026, 1, 31), 10, date(2026, 11, 30)),
        (date(2026, 1, 31), 11, date(2026, 12, 31)),
        (date(2026, 1, 31), 12, date(2027, 1, 31)),
    ],
)
def test_months_from_31_january_2026_clamp_to_month_end_without_drifting(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),  # 2027 is not a leap year
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # 2028 is
        (date(2028, 1, 30), 1, date(2028, 2, 29)),
        (date(2026, 1, 30), 1, date(2026, 2, 28)),
        (date(2026, 1, 28), 1, date(2026, 2, 28)),  # no clamping needed
        (date(2028, 2, 29), 1, date(2028, 3, 29)),
        (date(2028, 2, 29), 3, date(2028, 5, 29)),
        (date(2028, 2, 29), 6, date(2028, 8, 29)),
        (date(2028, 2, 29), 9, date(2028, 11, 29)),
        (date(2028, 2, 29), 11, date(2029, 1, 29)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),  # no 29 Feb in 2029
        (date(2028, 2, 29), 24, date(2030, 2, 28)),
        (date(2028, 2, 29), 48, date(2032, 2, 29)),  # leap again
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),  # across the year end
        (date(2026, 10, 31), 14, date(2027, 12, 31)),
        (date(2026, 5, 31), 0, date(2026, 5, 31)),
    ],
)
def test_adding_months_clamps_to_the_last_day_of_a_shorter_month(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


def test_chaining_single_months_drifts_so_rules_count_from_the_original_start() -> None:
    # Why add_months is always applied to the start: 31 Jan -> 28 Feb -> 28 Mar -> 28 Apr.
    chained = add_months(add_months(add_months(date(2026, 1, 31), 1), 1), 1)
    assert chained == date(2026, 4, 28)
    assert add_months(date(2026, 1, 31), 3) == date(2026, 4, 30)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        # Clock changes in Europe/London: Sun 29 Mar 2026 (to BST), Sun 25 Oct 2026 (to GMT).
        (date(2025, 12, 29), 3, date(2026, 3, 29)),  # lands on the spring-forward day
        (date(2026, 3, 29), 1, date(2026, 4, 29)),
        (date(2026, 3, 29), 7, date(2026, 10, 29)),
        (date(2026, 9, 25), 1, date(2026, 10, 25)),  # lands on the fall-back day
        (date(2026, 10, 25), 5, date(2027, 3, 25)),
        (date(2026, 3, 28), 1, date(2026, 4, 28)),
    ],
)
def test_adding_months_across_a_clock_change_is_pure_calendar_arithmetic(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


def test_a_month_over_the_spring_clock_change_is_31_calendar_days_not_743_hours() -> None:
    # March 2026 in London has 743 hours; a calendar month is still 1 Mar -> 1 Apr.
    assert add_months(date(2026, 3, 1), 1) - date(2026, 3, 1) == timedelta(days=31)


@pytest.mark.parametrize(
    ("start", "months", "clamped"),
    [
        (date(2026, 1, 31), 1, True),  # 28 Feb
        (date(2026, 1, 31), 2, False),  # 31 Mar
        (date(2026, 1, 31), 3, True),  # 30 Apr
        (date(2026, 1, 30), 1, True),  # 28 Feb
        (date(2026, 1, 28), 1, False),  # 28 Feb, no clamping
        (date(2028, 1, 31), 1, True),  # 29 Feb 2028
        (date(2028, 2, 29), 12, True),  # 28 Feb 2029
        (date(2028, 2, 29), 3, False),  # 29 May 2028
        (date(2028, 2, 29), 48, False),  # 29 Feb 2032
    ],
)
def test_month_end_clamping_is_reported_only_when_the_day_changed(
    start: date, months: int, clamped: bool
) -> None:
    assert is_month_end_clamped(start, months) is clamped


@pytest.mark.parametrize(
    ("d", "text"),
    [
        (date(2026, 4, 30), "Thursday 30 April 2026"),
        (date(2026, 12, 1), "Tuesday 1 December 2026"),  # no leading zero
        (date(2028, 2, 29), "Tuesday 29 February 2028"),
    ],
)
def test_human_date_reads_weekday_day_month_year(d: date, text: str) -> None:
    assert human_date(d) == text


# --- bank holidays and working days ---------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "name"),
    [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 4, 3), "Good Friday"),
        (date(2026, 4, 6), "Easter Monday"),
        (date(2026, 5, 4), "May Day"),
        (date(2026, 5, 25), "Spring Bank Holiday"),
        (date(2026, 8, 31), "Late Summer Bank Holiday"),
        (date(2026, 12, 25), "Christmas Day"),
        (date(2026, 12, 26), "Boxing Day"),  # a Saturday
        (date(2026, 12, 28), "Boxing Day"),  # Monday substitute: "Boxing Day (observed)"
        (date(2027, 1, 1), "New Year's Day"),
        (date(2027, 3, 26), "Good Friday"),
        (date(2027, 3, 29), "Easter Monday"),
        (date(2027, 12, 27), "Christmas Day"),  # observed: 25 Dec 2027 is a Saturday
        (date(2027, 12, 28), "Boxing Day"),  # observed: 26 Dec 2027 is a Sunday
        (date(2028, 1, 3), "New Year's Day"),  # observed: 1 Jan 2028 is a Saturday
        (date(2028, 5, 29), "Spring Bank Holiday"),
    ],
)
def test_england_bank_holidays_are_named(england: WorkingCalendar, d: date, name: str) -> None:
    holiday = england.holiday_name(d)
    assert holiday is not None
    assert name in holiday
    assert not england.is_working_day(d)


@pytest.mark.parametrize(
    "d",
    [
        date(2026, 4, 2),  # Thursday before Good Friday
        date(2026, 4, 7),  # Tuesday after Easter Monday
        date(2026, 12, 24),  # Christmas Eve is a normal working day
        date(2026, 12, 29),
        date(2026, 12, 31),
        date(2027, 12, 24),
        date(2027, 12, 31),
    ],
)
def test_days_around_holidays_are_working_days(england: WorkingCalendar, d: date) -> None:
    assert england.holiday_name(d) is None
    assert england.is_working_day(d)


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 4, 30), date(2026, 4, 30)),  # Thursday: a working day stays put
        (date(2026, 2, 28), date(2026, 2, 27)),  # Saturday -> Friday
        (date(2026, 3, 1), date(2026, 2, 27)),  # Sunday -> Friday
        (date(2026, 3, 29), date(2026, 3, 27)),  # Sunday of the spring clock change
        # Easter 2026
        (date(2026, 4, 3), date(2026, 4, 2)),  # Good Friday -> Thursday
        (date(2026, 4, 4), date(2026, 4, 2)),  # Easter Saturday -> Thursday
        (date(2026, 4, 6), date(2026, 4, 2)),  # Easter Monday -> back over the weekend
        # Easter 2027
        (date(2027, 3, 26), date(2027, 3, 25)),  # Good Friday -> Thursday
        (date(2027, 3, 29), date(2027, 3, 25)),  # Easter Monday -> Thursday
        # Monday bank holidays preceded by a weekend go back to the Friday
        (date(2026, 5, 4), date(2026, 5, 1)),  # May Day
        (date(2026, 5, 25), date(2026, 5, 22)),  # Spring bank holiday
        (date(2026, 8, 31), date(2026, 8, 28)),  # Late Summer bank holiday
        (date(2028, 5, 29), date(2028, 5, 26)),  # Spring bank holiday 2028
        # Christmas 2026
        (date(2026, 12, 25), date(2026, 12, 24)),  # Christmas Day (Fri) -> Thu
        (date(2026, 12, 26), date(2026, 12, 24)),  # Boxing Day (Sat) -> Thu
        (date(2026, 12, 28), date(2026, 12, 24)),  # substitute Boxing Day (Mon) -> Thu
        (date(2026, 12, 29), date(2026, 12, 29)),  # Tuesday: working
        (date(2027, 1, 1), date(2026, 12, 31)),  # New Year's Day (Fri) -> Thu
        # Christmas 2027: both holidays fall on the weekend, both substitutes on Mon/Tue
        (date(2027, 12, 27), date(2027, 12, 24)),
        (date(2027, 12, 28), date(2027, 12, 24)),
        (date(2028, 1, 3), date(2027, 12, 31)),  # substitute New Year's Day (Mon) -> Fri
    ],
)
def test_non_working_day_moves_to_the_previous_working_day(
    england: WorkingCalendar, d: date, expected: date
) -> None:
    assert england.previous_working_day(d) == expected


def test_organisation_closure_day_is_not_a_working_day() -> None:
    calendar = WorkingCalendar(extra_closures=(date(2026, 12, 24),))
    assert calendar.holiday_name(date(2026, 12, 24)) == "organisation closure day"
    # Christmas Day (Fri) -> Christmas Eve is closed too -> Wednesday 23 December 2026.
    assert calendar.previous_working_day(date(2026, 12, 25)) == date(2026, 12, 23)


@pytest.mark.parametrize(
    ("d", "england_holiday", "scotland_holiday"),
    [
        (date(2026, 4, 6), True, False),  # Easter Monday: England only
        (date(2026, 8, 3), False, True),  # Summer bank holiday (first Monday of August): Scotland
        (date(2026, 8, 31), True, False),  # Late Summer bank holiday: England
        (date(2026, 1, 2), False, True),  # 2 January: Scotland
    ],
)
def test_bank_holidays_follow_the_subdivision(
    d: date, england_holiday: bool, scotland_holiday: bool
) -> None:
    assert (WorkingCalendar(subdivision="ENG").holiday_name(d) is not None) is england_holiday
    assert (WorkingCalendar(subdivision="SCT").holiday_name(d) is not None) is scotland_holiday


@pytest.mark.parametrize(
    ("d", "reason"),
    [
        (date(2026, 2, 28), "28 February 2026 is a Saturday"),
        (date(2026, 3, 1), "1 March 2026 is a Sunday"),
        (date(2026, 4, 3), "Friday 3 April 2026 is Good Friday"),
        (date(2026, 12, 26), "Saturday 26 December 2026 is Boxing Day"),  # the holiday name wins
        (date(2026, 4, 30), None),
    ],
)
def test_why_not_working_says_weekend_or_holiday_in_words(
    england: WorkingCalendar, d: date, reason: str | None
) -> None:
    assert england.why_not_working(d) == reason


@pytest.mark.parametrize(
    ("d", "reason"),
    [
        (
            date(2026, 4, 5),
            "5 April 2026 is a Sunday, so it is due the working day before, Thursday 2 April 2026",
        ),
        (
            date(2026, 4, 6),
            "Monday 6 April 2026 is Easter Monday, so it is due the working day before, "
            "Thursday 2 April 2026",
        ),
        (date(2026, 4, 30), None),
    ],
)
def test_a_date_off_work_says_in_words_which_working_day_it_moves_to(
    england: WorkingCalendar, d: date, reason: str | None
) -> None:
    assert england.why_moved_back(d) == reason


@pytest.mark.parametrize(
    ("locale", "day", "with_weekday"),
    [
        ("en-GB", "5 January 2026", "Monday 5 January 2026"),
        ("fr-FR", "5 janvier 2026", "lundi 5 janvier 2026"),
    ],
)
def test_rules_write_dates_as_people_read_them(locale: str, day: str, with_weekday: str) -> None:
    assert rule_date(date(2026, 1, 5), locale) == day
    assert rule_day(date(2026, 1, 5), locale) == with_weekday


# --- today() in the organisation's time zone ------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Summer (BST, UTC+1): 23:30 UTC is already tomorrow in London.
        (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), date(2026, 7, 1)),
        (datetime(2026, 6, 30, 22, 30, tzinfo=UTC), date(2026, 6, 30)),
        # Winter (GMT = UTC): 23:30 UTC is still the same day.
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2026, 12, 31)),
        (datetime(2027, 1, 1, 0, 30, tzinfo=UTC), date(2027, 1, 1)),
        # Spring forward, Sun 29 Mar 2026 at 01:00 UTC.
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), date(2026, 3, 28)),  # 23:30 GMT
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), date(2026, 3, 29)),  # 00:30 GMT
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), date(2026, 3, 29)),  # 02:30 BST
        (datetime(2026, 3, 29, 23, 30, tzinfo=UTC), date(2026, 3, 30)),  # 00:30 BST, Monday
        # Fall back, Sun 25 Oct 2026 at 01:00 UTC.
        (datetime(2026, 10, 24, 23, 30, tzinfo=UTC), date(2026, 10, 25)),  # 00:30 BST
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), date(2026, 10, 25)),  # 01:30 BST
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), date(2026, 10, 25)),  # 01:30 GMT
        (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), date(2026, 10, 25)),  # 23:30 GMT
        # Any aware time works, whatever its zone: 20:00 in New York is 01:00 BST next day.
        (datetime(2026, 6, 30, 20, 0, tzinfo=ZoneInfo("America/New_York")), date(2026, 7, 1)),
        (datetime(2026, 7, 1, 0, 30, tzinfo=LONDON), date(2026, 7, 1)),
    ],
)
def test_today_is_the_calendar_date_in_london(
    england: WorkingCalendar, now: datetime, expected: date
) -> None:
    assert england.today(now) == expected


def test_today_uses_the_organisations_zone_not_london() -> None:
    new_york = WorkingCalendar(timezone="America/New_York", country="US", subdivision=None)
    # 02:00 UTC on 1 July is 22:00 on 30 June in New York.
    assert new_york.today(datetime(2026, 7, 1, 2, 0, tzinfo=UTC)) == date(2026, 6, 30)


def test_today_with_a_naive_datetime_raises_value_error(england: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="aware"):
        england.today(datetime(2026, 6, 30, 23, 30))


def test_today_without_argument_is_todays_date_in_london(england: WorkingCalendar) -> None:
    before = datetime.now(tz=LONDON).date()
    today = england.today()
    after = datetime.now(tz=LONDON).date()
    assert today in (before, after)
