"""Supervision schedules: bands by time in the role, the next supervision dated from the
last, and schedules checked where they are written."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from definitions.loader import SAMPLE_ORGANISATION, ProgrammeFileError, load_organisation
from definitions.supervision import SupervisionSchedule, next_supervision

ORGANISATION = load_organisation()
CALENDAR = ORGANISATION.working_calendar()
assert ORGANISATION.supervision is not None
NQSW = ORGANISATION.supervision.schedule_for("nqsw")
MONTHLY = ORGANISATION.supervision.schedule_for("social_worker")
assert NQSW is not None and MONTHLY is not None


def nxt(schedule: SupervisionSchedule, start: date, last: date | None):  # type: ignore[no-untyped-def]
    return next_supervision(
        schedule, role_start=start, last=last, calendar=CALENDAR, role_title="Newly qualified"
    )


def test_a_new_nqsw_is_supervised_weekly_then_fortnightly_then_monthly() -> None:
    start = date(2026, 1, 5)  # a Monday
    first = nxt(NQSW, start, None)
    assert first.due == date(2026, 1, 12)
    assert first.rule == (
        "started as Newly qualified on 5 January 2026; supervision every 1 week for the first "
        "6 weeks in the role, so the first by 12 January 2026"
    )
    # Week 5 is still in the weekly band; from week 6 (16 February) the fortnightly one.
    assert nxt(NQSW, start, date(2026, 2, 9)).due == date(2026, 2, 16)
    assert nxt(NQSW, start, date(2026, 2, 16)).due == date(2026, 3, 2)
    # From six months in the role (5 July): monthly, clamped at a month end.
    late = nxt(NQSW, start, date(2026, 7, 31))
    assert late.due == date(2026, 8, 28)  # 31 August is the summer bank holiday
    assert late.rule == (
        "last supervision on 31 July 2026; supervision every 1 month after that, so the next by "
        "31 August 2026; Monday 31 August 2026 is Late Summer Bank Holiday, so it is due the "
        "working day before, Friday 28 August 2026"
    )


def test_monthly_supervision_keeps_to_the_calendar_month() -> None:
    # 31 January + 1 month is 28 February in 2026 (a Saturday: due Friday 27th), and
    # 29 February in a leap year (2028, a Tuesday).
    assert nxt(MONTHLY, date(2020, 1, 1), date(2026, 1, 31)).due == date(2026, 2, 27)
    assert nxt(MONTHLY, date(2020, 1, 1), date(2028, 1, 31)).due == date(2028, 2, 29)


def test_a_schedule_lists_its_bands_in_order_and_ends_open() -> None:
    with pytest.raises(ValidationError, match="the last band has no `until`"):
        SupervisionSchedule.model_validate(
            {"roles": ["nqsw"], "bands": [{"every": {"weeks": 1}, "until": {"weeks": 6}}]}
        )
    with pytest.raises(ValidationError, match="shortest time in role first"):
        SupervisionSchedule.model_validate(
            {
                "roles": ["nqsw"],
                "bands": [
                    {"every": {"weeks": 2}, "until": {"months": 6}},
                    {"every": {"weeks": 1}, "until": {"weeks": 6}},
                    {"every": {"months": 1}},
                ],
            }
        )


def test_a_schedule_names_roles_and_a_policy_the_organisation_has(tmp_path: Path) -> None:
    folder = tmp_path / "org"
    shutil.copytree(SAMPLE_ORGANISATION, folder)
    path = folder / "supervision.yaml"
    text = path.read_text()
    path.write_text(
        text.replace("[care_worker, para_social_worker", "[care_worker, para_socal_worker")
    )
    with pytest.raises(ProgrammeFileError) as caught:
        load_organisation(folder)
    message = str(caught.value)
    assert "supervision.yaml, line 15, field schedules[1].roles[1]" in message
    assert "para_social_worker" in message
    path.write_text(text.replace("reminder_policy: supervision", "reminder_policy: supervison"))
    with pytest.raises(ProgrammeFileError, match="reminder_policy 'supervison' is not defined"):
        load_organisation(folder)
    path.write_text(text.replace("  - roles: [team_manager", "  - roles: [nqsw, team_manager"))
    with pytest.raises(ProgrammeFileError, match="nqsw appear in two"):
        load_organisation(folder)
