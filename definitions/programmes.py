"""Dated programmes (the ASYE year, an induction, a probation review): milestone rules and
the pure function that dates them for one worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from babel.dates import format_date
from babel.lists import format_list
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
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
from definitions.language import typeset
from definitions.spans import Span

MilestoneKind = Literal["review", "recommendation", "report", "completion", "evidence"]
ResponsibleRole = Literal["assessor", "manager", "supervisor", "worker"]

DEFAULT_OUTCOMES: dict[str, tuple[str, ...]] = {
    "review": ("on_track", "concerns", "not_on_track"),
    "recommendation": ("pass", "fail", "extend"),
    "report": ("submitted",),
    "completion": ("done",),
    "evidence": ("received",),
}
# What a milestone's own `steps` may name: the worker, their manager, the team, the title.
STEP_PLACEHOLDERS = ("name", "manager", "team", "title")
# Where a milestone's date is counted from, when it names no `months`, `at` or `after`.
REFERENCE_START = date(2001, 1, 31)  # a month end, so clamped months are counted too


class Closes(BaseModel):
    """What completes a `completion` milestone by itself: a module or a pathway done."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    module: str | None = None
    pathway: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Closes:
        if (self.module is None) == (self.pathway is None):
            raise ValueError("`closes_with` names exactly one of module or pathway")
        return self


