"""Sweep windows: what a sweep on a given date covers, so a missed day is caught up once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from definitions.clock import DateWindow, sweep_window


@pytest.mark.parametrize(
    ("last_swept", "as_of", "max_days", "start", "end", "days"),
    [
        # first run ever: as_of only
        (None, date(2026, 4, 16), 31, date(2026, 4, 16), date(2026, 4, 16), 1),
        # daily run: one day
        (date(2026, 4, 15), date(2026, 4, 16), 31, date(2026, 4, 16), date(2026, 4, 16), 1),
        # a skipped day: two days
        (date(2026, 4, 14), date(2026, 4, 16), 31, date(2026, 4, 15), date(2026, 4, 16), 2),
        # ten days down: the ten days
        (date(2026, 4, 6), date(2026, 4, 16), 31, date(2026, 4, 7), date(2026, 4, 16), 10),
        # 30 days missed: under the cap
        (date(2026, 3, 17), date(2026, 4, 16), 31, date(2026, 3, 18), date(2026, 4, 16), 30),
        # 31 days missed: the cap
        (date(2026, 3, 16), date(2026, 4, 16), 31, date(2026, 3, 17), date(2026, 4, 16), 31),
        # 32 days missed: capped at 31
        (date(2026, 3, 15), date(2026, 4, 16), 31, date(2026, 3, 17), date(2026, 4, 16), 31),
        # months down: capped at 31
        (date(2026, 1, 1), date(2026, 4, 16), 31, date(2026, 3, 17), date(2026, 4, 16), 31),
        # a cap of 1 day: as_of only
        (date(2026, 4, 10), date(2026, 4, 16), 1, date(2026, 4, 16), date(2026, 4, 16), 1),
        # over the spring clock change
        (date(2026, 3, 28), date(2026, 3, 30), 31, date(2026, 3, 29), date(2026, 3, 30), 2),
        # over the year end
        (date(2026, 12, 30), date(2027, 1, 2), 31, date(2026, 12, 31), date(2027, 1, 2), 3),
        # over 29 Feb 2028
        (date(2028, 2, 27), date(2028, 3, 1), 31, date(2028, 2, 28), date(2028, 3, 1), 3),
    ],
)
def test_sweep_covers_every_day_since_the_last_sweep_up_to_the_cap(
    last_swept: date | None,
    as_of: date,
    max_days: int,
    start: date,
    end: date,
    days: int,
) -> None:
    window = sweep_window(last_swept, as_of, max_catch_up_days=max_days)
    assert (window.start, window.end) == (start, end)
    assert window.days() == days
    assert not window.is_empty


@pytest.mark.parametrize(
    "last_swept",
    [date(2026, 4, 16), date(2026, 4, 20)],
    ids=["swept today already", "swept up to a later date"],
)
def test_already_swept_window_is_empty(last_swept: date) -> None:
    window = sweep_window(last_swept, date(2026, 4, 16), max_catch_up_days=31)
    assert window.is_empty
    assert window.days() == 0
    assert date(2026, 4, 16) not in window


@pytest.mark.parametrize(
    ("window", "d", "inside"),
    [
        (DateWindow(date(2026, 4, 15), date(2026, 4, 16)), date(2026, 4, 15), True),  # first
        (DateWindow(date(2026, 4, 15), date(2026, 4, 16)), date(2026, 4, 16), True),  # last
        (DateWindow(date(2026, 4, 15), date(2026, 4, 16)), date(2026, 4, 14), False),
        (DateWindow(date(2026, 4, 15), date(2026, 4, 16)), date(2026, 4, 17), False),
        (DateWindow(date(2026, 4, 15), date(2026, 4, 16)), "2026-04-15", False),  # not a date
        (DateWindow(date(2026, 4, 17), date(2026, 4, 16)), date(2026, 4, 16), False),  # empty
        # a datetime counts by its own calendar date, and never raises
        (DateWindow(date(2026, 4, 15), date(2026, 4, 16)), datetime(2026, 4, 16, 23, 59), True),
        (DateWindow(date(2026, 4, 15), date(2026, 4, 16)), datetime(2026, 4, 17, 0, 0), False),
        (
            DateWindow(date(2026, 4, 15), date(2026, 4, 16)),
            datetime(2026, 4, 15, 9, 30, tzinfo=UTC),
            True,
        ),
    ],
)
def test_window_holds_its_first_and_last_day(window: DateWindow, d: object, inside: bool) -> None:
    assert (d in window) is inside


@pytest.mark.parametrize(
    ("window", "text"),
    [
        (DateWindow(date(2026, 4, 16), date(2026, 4, 16)), "2026-04-16"),
        (DateWindow(date(2026, 4, 15), date(2026, 4, 16)), "2026-04-15..2026-04-16"),
        (
            DateWindow(date(2026, 4, 17), date(2026, 4, 16)),
            "nothing new (already swept up to 2026-04-16)",
        ),
    ],
)
def test_window_reads_as_dates(window: DateWindow, text: str) -> None:
    assert str(window) == text


@pytest.mark.parametrize(
    ("last_swept", "as_of", "left_out"),
    [
        (None, date(2026, 4, 16), 0),  # the first sweep: nothing was ever due
        (date(2026, 4, 15), date(2026, 4, 16), 0),
        (date(2026, 3, 16), date(2026, 4, 16), 0),  # 31 days: all caught up
        (date(2026, 3, 15), date(2026, 4, 16), 1),  # 32 days: 16 March left out
        (date(2024, 1, 31), date(2024, 3, 31), 29),  # over a leap February
    ],
)
def test_the_days_a_capped_catch_up_leaves_out(
    last_swept: date | None, as_of: date, left_out: int
) -> None:
    from definitions.clock import skipped_by_cap

    window = sweep_window(last_swept, as_of, max_catch_up_days=31)
    skipped = skipped_by_cap(last_swept, window)
    assert skipped.days() == left_out
    if left_out:
        assert skipped.start == last_swept + timedelta(days=1)
        assert skipped.end + timedelta(days=1) == window.start
