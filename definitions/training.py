"""Training: modules, pathways made of sets, validity rules, credential status, sessions.

Pure: dates in, dates out. The rules are what existing learning systems get wrong most often
(renewals that lose the anniversary, fixed-date expiries that leave a week of validity,
expiries on bank holidays), so each date comes with the rule text that produced it.
"""

from __future__ import annotations

import calendar as _calendar
import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from babel.dates import format_date
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from definitions.calendar import WorkingCalendar, add_months, rule_date
from definitions.errors import Misconfigured
from definitions.language import gettext_for
from definitions.spans import Span
from definitions.spelling import closest

ValidityMode = Literal["from_completion", "from_previous_expiry", "fixed_date"]
CredentialStatus = Literal["current", "due_for_renewal", "in_grace", "expired"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Validity(_Strict):
    """How long a completion counts.

    - from_completion: `months` after the completion date.
    - from_previous_expiry: a renewal completed within `early_renewal_days` before the old
      expiry (or within the grace period after it) runs `months` from the OLD expiry, so
      the anniversary is kept; a renewal earlier than that, or after a lapse, starts again
      from its completion date.
    - fixed_date: expires on the next `fixed_on` (MM-DD) at least `min_active_months` after
      completion, so nobody is certified for a week (a 29 February falls on 28 February in
      other years).
    """

    mode: ValidityMode
    months: int | None = Field(default=None, ge=1, le=240)
    fixed_on: str | None = Field(default=None, pattern=r"^\d{2}-\d{2}$")
    min_active_months: int = Field(default=0, ge=0, le=120)
    early_renewal_days: int = Field(default=90, ge=0, le=366)
    renewal_window_days: int = Field(default=90, ge=0, le=366)
    grace_days: int = Field(default=0, ge=0, le=366)

    @field_validator("fixed_on")
    @classmethod
    def _a_day_of_the_year(cls, value: str | None) -> str | None:
        if value is None:
            return value
        month, day = (int(x) for x in value.split("-"))
        if not 1 <= month <= 12:
            raise PydanticCustomError(
                "with_fix",
                "fixed_on {value} names month {month}, and months run 01 to 12",
                {"value": value, "month": month, "fix": "write the day as MM-DD, e.g. 03-31"},
            )
        last = _calendar.monthrange(2028, month)[1]  # a leap year: 02-29 is a day
        if not 1 <= day <= last:
            raise PydanticCustomError(
                "with_fix",
                "fixed_on {value} is not a day of the year",
                {
                    "value": value,
                    "fix": f"{_calendar.month_name[month]} has at most {last} days; "
                    f"use {month:02d}-{last:02d} for its last day",
                },
            )
        return value

    @model_validator(mode="after")
    def _complete(self) -> Validity:
        if self.mode in ("from_completion", "from_previous_expiry") and self.months is None:
            raise ValueError(f"validity mode {self.mode} needs `months` (how long it lasts)")
        if self.mode == "fixed_date" and self.fixed_on is None:
            raise ValueError("validity mode fixed_date needs `fixed_on` as MM-DD, e.g. 03-31")
        return self


class Module(_Strict):
    key: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    outcomes: tuple[str, ...] = Field(min_length=1, description="core learning outcomes")
    credit: int = Field(default=0, ge=0, le=120, description="credit points")
    validity: Validity | None = None  # None: once done, done for good
    certificate: bool | None = None  # None: as `certificates.modules` says


SetRule = Literal["all_in_order", "any_order", "at_least"]


class ModuleSet(_Strict):
    rule: SetRule
    modules: tuple[str, ...] = Field(min_length=1)
    n: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _n_fits(self) -> ModuleSet:
        if self.rule == "at_least":
            if self.n is None:
                raise ValueError("an at_least set needs `n`, how many of its modules count")
            if self.n > len(self.modules):
                raise ValueError(
                    f"at_least {self.n} of {len(self.modules)} modules can never be met; "
                    f"lower n or add modules"
                )
        elif self.n is not None:
            raise ValueError(f"`n` belongs to at_least sets, not {self.rule}")
        return self


class Pathway(_Strict):
    key: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    level: str
    service: str | None = None  # None: every service
    sets: tuple[ModuleSet, ...] = Field(min_length=1)
    certificate: bool | None = None  # None: as `certificates.pathways` says

    @property
    def modules(self) -> tuple[str, ...]:
        return tuple(m for s in self.sets for m in s.modules)


class Refresher(_Strict):
    """A module everyone in `roles` must keep current."""

    module: str
    roles: tuple[str, ...] = Field(min_length=1)


class RequiredModule(_Strict):
    """A module everyone in `roles` must have done, `within` a span of starting in the role
    (their start date, or the day they moved into it). Never done, it is an item from then,
    reminded and escalated like any other; once done, a refresher keeps it current."""

    module: str
    roles: tuple[str, ...] = Field(min_length=1)
    within: Span = Span(days=30)


class District(_Strict):
    key: str
    x_km: float
    y_km: float


def _error_at(loc: tuple[str | int, ...], message: str, value: str, fix: str) -> ValidationError:
    """A validation error at `loc` inside the model, with the fix the loader shows."""
    error = PydanticCustomError("with_fix", "{message}", {"message": message, "fix": fix})
    return ValidationError.from_exception_data(
        "TrainingProgramme", [InitErrorDetails(type=error, loc=loc, input=value)]
    )


class Certifies(_Strict):
    """Which completions earn a certificate, unless a module or pathway says otherwise with
    its own `certificate: true|false`."""

    modules: bool = True
    pathways: bool = True


class TrainingProgramme(_Strict):
    """training.yaml: the curriculum, pathways, mandatory refreshers and where training is."""

    modules: tuple[Module, ...] = Field(min_length=1)
    pathways: tuple[Pathway, ...] = ()
    refreshers: tuple[Refresher, ...] = ()
    required: tuple[RequiredModule, ...] = ()
    districts: tuple[District, ...] = ()
    reminder_policy: str = "refresher"
    # Who books refresher places and hears, in their digest, of a worker with no session
    # to go to; empty: ladder.yaml's decided_by.policy roles.
    bookings_by: tuple[str, ...] = ()
    # A worker whose credential ran out (in grace, or lapsed) is booked on the nearest
    # session with space within this many days.
    rebook_within_days: int = Field(default=90, ge=1, le=366)
    # The escalation ladder of training never done; None: the refreshers' `reminder_policy`.
    required_reminder_policy: str | None = None
    credit_approvers: tuple[str, ...] = ("workforce_lead",)
    certificates: Certifies = Certifies()

    @field_validator("modules")
    @classmethod
    def _unique(cls, modules: tuple[Module, ...]) -> tuple[Module, ...]:
        keys = [m.key for m in modules]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"module keys must be unique; {', '.join(dupes)} appear twice")
        return modules

    @model_validator(mode="after")
    def _known_modules(self) -> TrainingProgramme:
        """Every module a pathway or refresher names is defined here (reported at the name,
        with the modules that would do), and a refresher's module expires."""
        known = sorted(m.key for m in self.modules)
        named = (
            [
                (("pathways", i, "sets", j, "modules", k), name, f"pathway {p.key}")
                for i, p in enumerate(self.pathways)
                for j, s in enumerate(p.sets)
                for k, name in enumerate(s.modules)
            ]
            + [
                (("refreshers", i, "module"), r.module, "a refresher")
                for i, r in enumerate(self.refreshers)
            ]
            + [
                (("required", i, "module"), r.module, "required training")
                for i, r in enumerate(self.required)
            ]
        )
        for loc, name, who in named:
            if name not in known:
                close = closest(name, known)
                hint = f"did you mean `{close}`? " if close else ""
                raise _error_at(
                    loc,
                    f"{who} names module '{name}', which training.yaml does not define",
                    name,
                    f"{hint}use one of: {', '.join(known)}",
                )
        for i, refresher in enumerate(self.refreshers):
            if self.module(refresher.module).validity is None:
                raise _error_at(
                    ("refreshers", i, "module"),
                    f"refresher module '{refresher.module}' has no validity, so it never "
                    "needs renewing",
                    refresher.module,
                    f"give module {refresher.module} a `validity:`, or remove this refresher",
                )
        return self

    @property
    def required_policy(self) -> str:
        return self.required_reminder_policy or self.reminder_policy

    def module(self, key: str) -> Module:
        for m in self.modules:
            if m.key == key:
                return m
        raise KeyError(f"no module '{key}'; modules: {', '.join(m.key for m in self.modules)}")

    def distance_km(self, a: str, b: str) -> float:
        """Straight-line distance between two districts; unknown districts are far away."""
        if a == b:
            return 0.0
        where = {d.key: d for d in self.districts}
        if a not in where or b not in where:
            return math.inf
        return math.hypot(where[a].x_km - where[b].x_km, where[a].y_km - where[b].y_km)


