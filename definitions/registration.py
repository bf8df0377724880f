"""Registration and CPD: a regulator's renewal cycle, the CPD it asks for, and the pure
functions that place a date in its cycle and measure a worker's records against the rule."""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from definitions.calendar import WorkingCalendar, rule_date
from definitions.people import DECIDERS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _day_of_year(value: str) -> str:
    month, day = (int(x) for x in value.split("-"))
    if not 1 <= month <= 12 or not 1 <= day <= _calendar.monthrange(2028, month)[1]:
        raise ValueError(f"{value} is not a day of the year; write it as MM-DD, e.g. 11-30")
    return value


def on_day(year: int, mm_dd: str) -> date:
    """MM-DD in `year` (29 February is the 28th in other years)."""
    month, day = (int(x) for x in mm_dd.split("-"))
    return date(year, month, min(day, _calendar.monthrange(year, month)[1]))


class Cycle(_Strict):
    """A renewal every `years` years, closing on `ends_on` (MM-DD) of the cycle's last year;
    the renewal window opens on `window_opens` before it. A cycle of more than a year names a
    year one cycle ends in (`first_ends`), so every worker's cycles line up."""

    years: int = Field(default=1, ge=1, le=5)
    ends_on: str = Field(pattern=r"^\d{2}-\d{2}$")
    window_opens: str = Field(pattern=r"^\d{2}-\d{2}$")
    first_ends: int | None = Field(default=None, ge=2000, le=2100)

    @field_validator("ends_on", "window_opens")
    @classmethod
    def _a_day(cls, value: str) -> str:
        return _day_of_year(value)

    @model_validator(mode="after")
    def _anchored(self) -> Cycle:
        if self.years > 1 and self.first_ends is None:
            raise ValueError(
                f"a {self.years}-year cycle needs `first_ends`: a year one cycle ends in, "
                "e.g. first_ends: 2027"
            )
        return self

    def end_for(self, on: date) -> date:
        """The last day of the cycle that `on` falls in."""
        year = on.year if on <= on_day(on.year, self.ends_on) else on.year + 1
        anchor = self.first_ends if self.first_ends is not None else year
        while (year - anchor) % self.years:
            year += 1
        return on_day(year, self.ends_on)

    def start_for(self, end: date) -> date:
        previous = on_day(end.year - self.years, self.ends_on)
        return previous + timedelta(days=1)

    def opens_for(self, end: date) -> date:
        """When the renewal window of the cycle ending on `end` opens (before `end`)."""
        opens = on_day(end.year, self.window_opens)
        return opens if opens <= end else on_day(end.year - 1, self.window_opens)


class CpdRule(_Strict):
    """What a cycle's CPD must hold: a number of records, some with peer reflection, and
    hours (0: not counted)."""

    min_records: int = Field(default=0, ge=0, le=100)
    min_peer_reflection: int = Field(default=0, ge=0, le=100)
    min_hours: float = Field(default=0, ge=0, le=1000)

    @model_validator(mode="after")
    def _something(self) -> CpdRule:
        if not (self.min_records or self.min_peer_reflection or self.min_hours):
            raise ValueError(
                "the CPD rule asks for nothing; give min_records, min_peer_reflection or min_hours"
            )
        if self.min_peer_reflection > max(self.min_records, self.min_peer_reflection):
            raise ValueError("min_peer_reflection cannot be more than min_records")
        return self


class RegistrationProgramme(_Strict):
    """registration.yaml: the regulator, who must register with it, its cycle and CPD rule."""

    regulator: str
    title: str = "CPD for registration renewal"
    roles: tuple[str, ...] = Field(min_length=1)
    reminder_policy: str
    cycle: Cycle
    cpd: CpdRule
    # Who may record CPD for anyone, beyond the worker and their manager.
    recorded_by: tuple[str, ...] = DECIDERS


@dataclass(frozen=True)
class CpdProgress:
    """A worker's CPD in one cycle, against the rule."""

    cycle_start: date
    cycle_end: date
    records: int
    peer_reflection: int
    minutes: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)

    def met(self, rule: CpdRule) -> bool:
        return (
            self.records >= rule.min_records
            and self.peer_reflection >= rule.min_peer_reflection
            and self.hours >= rule.min_hours
        )

    def shortfall(self, rule: CpdRule, _: Callable[[str], str]) -> list[str]:
        """What is still missing, in the organisation's language (`_`)."""
        missing = []
        if self.records < rule.min_records:
            missing.append(_("{n} more CPD record(s)").format(n=rule.min_records - self.records))
        if self.peer_reflection < rule.min_peer_reflection:
            missing.append(
                _("{n} more with peer reflection").format(
                    n=rule.min_peer_reflection - self.peer_reflection
                )
            )
        if self.hours < rule.min_hours:
            missing.append(_("{n} more hours").format(n=round(rule.min_hours - self.hours, 2)))
        return missing


def cpd_due(
    programme: RegistrationProgramme, cycle_end: date, calendar: WorkingCalendar
) -> tuple[date, str]:
    """When a cycle's CPD must be in (the window's close, or the working day before) and the
    rule that says so, in the organisation's language."""
    _, locale = calendar._, calendar.locale
    rule = programme.cpd
    asks = []
    if rule.min_records:
        asks.append(_("at least {n} CPD record(s)").format(n=rule.min_records))
    if rule.min_peer_reflection:
        asks.append(_("{n} with peer reflection").format(n=rule.min_peer_reflection))
    if rule.min_hours:
        asks.append(_("{n} hours").format(n=rule.min_hours))
    start = programme.cycle.start_for(cycle_end)
    text = _(
        "{regulator} renewal: {asks} in the cycle from {start} to {end}; the renewal window "
        "opens on {opens} and closes on {end}"
    ).format(
        regulator=programme.regulator,
        asks=", ".join(asks),
        start=rule_date(start, locale),
        end=rule_date(cycle_end, locale),
        opens=rule_date(programme.cycle.opens_for(cycle_end), locale),
    )
    text = calendar.clauses(text, calendar.why_moved_back(cycle_end))
    return calendar.previous_working_day(cycle_end), text
