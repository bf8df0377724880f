"""Spans of calendar time as organisations write them: 30 days, 6 weeks, 3 months, 1 year.

One model for every "within", "every" and "until" in the YAML (required training, supervision
schedules, registration cycles), so each is written, checked and explained the same way."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from definitions.calendar import add_months
from definitions.language import translations

Unit = Literal["days", "weeks", "months", "years"]


class Span(BaseModel):
    """Exactly one of days, weeks, months or years: e.g. `{weeks: 6}`. Months and years are
    calendar months, clamped to the month end (31 January + 1 month = 28 or 29 February)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: int | None = Field(default=None, ge=1, le=3660)
    weeks: int | None = Field(default=None, ge=1, le=520)
    months: int | None = Field(default=None, ge=1, le=120)
    years: int | None = Field(default=None, ge=1, le=10)

    @model_validator(mode="after")
    def _one_unit(self) -> Span:
        given = [u for u in ("days", "weeks", "months", "years") if getattr(self, u) is not None]
        if len(given) != 1:
            raise ValueError(
                "a span names exactly one of days, weeks, months or years, e.g. {weeks: 6}"
                + (f"; this one names {' and '.join(given)}" if given else "")
            )
        return self

    @property
    def unit(self) -> Unit:
        for unit in ("days", "weeks", "months", "years"):
            if getattr(self, unit) is not None:
                return unit
        raise AssertionError("validated to hold one unit")

    @property
    def count(self) -> int:
        value = getattr(self, self.unit)
        assert isinstance(value, int)
        return value

    def after(self, start: date) -> date:
        """`start` plus this span."""
        if self.unit == "days":
            return start + timedelta(days=self.count)
        if self.unit == "weeks":
            return start + timedelta(weeks=self.count)
        return add_months(start, self.count * (12 if self.unit == "years" else 1))

    def text(self, locale: str = "en-GB") -> str:
        """'30 days', '1 week', '6 months': the span in the organisation's language."""
        ngettext = translations(locale).ngettext
        n = self.count
        phrase = {
            "days": ngettext("%(n)s day", "%(n)s days", n),
            "weeks": ngettext("%(n)s week", "%(n)s weeks", n),
            "months": ngettext("%(n)s month", "%(n)s months", n),
            "years": ngettext("%(n)s year", "%(n)s years", n),
        }[self.unit]
        return phrase % {"n": n}

    @property
    def approx_days(self) -> float:
        """Roughly how many days: to order spans ("until 6 weeks" before "until 6 months")."""
        return self.count * {"days": 1, "weeks": 7, "months": 30.44, "years": 365.25}[self.unit]
