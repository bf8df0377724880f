"""Supervision schedules: how often each role is supervised, by time in the role, and the
pure function that dates the next supervision from the last one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from definitions.calendar import WorkingCalendar, rule_date
from definitions.people import DECIDERS
from definitions.spans import Span


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SupervisionBand(_Strict):
    """Supervision `every` span while the worker has been in the role for less than
    `until`; the last band has no `until` and runs from then on."""

    every: Span
    until: Span | None = None


class SupervisionSchedule(_Strict):
    roles: tuple[str, ...] = Field(min_length=1)
    bands: tuple[SupervisionBand, ...] = Field(min_length=1)

    @field_validator("bands")
    @classmethod
    def _ordered(cls, bands: tuple[SupervisionBand, ...]) -> tuple[SupervisionBand, ...]:
        *earlier, last = bands
        if last.until is not None:
            raise ValueError(
                "the last band has no `until`: it says how often supervision is from then on "
                "(e.g. `- every: {months: 1}`)"
            )
        untils = [b.until for b in earlier]
        if any(u is None for u in untils):
            raise ValueError("every band but the last needs `until` (time in the role)")
        lengths = [u.approx_days for u in untils if u is not None]
        if lengths != sorted(lengths) or len(set(lengths)) != len(lengths):
            raise ValueError("bands run in order of `until`: the shortest time in role first")
        return bands

    def band_at(self, role_start: date, on: date) -> SupervisionBand:
        """The band for a worker in the role since `role_start`, on `on`."""
        for band in self.bands:
            if band.until is None or on < band.until.after(role_start):
                return band
        return self.bands[-1]


class SupervisionProgramme(_Strict):
    """supervision.yaml: supervision schedules by role and time in the role."""

    title: str = "Supervision"  # what items and mails call a supervision, in the org's words
    reminder_policy: str
    schedules: tuple[SupervisionSchedule, ...] = Field(min_length=1)
    # Who may record a supervision for anyone, beyond the worker's supervisor and manager.
    recorded_by: tuple[str, ...] = DECIDERS

    @field_validator("schedules")
    @classmethod
    def _one_schedule_a_role(
        cls, schedules: tuple[SupervisionSchedule, ...]
    ) -> tuple[SupervisionSchedule, ...]:
        roles = [r for s in schedules for r in s.roles]
        twice = sorted({r for r in roles if roles.count(r) > 1})
        if twice:
            raise ValueError(
                f"a role has one supervision schedule; {', '.join(twice)} appear in two"
            )
        return schedules

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(r for s in self.schedules for r in s.roles)

    def schedule_for(self, role: str) -> SupervisionSchedule | None:
        return next((s for s in self.schedules if role in s.roles), None)


@dataclass(frozen=True)
class NextSupervision:
    due: date
    rule: str


def band_text(
    schedule: SupervisionSchedule, band: SupervisionBand, calendar: WorkingCalendar
) -> str:
    """'every 1 week for the first 6 weeks in the role', 'every 1 month', in the
    organisation's language."""
    _, every = calendar._, band.every.text(calendar.locale)
    if band.until is None:
        if len(schedule.bands) == 1:
            return _("every {span}").format(span=every)
        return _("every {span} after that").format(span=every)
    return _("every {span} for the first {until} in the role").format(
        span=every, until=band.until.text(calendar.locale)
    )


def next_supervision(
    schedule: SupervisionSchedule,
    *,
    role_start: date,
    last: date | None,
    calendar: WorkingCalendar,
    role_title: str,
) -> NextSupervision:
    """When the next supervision is due: the last one (or the start in the role) plus the
    interval of the band the worker is in on that day; a weekend or bank holiday moves it to
    the working day before."""
    locale, _ = calendar.locale, calendar._
    base = max(last, role_start) if last else role_start
    band = schedule.band_at(role_start, base)
    nominal = band.every.after(base)
    how_often = band_text(schedule, band, calendar)
    if last is None or last < role_start:
        rule = _("started as {role} on {start}; supervision {often}, so the first by {date}")
        text = rule.format(
            role=role_title,
            start=rule_date(role_start, locale),
            often=how_often,
            date=rule_date(nominal, locale),
        )
    else:
        rule = _("last supervision on {last}; supervision {often}, so the next by {date}")
        text = rule.format(
            last=rule_date(last, locale), often=how_often, date=rule_date(nominal, locale)
        )
    text = calendar.clauses(text, calendar.why_moved_back(nominal))
    return NextSupervision(calendar.previous_working_day(nominal), text)
