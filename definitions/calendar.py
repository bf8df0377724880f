"""Working calendar: calendar-month arithmetic, bank holidays and working-day rules."""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays as _holidays
from babel.dates import format_date

from definitions.language import gettext_for


def add_months(start: date, months: int) -> date:
    """Add calendar months, clamping to the month's last day (31 Jan + 1 month = 28/29 Feb).

    Always count from the original start: chaining clamped results drifts
    (31 Jan -> 30 Apr -> 30 Jul instead of 31 Jul).
    """
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    last_day = _calendar.monthrange(year, month)[1]
    return date(year, month, min(start.day, last_day))


def is_month_end_clamped(start: date, months: int) -> bool:
    """True when `add_months` had to clamp the day (the target month is shorter)."""
    return add_months(start, months).day != start.day


def human_date(d: date, locale: str = "en-GB") -> str:
    """A date as people read it in mail, PDFs and pages, in the organisation's language:
    'Thursday 30 April 2026' in English (the GOV.UK style, no comma), CLDR's full date in
    any other language ('jeudi 30 avril 2026')."""
    if locale.lower().startswith("en"):
        return f"{d:%A} {d.day} {d:%B %Y}"
    tag = locale.replace("-", "_")
    if d.day == 1 and tag.split("_")[0] == "fr":  # French writes the first of the month 1er
        return format_date(d, "EEEE '1er' MMMM y", locale=tag)
    return format_date(d, "full", locale=tag)


def rule_date(d: date, locale: str = "en-GB") -> str:
    """A date inside a "why this date" rule, as a reader says it: '5 January 2026' in
    English (the GOV.UK style), CLDR's long date in any other language ('1 mars 2026')."""
    if locale.lower().startswith("en"):
        return f"{d.day} {d:%B %Y}"
    return format_date(d, "long", locale=locale.replace("-", "_"))


def rule_day(d: date, locale: str = "en-GB") -> str:
    """A date with its weekday inside a rule, as in mail: 'Friday 27 February 2026',
    'vendredi 27 février 2026'."""
    return human_date(d, locale)


def holiday_language(country: str, locale: str) -> str | None:
    """The language the holidays package names `country`'s holidays in for `locale`: the
    exact tag, else the same language, else its default (None)."""
    supported = getattr(_holidays.country_holidays(country), "supported_languages", ()) or ()
    wanted = locale.replace("-", "_")
    if wanted in supported:
        return wanted
    language = wanted.split("_")[0]
    return next((s for s in supported if s.split("_")[0] == language), None)


@dataclass(frozen=True)
class WorkingCalendar:
    """An organisation's working days: weekends, public holidays of its region, own closures."""

    timezone: str = "Europe/London"
    country: str = "GB"
    subdivision: str | None = "ENG"
    extra_closures: tuple[date, ...] = field(default_factory=tuple)
    locale: str = "en-GB"  # the language of holiday names and "why this date" phrases

    @cached_property
    def _holidays(self) -> _holidays.HolidayBase:
        # Years are filled lazily by the holidays package as dates are looked up.
        return _holidays.country_holidays(
            self.country,
            subdiv=self.subdivision,
            language=holiday_language(self.country, self.locale),
        )

    @cached_property
    def _(self) -> Callable[[str], str]:
        return gettext_for(self.locale)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def today(self, now: datetime | None = None) -> date:
        """Today's calendar date in the organisation's time zone (not the server's)."""
        moment = now if now is not None else datetime.now(tz=self.zone)
        if moment.tzinfo is None:
            raise ValueError("today() needs an aware datetime; naive times are ambiguous")
        return moment.astimezone(self.zone).date()

    def holiday_name(self, d: date) -> str | None:
        if d in self.extra_closures:
            return self._("organisation closure day")
        name = self._holidays.get(d)
        return str(name) if name else None

    def is_working_day(self, d: date) -> bool:
        return d.weekday() < 5 and self.holiday_name(d) is None

    def previous_working_day(self, d: date) -> date:
        """`d` itself when it is a working day, else the nearest working day before it."""
        while not self.is_working_day(d):
            d -= timedelta(days=1)
        return d

    def longest_closure(self, start: date, end: date) -> int:
        """The longest run of consecutive non-working days between start and end (inclusive):
        how far a date in that span can move to reach a working day."""
        longest = run = 0
        day = start
        while day <= end:
            run = 0 if self.is_working_day(day) else run + 1
            longest = max(longest, run)
            day += timedelta(days=1)
        return longest

    def why_not_working(self, d: date) -> str | None:
        """Why `d` is not a working day, in words, or None when it is one."""
        if d in self.extra_closures:
            return self._("{day} is an organisation closure day").format(
                day=rule_day(d, self.locale)
            )
        name = self.holiday_name(d)
        if name:
            return self._("{day} is {holiday}").format(day=rule_day(d, self.locale), holiday=name)
        if d.weekday() >= 5:
            weekday = format_date(d, "EEEE", locale=self.locale.replace("-", "_"))
            return self._("{date} is a {weekday}").format(
                date=rule_date(d, self.locale), weekday=weekday
            )
        return None

    def why_moved_back(self, d: date) -> str | None:
        """Why something on `d` is due earlier, in words ('28 February 2026 is a Saturday, so
        it is due the working day before, Friday 27 February 2026'), or None on a working day."""
        why = self.why_not_working(d)
        if why is None:
            return None
        return self._("{why}, so it is due the working day before, {day}").format(
            why=why, day=rule_day(self.previous_working_day(d), self.locale)
        )

    def clauses(self, *parts: str | None) -> str:
        """The clauses of a rule as one sentence, joined as the language joins them
        ('; ' in English, ' ; ' in French); None parts are left out."""
        return self._("; ").join(p for p in parts if p)