class MilestoneRule(BaseModel):
    """One dated step of a programme: when it falls due, who answers for it, what closes it.

    Its date is `at` a span from the start (`months: N` is short for `at: {months: N}`), or
    `after` a span from the milestone before it in the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    kind: MilestoneKind
    months: int | None = Field(default=None, ge=1, le=36)
    at: Span | None = None
    after: Span | None = None
    responsible: ResponsibleRole = "assessor"
    outcomes: tuple[str, ...] = ()
    # A completion milestone closes by itself when this module or pathway is done.
    closes_with: Closes | None = None
    # The organisation's own words for what each reader should do, instead of Ladder's:
    # {worker: [...], manager: [...]}; {name} is the worker's name, {manager} their
    # manager's, {team} the team that writes, {title} the milestone's title.
    steps: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # The escalation ladder for this milestone, when it differs from the programme's.
    reminder_policy: str | None = None

    @model_validator(mode="after")
    def _defaults(self) -> MilestoneRule:
        given = [n for n in ("months", "at", "after") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(
                f"milestone {self.key} needs exactly one of `months`, `at` (a span from the "
                "start, e.g. {weeks: 12}) or `after` (a span from the milestone before it)"
                + (f"; it has {' and '.join(given)}" if given else "")
            )
        if (self.kind == "completion") != (self.closes_with is not None):
            raise ValueError(
                f"milestone {self.key}: a completion milestone names what completes it "
                "(closes_with: {module: ...} or {pathway: ...}), and only a completion does"
            )
        for role, lines in self.steps.items():
            for line in lines:
                try:
                    line.format(**dict.fromkeys(STEP_PLACEHOLDERS, ""))
                except (KeyError, IndexError, ValueError) as exc:
                    raise ValueError(
                        f"milestone {self.key}: the {role} step {line!r} cannot be filled in "
                        f"({exc}); use only {', '.join('{' + p + '}' for p in STEP_PLACEHOLDERS)}"
                    ) from None
        if not self.outcomes:
            object.__setattr__(self, "outcomes", DEFAULT_OUTCOMES[self.kind])
        return self

    @property
    def from_previous(self) -> bool:
        return self.after is not None

    @property
    def span(self) -> Span:
        span = self.after or self.at
        if span is None:
            assert self.months is not None, "validated to hold one"
            return Span(months=self.months)
        return span


class Programme(BaseModel):
    """A dated programme for the roles it names: the ASYE year (asye.yaml), an induction or
    a probation review (programmes.yaml). Its milestones become items on each eligible
    worker's start; leave pauses it; a recommendation's "extend" re-dates what follows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(default="asye", pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    # How a sentence names it: "your {name}" (default: the title).
    name: str | None = None
    eligible_roles: tuple[str, ...] = Field(min_length=1)
    # Only workers who started on or after this day are enrolled (None: everyone in the
    # roles, as for an ASYE year). An induction set up today leaves long-serving staff out.
    starters_from: date | None = None
    length_months: int | None = Field(default=None, ge=1, le=36)
    length: Span | None = None
    reminder_policy: str
    milestones: tuple[MilestoneRule, ...] = Field(min_length=1)
    certificate: bool = True  # a certificate when the ASYE year is passed
    # An "extend" recommendation moves the recommendation and what follows by this many
    # months, unless the recorder gives another number.
    extension_months: int = Field(default=3, ge=1, le=12)
    # Roles that may record its steps for anyone (default: ladder.yaml's decided_by.asye).
    recorded_by: tuple[str, ...] | None = None

    @field_validator("milestones")
    @classmethod
    def _unique_keys(cls, rules: tuple[MilestoneRule, ...]) -> tuple[MilestoneRule, ...]:
        keys = [r.key for r in rules]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"milestone keys must be unique; {', '.join(dupes)} appear twice")
        if rules and rules[0].from_previous:
            raise ValueError(
                f"the first milestone, {rules[0].key}, has no milestone before it to come "
                "`after`; give it `at` (a span from the start)"
            )
        return rules

    @model_validator(mode="after")
    def _within_length(self) -> Programme:
        if self.length_months is not None and self.length is not None:
            raise ValueError("give the programme's `length` or `length_months`, not both")
        if self.length_months is None and self.length is None:
            object.__setattr__(self, "length_months", 12)
        length = self.programme_length
        end = length.after(REFERENCE_START)
        offsets = _nominal_dates(REFERENCE_START, self.milestones)
        late = [(i, r) for i, r in enumerate(self.milestones) if offsets[r.key] > end]
        if not late:
            return self
        index, first = late[0]
        keys = ", ".join(r.key for _, r in late)
        field = "months" if first.months is not None else ("after" if first.after else "at")
        error = PydanticCustomError(
            "milestone_after_programme",
            "milestones {keys} fall after the programme's length of {length}; "
            "bring them earlier or lengthen the programme",
            {"keys": keys, "length": length.text()},
        )
        raise ValidationError.from_exception_data(
            type(self).__name__,
            [InitErrorDetails(type=error, loc=("milestones", index, field), input=first.months)],
        )

    @property
    def programme_length(self) -> Span:
        return self.length or Span(months=self.length_months or 12)

    @property
    def called(self) -> str:
        """How a sentence names the programme."""
        return self.name or self.title

    def milestone(self, key: str) -> MilestoneRule:
        for rule in self.milestones:
            if rule.key == key:
                return rule
        known = ", ".join(r.key for r in self.milestones)
        raise KeyError(f"no {self.called} milestone '{key}'; the programme has: {known}")

    def policy_for(self, key: str) -> str:
        """The reminder policy (escalation ladder) of a milestone."""
        return self.milestone(key).reminder_policy or self.reminder_policy

    @property
    def extended_from(self) -> int:
        """The index of the first milestone an extension moves: the first recommendation
        (the last milestone when there is none); it and everything after it move."""
        for i, rule in enumerate(self.milestones):
            if rule.kind == "recommendation":
                return i
        return len(self.milestones) - 1

    @property
    def obligation_kinds(self) -> tuple[str, ...]:
        return tuple(sorted({f"{self.key}.{rule.kind}" for rule in self.milestones}))

    @property
    def completions(self) -> tuple[MilestoneRule, ...]:
        return tuple(r for r in self.milestones if r.closes_with is not None)


def _nominal_dates(
    start: date, rules: tuple[MilestoneRule, ...], extended_months: int = 0, extended_from: int = 0
) -> dict[str, date]:
    """Each milestone's date before leave and working days: `at` from the start (calendar
    months counted whole from it), `after` from the milestone before it; an extension adds
    its months from the `extended_from`th milestone on (one `after` another moves with it)."""
    found: dict[str, date] = {}
    previous = start
    for i, rule in enumerate(rules):
        extended = extended_months if i >= extended_from else 0
        if rule.from_previous:
            nominal = rule.span.after(previous)
        elif rule.span.unit == "months":
            nominal = add_months(start, rule.span.count + extended)
        else:
            nominal = add_months(rule.span.after(start), extended)
        found[rule.key] = nominal
        previous = nominal
    return found


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


