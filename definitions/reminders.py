"""Reminder policies: dated steps before and after a due date, to people by role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from definitions.calendar import WorkingCalendar
from definitions.clock import DateWindow

RecipientRole = Literal["worker", "assessor", "manager", "workforce_lead"]


class ReminderStep(BaseModel):
    """One step: `offset_days` before (negative) or after (positive) the due date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[a-z0-9_]+$")
    offset_days: int = Field(ge=-365, le=365)
    to: tuple[RecipientRole, ...] = Field(min_length=1)
    escalation: bool = False


class ReminderPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    steps: tuple[ReminderStep, ...] = Field(min_length=1)

    @field_validator("steps")
    @classmethod
    def _unique_keys(cls, steps: tuple[ReminderStep, ...]) -> tuple[ReminderStep, ...]:
        keys = [s.key for s in steps]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"step keys must be unique; {', '.join(dupes)} appear twice")
        return steps

    @property
    def earliest_offset(self) -> int:
        return min(s.offset_days for s in self.steps)

    @property
    def latest_offset(self) -> int:
        return max(s.offset_days for s in self.steps)


@dataclass(frozen=True)
class ScheduledStep:
    """A policy step placed on the calendar for one obligation."""

    step: ReminderStep
    send_on: date
    roles: tuple[RecipientRole, ...]


def send_date(due: date, step: ReminderStep, calendar: WorkingCalendar | None) -> date:
    """The day a step goes out: due + offset, moved off weekends and bank holidays.

    A reminder before the due date moves earlier, so people still have the time it promised;
    an escalation after it moves later, so nobody is chased before the day is really over.
    """
    day = due + timedelta(days=step.offset_days)
    if calendar is None or calendar.is_working_day(day):
        return day
    if step.offset_days < 0:
        return calendar.previous_working_day(day)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def reminder_schedule(
    due: date, policy: ReminderPolicy, calendar: WorkingCalendar | None = None
) -> list[ScheduledStep]:
    """Every step of `policy` for an item due on `due`, in date order (with a calendar, on
    working days only)."""
    steps = sorted(policy.steps, key=lambda s: s.offset_days)
    return [ScheduledStep(s, send_date(due, s, calendar), s.to) for s in steps]


def steps_due(
    due: date,
    policy: ReminderPolicy,
    window: DateWindow,
    calendar: WorkingCalendar | None = None,
) -> list[ScheduledStep]:
    """The steps a sweep over `window` sends, at most one per recipient role.

    When a catch-up window holds two steps for the same person (say 14 and 3 days before),
    only the later, more urgent one goes out: a day missed is caught up once, not replayed.
    """
    if window.is_empty:
        return []
    claimed: set[str] = set()
    chosen: list[ScheduledStep] = []
    for scheduled in reversed(reminder_schedule(due, policy, calendar)):
        if scheduled.send_on not in window:
            continue
        roles = tuple(r for r in scheduled.roles if r not in claimed)
        if roles:
            claimed.update(roles)
            chosen.append(ScheduledStep(scheduled.step, scheduled.send_on, roles))
    return list(reversed(chosen))
