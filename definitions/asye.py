"""The ASYE year: milestone rules and the pure function that dates them for one NQSW."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from babel.dates import format_date
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from definitions.calendar import (
    WorkingCalendar,
    add_months,
    is_month_end_clamped,
    rule_date,
    rule_day,
)
from definitions.errors import Misconfigured

MilestoneKind = Literal["review", "recommendation", "report"]
ResponsibleRole = Literal["assessor", "manager", "worker"]

DEFAULT_OUTCOMES: dict[str, tuple[str, ...]] = {
    "review": ("on_track", "concerns", "not_on_track"),
    "recommendation": ("pass", "fail", "extend"),
    "report": ("submitted",),
}


class AsyeMilestoneRule(BaseModel):
    """A milestone counted in calendar months from the NQSW's start date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    kind: MilestoneKind
    months: int = Field(ge=1, le=36)
    responsible: ResponsibleRole = "assessor"
    outcomes: tuple[str, ...] = ()
    # The escalation ladder for this milestone, when it differs from the programme's.
    reminder_policy: str | None = None

    @model_validator(mode="after")
    def _default_outcomes(self) -> AsyeMilestoneRule:
        if not self.outcomes:
            object.__setattr__(self, "outcomes", DEFAULT_OUTCOMES[self.kind])
        return self


class AsyeProgramme(BaseModel):
    """An employer's ASYE scheme (local policy: review points differ between employers)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    eligible_roles: tuple[str, ...] = Field(min_length=1)
    length_months: int = Field(default=12, ge=1, le=36)
    reminder_policy: str
    milestones: tuple[AsyeMilestoneRule, ...] = Field(min_length=1)
    certificate: bool = True  # a certificate when the year is passed
    # An "extend" recommendation moves the recommendation and what follows by this many
    # months, unless the recorder gives another number.
    extension_months: int = Field(default=3, ge=1, le=12)

    @field_validator("milestones")
    @classmethod
    def _unique_keys(cls, rules: tuple[AsyeMilestoneRule, ...]) -> tuple[AsyeMilestoneRule, ...]:
        keys = [r.key for r in rules]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"milestone keys must be unique; {', '.join(dupes)} appear twice")
        return rules

    @field_validator("milestones")
    @classmethod
    def _within_year(
        cls, rules: tuple[AsyeMilestoneRule, ...], info: ValidationInfo
    ) -> tuple[AsyeMilestoneRule, ...]:
        # A field validator (length_months is validated first) so the error's location is
        # the first late milestone's `months`, which the loader turns into a file line.
        length = info.data.get("length_months")
        if length is None:  # length_months itself was invalid and is reported on its own
            return rules
        late = [(i, r) for i, r in enumerate(rules) if r.months > length]
        if not late:
            return rules
        index, first = late[0]
        keys = ", ".join(r.key for _, r in late)
        error = PydanticCustomError(
            "milestone_after_programme",
            "milestones {keys} fall after the {length}-month year; "
            "lower their `months` or raise `length_months`",
            {"keys": keys, "length": length},
        )
        raise ValidationError.from_exception_data(
            cls.__name__,
            [InitErrorDetails(type=error, loc=(index, "months"), input=first.months)],
        )

    def milestone(self, key: str) -> AsyeMilestoneRule:
        for rule in self.milestones:
            if rule.key == key:
                return rule
        known = ", ".join(r.key for r in self.milestones)
        raise KeyError(f"no ASYE milestone '{key}'; the programme has: {known}")

    def policy_for(self, key: str) -> str:
        """The reminder policy (escalation ladder) of a milestone."""
        return self.milestone(key).reminder_policy or self.reminder_policy

    @property
    def extended_from(self) -> int:
        """Milestones at or after this many months move when the year is extended: the
        final recommendation and everything after it."""
        decisive = [r.months for r in self.milestones if r.kind == "recommendation"]
        return min(decisive) if decisive else max(r.months for r in self.milestones)

    @property
    def obligation_kinds(self) -> tuple[str, ...]:
        return tuple(sorted({f"asye.{rule.kind}" for rule in self.milestones}))


@dataclass(frozen=True)
class Leave:
    """A recorded absence (both dates included) that pauses the ASYE year."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"leave ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Milestone:
    """A dated milestone with the reasoning that produced its date."""

    key: str
    title: str
    kind: MilestoneKind
    responsible: ResponsibleRole
    nominal: date
    due: date
    rule: str


