"""Spans of calendar time: one unit each, calendar months clamped to the month end."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from definitions.spans import Span


@pytest.mark.parametrize(
    ("span", "start", "expected"),
    [
        (Span(days=30), date(2026, 1, 31), date(2026, 3, 2)),
        (Span(weeks=6), date(2026, 3, 2), date(2026, 4, 13)),
        (Span(months=1), date(2026, 1, 31), date(2026, 2, 28)),  # no 31 February
        (Span(months=1), date(2028, 1, 31), date(2028, 2, 29)),  # a leap year
        (Span(years=1), date(2028, 2, 29), date(2029, 2, 28)),
        (Span(years=3), date(2025, 11, 30), date(2028, 11, 30)),
    ],
)
def test_a_span_after_a_date_is_a_calendar_date(span: Span, start: date, expected: date) -> None:
    assert span.after(start) == expected


def test_a_span_names_exactly_one_unit() -> None:
    with pytest.raises(ValidationError, match="exactly one of days, weeks, months or years"):
        Span(days=3, weeks=1)
    with pytest.raises(ValidationError, match="exactly one"):
        Span()


def test_a_span_reads_in_the_organisations_language() -> None:
    assert Span(days=1).text() == "1 day"
    assert Span(weeks=6).text() == "6 weeks"
    assert Span(months=3).text("fr-CD") == "3 mois"
    assert Span(years=2).text("fr") == "2 ans"
