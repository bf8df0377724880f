"""Meeting times are wall-clock times in the organisation's zone, across clock changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from definitions.meetings import MeetingTimeError, MeetingView, ends_at, local_meeting_time

LONDON = "Europe/London"


@pytest.mark.parametrize(
    ("text", "utc", "label"),
    [
        # GMT in winter, BST in summer: 10:00 on the wall either side of a clock change.
        (
            "2026-03-27 10:00",
            datetime(2026, 3, 27, 10, 0, tzinfo=UTC),
            "Friday 27 March 2026 at 10:00 (GMT)",
        ),
        (
            "2026-03-30 10:00",
            datetime(2026, 3, 30, 9, 0, tzinfo=UTC),
            "Monday 30 March 2026 at 10:00 (BST)",
        ),
        (
            "2026-10-23T10:00",
            datetime(2026, 10, 23, 9, 0, tzinfo=UTC),
            "Friday 23 October 2026 at 10:00 (BST)",
        ),
        (
            "2026-10-26 10:00",
            datetime(2026, 10, 26, 10, 0, tzinfo=UTC),
            "Monday 26 October 2026 at 10:00 (GMT)",
        ),
        (
            "2028-02-29 09:30",
            datetime(2028, 2, 29, 9, 30, tzinfo=UTC),
            "Tuesday 29 February 2028 at 09:30 (GMT)",
        ),
    ],
)
def test_a_local_time_is_the_time_on_the_wall(text: str, utc: datetime, label: str) -> None:
    starts = local_meeting_time(text, LONDON)
    assert starts.astimezone(UTC) == utc
    assert MeetingView(starts, 60, "Room 2").label == label


def test_a_time_the_clocks_skip_is_refused() -> None:
    with pytest.raises(MeetingTimeError, match=r"does not exist \(the clocks go forward\)"):
        local_meeting_time("2026-03-29 01:30", LONDON)


def test_a_time_the_clocks_repeat_is_refused() -> None:
    with pytest.raises(MeetingTimeError, match=r"happens twice \(the clocks go back\)"):
        local_meeting_time("2026-10-25 01:30", LONDON)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("next tuesday", "is not a date and time; write it as YYYY-MM-DD HH:MM"),
        ("2026-02-30 10:00", "is not a date and time"),
        ("2026-05-01 10:00+01:00", "carries an offset"),
    ],
)
def test_a_time_that_is_not_one_is_refused_with_the_format(text: str, message: str) -> None:
    with pytest.raises(MeetingTimeError, match=message):
        local_meeting_time(text, LONDON)


def test_the_meeting_end_is_a_real_duration_over_a_clock_change() -> None:
    starts = local_meeting_time("2026-10-25 00:30", LONDON)
    # An hour and a half after 00:30 BST is 01:00 GMT, after the clocks went back (adding
    # the minutes on the wall clock would say 02:00, a meeting an hour too long).
    ends = ends_at(starts, 90)
    assert ends.astimezone(UTC) == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert (ends.hour, ends.minute, ends.tzname()) == (1, 0, "GMT")
    spring = ends_at(local_meeting_time("2026-03-29 00:30", LONDON), 60)
    assert (spring.hour, spring.minute, spring.tzname()) == (2, 30, "BST")


@pytest.mark.parametrize(
    ("naive", "zone", "fix"),
    [
        (datetime(2026, 3, 29, 1, 30), LONDON, "choose a time before 01:00, or from 02:00"),
        (datetime(2026, 3, 8, 2, 30), "America/New_York", "before 02:00, or from 03:00"),
        (datetime(2026, 10, 4, 2, 15), "Australia/Lord_Howe", "before 02:00, or from 02:30"),
        (datetime(2026, 10, 25, 1, 59), LONDON, "before 01:00, or from 02:00"),
    ],
)
def test_the_fix_names_the_real_times_around_the_zones_own_clock_change(
    naive: datetime, zone: str, fix: str
) -> None:
    from definitions.meetings import clock_change_problem

    problem = clock_change_problem(naive, zone)
    assert problem is not None and problem.endswith(fix)
    assert clock_change_problem(naive.replace(hour=12), zone) is None