def merge_leave(leave: list[Leave] | tuple[Leave, ...]) -> list[Leave]:
    """Overlapping or touching periods merged, so no day of absence counts twice."""
    merged: list[Leave] = []
    for period in sorted(leave, key=lambda p: p.start):
        if merged and period.start <= merged[-1].end + timedelta(days=1):
            last = merged[-1]
            merged[-1] = Leave(last.start, max(last.end, period.end))
        else:
            merged.append(period)
    return merged


def asye_milestones(
    start: date,
    programme: AsyeProgramme,
    calendar: WorkingCalendar,
    leave: list[Leave] | tuple[Leave, ...] = (),
    extended_months: int = 0,
) -> list[Milestone]:
    """Date every milestone of `programme` for an NQSW who started on `start`.

    Each milestone is `start` + N calendar months (clamped to the month end), counted from
    the original start, never from the previous milestone. Leave that begins on or before
    the (already pushed) date pauses the year and pushes it back by the days of leave. A
    date on a weekend or bank holiday moves to the previous working day.
    """
    periods = [p for p in merge_leave(leave) if p.end >= start]
    _, locale = calendar._, calendar.locale
    milestones = []
    for rule in sorted(programme.milestones, key=lambda r: r.months):
        months = rule.months
        if extended_months and rule.months >= programme.extended_from:
            months += extended_months
        nominal = add_months(start, months)
        reasons = [
            _("start {start} + {months} calendar months = {date}").format(
                start=rule_date(start, locale), months=months, date=rule_date(nominal, locale)
            )
        ]
        if months != rule.months:
            reasons[-1] += _(" (extended by {n} months)").format(n=extended_months)
        if is_month_end_clamped(start, months):
            month = format_date(nominal, "MMMM", locale=locale.replace("-", "_"))
            reasons[-1] += _(" (no day {day} in {month}: month end)").format(
                day=start.day, month=month
            )
        pushed = nominal
        for period in periods:
            if period.start <= pushed:
                paused = Leave(max(period.start, start), period.end)
                pushed += timedelta(days=paused.days)
                leave_rule = (
                    _("+ {n} day of leave {start}..{end} = {date}")
                    if paused.days == 1
                    else _("+ {n} days of leave {start}..{end} = {date}")
                )
                reasons.append(
                    leave_rule.format(
                        n=paused.days,
                        start=rule_date(paused.start, locale),
                        end=rule_date(paused.end, locale),
                        date=rule_date(pushed, locale),
                    )
                )
        due = calendar.previous_working_day(pushed)
        if due != pushed:
            reasons.append(
                _("{why}, so due the previous working day, {day}").format(
                    why=calendar.why_not_working(pushed), day=rule_day(due, locale)
                )
            )
        due = _after_leave(due, periods, calendar, reasons)
        milestones.append(
            Milestone(
                rule.key, rule.title, rule.kind, rule.responsible, nominal, due, "; ".join(reasons)
            )
        )
    return milestones


def _after_leave(
    due: date, periods: list[Leave], calendar: WorkingCalendar, reasons: list[str]
) -> date:
    """`due`, or the first working day after the leave it falls in, noting why in `reasons`.

    Moving back to the previous working day can land on a day the worker is away; the
    milestone then waits for their return rather than falling due in their absence.
    """
    while (period := next((p for p in periods if p.start <= due <= p.end), None)) is not None:
        landed = due
        due = period.end + timedelta(days=1)
        while not calendar.is_working_day(due):
            due += timedelta(days=1)
        reasons.append(
            calendar._(
                "{day} falls in leave {start}..{end}, so due the first working day after it, {due}"
            ).format(
                day=rule_day(landed, calendar.locale),
                start=rule_date(period.start, calendar.locale),
                end=rule_date(period.end, calendar.locale),
                due=rule_day(due, calendar.locale),
            )
        )
    return due


def require_asye(asye: AsyeProgramme | None) -> AsyeProgramme:
    """An organisation's ASYE programme (its `asye`); Misconfigured when it has no asye.yaml."""
    if asye is None:
        raise Misconfigured(
            "this organisation runs no ASYE year (its folder has no asye.yaml); add one "
            "(see docs/organisations.md) to enrol newly qualified workers"
        )
    return asye
