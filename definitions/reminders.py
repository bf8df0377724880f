"""Reminder policies: dated steps before and after a due date, to people by role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from definitions.calendar import WorkingCalendar
from definitions.clock import DateWindow

# The people a step reaches through the item: the worker it is about, and the assessor,
# supervisor and manager the roster links to them. Routing must say how each hears.
RELATIONS: tuple[str, ...] = ("worker", "assessor", "supervisor", "manager")
# A step may also go to `responsible`: whoever the item names as responsible for it (the
# worker for their own evidence, the team manager for theirs, an action's owner), or to a
# role of ladder.yaml (everyone holding it, e.g. workforce_lead or training_lead).
RESPONSIBLE = "responsible"
RoleKey = Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=32)]
Mode = Literal["direct", "digest"]


class ReminderStep(BaseModel):
    """One step: `offset_days` before (negative) or after (positive) the due date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[a-z0-9_]+$")
    offset_days: int = Field(ge=-365, le=365)
    to: tuple[RoleKey, ...] = Field(min_length=1)
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
    roles: tuple[str, ...]


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


def _everyone_direct() -> dict[str, dict[str, Mode]]:
    direct: Mode = "direct"
    return {"default": dict.fromkeys(RELATIONS, direct)}


class Delivery(BaseModel):
    """How people hear: per role and obligation kind, one mail per item (direct) or one digest
    a day; and a cap on direct mails to one person a day, the rest folded into the digest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    daily_cap: int = Field(default=3, ge=0, le=100)
    digest_lookahead_days: int = Field(default=14, ge=0, le=365)
    routing: dict[str, dict[RoleKey, Mode]] = Field(default_factory=_everyone_direct)

    @field_validator("routing")
    @classmethod
    def _has_default(cls, routing: dict[str, dict[str, Mode]]) -> dict[str, Any]:
        default = routing.get("default")
        if default is None:
            raise ValueError(
                "routing needs a `default:` entry naming direct or digest for each role"
            )
        missing = [r for r in RELATIONS if r not in default]
        if missing:
            raise ValueError(
                f"routing.default must name {', '.join(RELATIONS)}; add {', '.join(missing)} "
                "(direct or digest)"
            )
        return routing

    def mode(self, kind: str, role: str) -> Mode:
        """Direct or digest for a role hearing about an obligation of `kind` (e.g. asye.report).
        A role of ladder.yaml that routing does not name gets the day's digest."""
        for table in (self.routing.get(kind, {}), self.routing["default"]):
            for named, mode in table.items():
                if named == role:
                    return mode
        return "digest"


@dataclass(frozen=True)
class Notice:
    """One thing one person is to be told today: a step of an item's reminder policy."""

    id: int
    recipient_id: int
    obligation_id: int
    due: date
    mode: Mode
    escalation: bool


def fold_for_cap(
    notices: list[Notice], *, cap: int, already_direct: int = 0
) -> tuple[list[Notice], list[Notice]]:
    """Split one recipient's notices for a day into (direct mails, digest lines).

    Digest-routed notices always go to the digest. Of the direct ones, the most urgent (the
    earliest due; escalations first on the same date) go direct while the day's cap allows,
    counting mails already sent to this person today; the rest are folded into the digest, so
    hundreds of items due together still make at most `cap` + 1 mails.
    """
    direct = sorted(
        (n for n in notices if n.mode == "direct"),
        key=lambda n: (n.due, not n.escalation, n.obligation_id, n.id),
    )
    sent = direct[: max(cap - already_direct, 0)]
    chosen = {n.id for n in sent}
    folded = [n for n in notices if n.id not in chosen]
    return sent, sorted(folded, key=lambda n: (n.due, n.obligation_id, n.id))


CATCH_UP = "catch_up"


def catch_up_step(
    due: date,
    policy: ReminderPolicy,
    window: DateWindow,
    as_of: date,
    calendar: WorkingCalendar | None = None,
) -> ScheduledStep | None:
    """The one catch-up notice for an item Ladder first meets already overdue (at go-live,
    in a late import, after an outage longer than the catch-up cap), or None.

    Its steps before `window` can no longer be sent. When none of its steps falls in the
    window either, the people of the furthest step it has reached (an escalation's, when it
    got that far) get one catch-up notice now; later steps then go out on their own days.
    """
    if due >= as_of or window.is_empty:
        return None
    schedule = reminder_schedule(due, policy, calendar)
    if any(s.send_on in window for s in schedule):
        return None  # the sweep tells them today, by the ladder itself
    passed = [s for s in schedule if s.send_on < window.start]
    if not passed:
        return None
    reached = passed[-1]
    step = ReminderStep(
        key=CATCH_UP, offset_days=reached.step.offset_days, to=reached.step.to, escalation=True
    )
    return ScheduledStep(step, as_of, reached.roles)
