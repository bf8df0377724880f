"""Registration cycles and CPD rules: a yearly window (Social Work England) and a regulator
with a three-year cycle counted in hours, each placed on the calendar and checked."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from definitions.language import gettext_for
from definitions.loader import SAMPLE_ORGANISATION, ProgrammeFileError, load_organisation
from definitions.registration import CpdProgress, CpdRule, Cycle, cpd_due

ORGANISATION = load_organisation()
assert ORGANISATION.registration is not None
SWE = ORGANISATION.registration
_ = gettext_for("en-GB")


def test_a_yearly_cycle_runs_december_to_november_with_its_window_in_the_autumn() -> None:
    cycle = SWE.cycle
    assert cycle.end_for(date(2026, 1, 1)) == date(2026, 11, 30)
    assert cycle.end_for(date(2026, 11, 30)) == date(2026, 11, 30)
    assert cycle.end_for(date(2026, 12, 1)) == date(2027, 11, 30)
    assert cycle.start_for(date(2026, 11, 30)) == date(2025, 12, 1)
    assert cycle.opens_for(date(2026, 11, 30)) == date(2026, 9, 1)


def test_the_rule_and_due_date_read_in_words_and_move_off_a_weekend() -> None:
    calendar = ORGANISATION.working_calendar()
    due, rule = cpd_due(SWE, date(2025, 11, 30), calendar)  # a Sunday
    assert due == date(2025, 11, 28)
    assert rule == (
        "Social Work England renewal: at least 2 CPD record(s), 1 with peer reflection in the "
        "cycle from 1 December 2024 to 30 November 2025; the renewal window opens on "
        "1 September 2025 and closes on 30 November 2025; 30 November 2025 is a Sunday, so it "
        "is due the working day before, Friday 28 November 2025"
    )


def test_a_three_year_cycle_counted_in_hours_fits_the_same_rules() -> None:
    # A regulator renewing every three years on 31 March (cycles ending 2027, 2030, ...),
    # with 35 hours of CPD; its window opens on 1 January of the last year.
    cycle = Cycle(years=3, ends_on="03-31", window_opens="01-01", first_ends=2027)
    assert cycle.end_for(date(2026, 6, 1)) == date(2027, 3, 31)
    assert cycle.end_for(date(2027, 4, 1)) == date(2030, 3, 31)
    assert cycle.start_for(date(2030, 3, 31)) == date(2027, 4, 1)
    assert cycle.opens_for(date(2027, 3, 31)) == date(2027, 1, 1)
    rule = CpdRule(min_hours=35)
    short = CpdProgress(date(2024, 4, 1), date(2027, 3, 31), 6, 0, 30 * 60)
    assert not short.met(rule) and short.shortfall(rule, _) == ["5.0 more hours"]
    assert CpdProgress(date(2024, 4, 1), date(2027, 3, 31), 1, 0, 35 * 60).met(rule)
    # A cycle ending on 29 February ends on the 28th in other years.
    leap = Cycle(years=1, ends_on="02-29", window_opens="01-01")
    assert leap.end_for(date(2026, 1, 10)) == date(2026, 2, 28)
    assert leap.end_for(date(2028, 2, 29)) == date(2028, 2, 29)


def test_a_cycle_and_rule_are_checked_where_they_are_written(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="needs `first_ends`"):
        Cycle(years=3, ends_on="03-31", window_opens="01-01")
    with pytest.raises(ValidationError, match="13-01 is not a day of the year"):
        Cycle(ends_on="13-01", window_opens="09-01")
    with pytest.raises(ValidationError, match="asks for nothing"):
        CpdRule()
    folder = tmp_path / "org"
    shutil.copytree(SAMPLE_ORGANISATION, folder)
    path = folder / "registration.yaml"
    path.write_text(path.read_text().replace("social_worker, senior", "social_wroker, senior"))
    with pytest.raises(ProgrammeFileError) as caught:
        load_organisation(folder)
    assert "registration.yaml, line 8, field roles[1]" in str(caught.value)
    assert "social_worker" in str(caught.value)