# --- validity -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expiry:
    expires_on: date  # the last day the credential counts (before any grace)
    rule: str


def _on_fixed_day(year: int, fixed_on: str) -> date:
    month, day = (int(x) for x in fixed_on.split("-"))
    return date(year, month, min(day, _calendar.monthrange(year, month)[1]))


def expiry_for(
    validity: Validity,
    completed_on: date,
    previous_expiry: date | None = None,
    locale: str = "en-GB",
) -> Expiry:
    """When a credential from a completion on `completed_on` stops counting, and why (in the
    organisation's language)."""
    _ = gettext_for(locale)

    def on(d: date) -> str:
        return rule_date(d, locale)

    if validity.mode == "fixed_date":
        assert validity.fixed_on is not None
        earliest = add_months(completed_on, validity.min_active_months)
        day = _on_fixed_day(earliest.year, validity.fixed_on)
        if day < earliest:
            day = _on_fixed_day(earliest.year + 1, validity.fixed_on)
        fixed_on = format_date(day, "d MMMM", locale=locale.replace("-", "_"))
        why = (
            _(
                "completed {completed}, so it expires on {expires}, the first {fixed_on} at least "
                "{span} later"
            )
            if validity.min_active_months
            else _("completed {completed}, so it expires on {expires}, the next {fixed_on}")
        )
        return Expiry(
            day,
            why.format(
                completed=on(completed_on),
                fixed_on=fixed_on,
                span=Span(months=validity.min_active_months or 1).text(locale),
                expires=on(day),
            ),
        )
    assert validity.months is not None
    span = Span(months=validity.months).text(locale)
    if validity.mode == "from_previous_expiry" and previous_expiry is not None:
        opens = previous_expiry - timedelta(days=validity.early_renewal_days)
        closes = previous_expiry + timedelta(days=validity.grace_days)
        if opens <= completed_on <= closes:
            day = add_months(previous_expiry, validity.months)
            late = completed_on > previous_expiry  # in the grace period after it
            kept = (
                _(
                    "renewed {completed}, in the {days} days of grace after the previous expiry "
                    "on {previous}, so it keeps the anniversary and expires {span} after it, on "
                    "{expires}"
                )
                if late
                else _(
                    "renewed {completed}, within {days} days of the previous expiry on "
                    "{previous}, so it keeps the anniversary and expires {span} after it, on "
                    "{expires}"
                )
            )
            return Expiry(
                day,
                kept.format(
                    completed=on(completed_on),
                    days=validity.grace_days if late else validity.early_renewal_days,
                    previous=on(previous_expiry),
                    span=span,
                    expires=on(day),
                ),
            )
        day = add_months(completed_on, validity.months)
        why = (
            _(
                "completed {completed}, too early to keep the anniversary; valid for {span}, so "
                "it expires on {expires}"
            )
            if completed_on < opens
            else _(
                "completed {completed}, after the previous one lapsed; valid for {span}, so it "
                "expires on {expires}"
            )
        )
        return Expiry(day, why.format(completed=on(completed_on), span=span, expires=on(day)))
    day = add_months(completed_on, validity.months)
    return Expiry(
        day,
        _("completed {completed}, valid for {span}, so it expires on {expires}").format(
            completed=on(completed_on), span=span, expires=on(day)
        ),
    )