def date_milestones(
    start: date,
    programme: Programme,
    calendar: WorkingCalendar,
    leave: list[Leave] | tuple[Leave, ...] = (),
    extended_months: int = 0,
) -> list[Milestone]:
    """Date every milestone of `programme` for a worker who started on `start`.

    A milestone is `start` + its span (calendar months clamp to the month end), or, where
    the programme says `after`, the milestone before it + its span. Leave that begins on or
    before the (already pushed) date pauses the programme and pushes it back by the days
    of leave. A date on a weekend or bank holiday moves to the previous working day.
    """
    periods = [p for p in merge_leave(leave) if p.end >= start]
    _, locale = calendar._, calendar.locale
    milestones = []
    previous: tuple[MilestoneRule, date] | None = None
    nominals = _nominal_dates(start, programme.milestones, extended_months, programme.extended_from)
    for index, rule in enumerate(programme.milestones):
        extended = extended_months if index >= programme.extended_from else 0
        span = rule.span
        nominal = nominals[rule.key]
        if previous is not None and rule.from_previous:
            before, base = previous
            reasons = [
                _("{span} after the {title} on {base} is {date}").format(
                    title=before.title,
                    base=rule_date(base, locale),
                    span=span.text(locale),
                    date=rule_date(nominal, locale),
                )
            ]
        elif span.unit == "months":
            months = span.count + extended
            reasons = [
                (
                    _("{months} calendar month after the start on {start} is {date}")
                    if months == 1
                    else _("{months} calendar months after the start on {start} is {date}")
                ).format(
                    start=rule_date(start, locale), months=months, date=rule_date(nominal, locale)
                )
            ]
            if is_month_end_clamped(start, months):
                month = format_date(nominal, "MMMM", locale=locale.replace("-", "_"))
                clamped = _(", the last day of {month}, which has only {days} days")
                reasons[-1] += typeset(clamped.format(month=month, days=nominal.day), locale)
            if extended:
                reasons[-1] += _(" (extended by {span})").format(
                    span=Span(months=extended).text(locale)
                )
        else:
            spans = [span.text(locale)] + ([Span(months=extended).text(locale)] if extended else [])
            reasons = [
                _("{span} after the start on {start} is {date}").format(
                    start=rule_date(start, locale),
                    span=format_list(spans, locale=locale.replace("-", "_")),
                    date=rule_date(nominal, locale),
                )
            ]
            if extended:
                reasons[-1] += _(" (extended by {span})").format(
                    span=Span(months=extended).text(locale)
                )
        previous = (rule, nominal)
        pushed = nominal
        for period in periods:
            if period.start <= pushed:
                paused = Leave(max(period.start, start), period.end)
                pushed += timedelta(days=paused.days)
                leave_rule = (
                    _("{n} day of leave on {start} moves it to {date}")
                    if paused.days == 1
                    else _("{n} days of leave from {start} to {end} move it to {date}")
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
        moved_back = calendar.why_moved_back(pushed)
        if moved_back:
            reasons.append(moved_back)
        due = _after_leave(due, periods, calendar, reasons)
        milestones.append(
            Milestone(
                rule.key,
                rule.title,
                rule.kind,
                rule.responsible,
                nominal,
                due,
                calendar.clauses(*reasons),
            )
        )
    return sorted(milestones, key=lambda m: m.nominal)


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
        said = (
            calendar._(
                "{day} is a day of leave, so it is due the first working day after it, {due}"
            )
            if period.start == period.end
            else calendar._(
                "{day} is during leave from {start} to {end}, so it is due the first working day "
                "after it, {due}"
            )
        )
        reasons.append(
            said.format(
                day=rule_day(landed, calendar.locale),
                start=rule_date(period.start, calendar.locale),
                end=rule_date(period.end, calendar.locale),
                due=rule_day(due, calendar.locale),
            )
        )
    return due


def require_asye(asye: Programme | None) -> Programme:
    """An organisation's ASYE programme (its `asye`); Misconfigured when it has no asye.yaml."""
    if asye is None:
        raise Misconfigured(
            "this organisation runs no ASYE year (its folder has no asye.yaml); add one "
            "(see docs/organisations.md) to enrol newly qualified workers"
        )
    return asye