def credential_status(validity: Validity, expires_on: date, on: date) -> CredentialStatus:
    """current; due_for_renewal (the renewal window is open); in_grace (past expiry, within
    the grace period); expired."""
    if on > expires_on + timedelta(days=validity.grace_days):
        return "expired"
    if on > expires_on:
        return "in_grace"
    if on >= expires_on - timedelta(days=validity.renewal_window_days):
        return "due_for_renewal"
    return "current"


def renewal_opens(validity: Validity, expires_on: date) -> date:
    return expires_on - timedelta(days=validity.renewal_window_days)


def renewal_due(
    calendar: WorkingCalendar, title: str, expires_on: date, expiry_rule: str
) -> tuple[date, str]:
    """A renewal item's due date (the expiry, or the working day before it when the expiry
    is a weekend or bank holiday) and the rule text that explains it."""
    rule = calendar._("{title}: {rule}").format(title=title, rule=expiry_rule)
    return calendar.previous_working_day(expires_on), calendar.clauses(
        rule, calendar.why_moved_back(expires_on)
    )


def require_programme(training: TrainingProgramme | None) -> TrainingProgramme:
    """An organisation's training programme (its `training`); Misconfigured when it has no
    training.yaml."""
    if training is None:
        raise Misconfigured(
            "this organisation runs no training programme (its folder has no training.yaml); "
            "add one (see docs/organisations.md) to record training"
        )
    return training


# --- pathways -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetProgress:
    rule: SetRule
    done: bool
    done_on: date | None
    missing: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class PathwayProgress:
    pathway: str
    sets: tuple[SetProgress, ...]

    @property
    def complete(self) -> bool:
        return all(s.done for s in self.sets)

    @property
    def completed_on(self) -> date | None:
        if not self.complete:
            return None
        return max(s.done_on for s in self.sets if s.done_on is not None)

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.sets if s.done)


def pathway_progress(
    pathway: Pathway, achieved: dict[str, date], credited: frozenset[str] = frozenset()
) -> PathwayProgress:
    """How far a worker is along a pathway, from the date each module was first achieved
    (completion or approved credit). Credited modules satisfy an ordered set in any order:
    credit recognises learning done elsewhere, before or after."""
    sets = []
    for module_set in pathway.sets:
        have = [m for m in module_set.modules if m in achieved]
        missing = tuple(m for m in module_set.modules if m not in achieved)
        if module_set.rule == "at_least":
            n = module_set.n or 0
            dates = sorted(achieved[m] for m in have)
            done = len(dates) >= n
            sets.append(
                SetProgress(
                    "at_least",
                    done,
                    dates[n - 1] if done else None,
                    () if done else missing,
                    f"{len(have)} of at least {n} done",
                )
            )
            continue
        done = not missing
        why = f"{len(have)} of {len(module_set.modules)} done"
        if done and module_set.rule == "all_in_order":
            taken = [m for m in module_set.modules if m not in credited]
            out_of_order = [
                later
                for earlier, later in zip(taken, taken[1:], strict=False)
                if achieved[later] < achieved[earlier]
            ]
            if out_of_order:
                done = False
                why = (
                    f"all done, but {out_of_order[0]} was completed before the module it "
                    "follows; it must be taken again in order"
                )
                missing = (out_of_order[0],)
        done_on = max(achieved[m] for m in module_set.modules) if done else None
        sets.append(SetProgress(module_set.rule, done, done_on, missing, why))
    return PathwayProgress(pathway.key, tuple(sets))


# --- sessions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionOffer:
    id: int
    held_on: date
    district: str
    capacity: int
    booked: int

    @property
    def has_space(self) -> bool:
        return self.booked < self.capacity


@dataclass(frozen=True)
class Placement:
    session_id: int
    status: Literal["booked", "waitlisted"]
    why: str


def choose_session(
    programme: TrainingProgramme,
    sessions: list[SessionOffer],
    *,
    home: str,
    earliest: date,
    latest: date,
) -> Placement | None:
    """A place for a worker between `earliest` and `latest`: their own district first, then
    the nearest district with space (earliest session first within a district); when every
    session is full, the waiting list of the nearest, earliest one. None: no session."""
    fitting = [s for s in sessions if earliest <= s.held_on <= latest]
    if not fitting:
        return None

    def nearness(s: SessionOffer) -> tuple[float, date, int]:
        return (programme.distance_km(home, s.district), s.held_on, s.id)

    with_space = sorted((s for s in fitting if s.has_space), key=nearness)
    if with_space:
        chosen = with_space[0]
        where = (
            "in their own district"
            if chosen.district == home
            else (
                f"nearest district with space ({chosen.district}, "
                f"{programme.distance_km(home, chosen.district):.0f} km)"
            )
        )
        return Placement(chosen.id, "booked", where)
    chosen = sorted(fitting, key=nearness)[0]
    return Placement(chosen.id, "waitlisted", "every session before the expiry is full")
