"""Progression panels: the route, the calendar, the evidence pack and the decision.

Pure: the rules a panel runs by (deadlines, what a complete pack holds, what a decision
must say), with no database and no Prefect. The tasks apply them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from babel.dates import format_date
from babel.lists import format_list
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from definitions.calendar import WorkingCalendar, human_date

Provider = Literal["worker", "manager"]
Check = Literal["document", "observations", "capabilities", "pathway"]
Outcome = Literal["progress", "defer"]


class CandidacyStatus(StrEnum):
    """Where a candidacy is on its way to a decision (the database keeps these strings)."""

    NOMINATED = "nominated"
    SUBMITTED = "submitted"
    ROLLED_OVER = "rolled_over"
    PROGRESSED = "progressed"
    DEFERRED = "deferred"


# A candidacy still on its way to a decision, and one the panel has decided.
ACTIVE: tuple[CandidacyStatus, ...] = (CandidacyStatus.NOMINATED, CandidacyStatus.SUBMITTED)
DECIDED: tuple[CandidacyStatus, ...] = (CandidacyStatus.PROGRESSED, CandidacyStatus.DEFERRED)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Capability(_Strict):
    key: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str


class EvidenceItem(_Strict):
    """One item of the evidence pack.

    - document: a stored file with its author and date;
    - observations: a document that records at least `min_observations` direct
      observations, each with its date;
    - capabilities: a document that covers every capability of the framework;
    - pathway: no file; satisfied when the candidate has completed their service's training
      pathway (read from their training record).
    """

    key: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    provided_by: Provider
    check: Check = "document"
    min_observations: int = Field(default=3, ge=1, le=20)


FileType = Literal["pdf", "docx", "odt", "txt", "png", "jpg"]
FILE_TYPES: dict[str, FileType] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".odt": "odt",
    ".txt": "txt",
    ".png": "png",
    ".jpg": "jpg",
    ".jpeg": "jpg",
}
# How each type's content begins (docx and odt are zip archives); txt is checked as text.
FILE_SIGNATURES: dict[FileType, bytes] = {
    "pdf": b"%PDF-",
    "docx": b"PK\x03\x04",
    "odt": b"PK\x03\x04",
    "png": b"\x89PNG\r\n\x1a\n",
    "jpg": b"\xff\xd8\xff",
}
FILE_TYPE_NAMES: dict[FileType, str] = {
    "pdf": "PDF",
    "docx": "Word (.docx)",
    "odt": "OpenDocument text (.odt)",
    "txt": "plain text",
    "png": "PNG image",
    "jpg": "JPEG image",
}


class EvidenceFiles(_Strict):
    """What a stored evidence document may be: its types (by name and by content) and size."""

    types: tuple[FileType, ...] = ("pdf", "docx", "odt", "txt", "png", "jpg")
    max_megabytes: float = Field(default=25, gt=0, le=200)

    @property
    def max_bytes(self) -> int:
        return int(self.max_megabytes * 1024 * 1024)


def evidence_file_problem(
    name: str, size: int, head: bytes, rules: EvidenceFiles
) -> tuple[str, FileType | None]:
    """('', the file's type) when a document called `name`, of `size` bytes and starting
    with `head`, may be stored; else (what is wrong and how to fix it, None)."""
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    kind = FILE_TYPES.get(suffix)
    allowed = ", ".join(f".{t}" for t in rules.types)
    if kind is None or kind not in rules.types:
        shown = f"a {suffix} file" if suffix else "a file with no type in its name"
        return f"{name}: {shown} is not taken as evidence; panels.yaml allows {allowed}", None
    if size == 0:
        return f"{name} is empty; give the document itself", None
    if size > rules.max_bytes:
        return (
            f"{name} is {size / 1024 / 1024:.1f} MB, over the {rules.max_megabytes:g} MB "
            "limit (panels.yaml evidence_files.max_megabytes); send a smaller copy",
            None,
        )
    if kind == "txt":
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            readable = exc.start >= len(head) - 3  # a character cut at the end of `head`
        else:
            readable = True
        if b"\x00" in head or not readable:
            return f"{name} does not read as plain text; save it as UTF-8 text or a PDF", None
        return "", kind
    if not head.startswith(FILE_SIGNATURES[kind]):
        return (
            f"{name} is named as a {FILE_TYPE_NAMES[kind]} file but its content is not one; "
            f"save it as {FILE_TYPE_NAMES[kind]} (or give it the name of what it is)",
            None,
        )
    return "", kind


class PanelMember(_Strict):
    role: str  # a roster role: every active worker with it sits on the panel
    title: str
    chair: bool = False


class PanelMeeting(_Strict):
    meets_on: date  # (not `on`: YAML 1.1 reads a bare `on` key as true)
    at: str = Field(default="10:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    where: str = Field(min_length=1)


class PanelPolicies(_Strict):
    """The reminder policies (reminders.yaml) for each kind of item the route creates."""

    evidence: str = "panel_evidence"
    preparation: str = "panel_preparation"
    action: str = "panel_action"
    signature: str = "panel_signature"


class PanelProgramme(_Strict):
    """One progression route (e.g. social worker to senior social worker) and its panel."""

    title: str
    from_levels: tuple[str, ...] = Field(min_length=1)
    to_level: str
    submission_days_before: int = Field(default=14, ge=1, le=90)
    preparation_days_before_deadline: int = Field(default=10, ge=0, le=90)
    pack_days_before: int = Field(default=7, ge=1, le=60)
    meeting_minutes: int = Field(default=180, ge=15, le=600)  # for the calendar invites
    signature_days: int = Field(default=14, ge=1, le=90)
    members: tuple[PanelMember, ...] = Field(min_length=1)
    capabilities: tuple[Capability, ...] = Field(min_length=1)
    evidence_pack: tuple[EvidenceItem, ...] = Field(min_length=1)
    certificate: bool = True  # a certificate for the progression the panel decides
    evidence_files: EvidenceFiles = EvidenceFiles()
    meetings: tuple[PanelMeeting, ...] = ()
    reminder_policies: PanelPolicies = PanelPolicies()

    @field_validator("evidence_pack")
    @classmethod
    def _unique_items(cls, items: tuple[EvidenceItem, ...]) -> tuple[EvidenceItem, ...]:
        keys = [i.key for i in items]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"evidence item keys must be unique; {', '.join(dupes)} twice")
        return items

    @field_validator("members")
    @classmethod
    def _one_chair(cls, members: tuple[PanelMember, ...]) -> tuple[PanelMember, ...]:
        if sum(m.chair for m in members) != 1:
            raise ValueError("exactly one member needs `chair: true`")
        return members

    @model_validator(mode="after")
    def _meetings_unique(self) -> PanelProgramme:
        days = [m.meets_on for m in self.meetings]
        dupes = sorted({d for d in days if days.count(d) > 1})
        if dupes:
            raise ValueError(f"two meetings on {dupes[0]}; a panel meets once a day")
        return self

    def item(self, key: str) -> EvidenceItem:
        for item in self.evidence_pack:
            if item.key == key:
                return item
        known = ", ".join(i.key for i in self.evidence_pack)
        raise KeyError(f"'{key}' is not an item of the evidence pack; use one of: {known}")

    @property
    def capability_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.capabilities)

    @property
    def member_roles(self) -> tuple[str, ...]:
        return tuple(m.role for m in self.members)

    @property
    def chair_role(self) -> str:
        return next(m.role for m in self.members if m.chair)


# --- dates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatedRule:
    on: date
    rule: str


def submission_deadline(meets_on: date, days_before: int, calendar: WorkingCalendar) -> DatedRule:
    """The evidence deadline: `days_before` the meeting, or the working day before that when
    it falls on a weekend, bank holiday or closure day (a Monday 20 April 2026 panel: 6 April
    is Easter Monday and 3 April Good Friday, so the deadline is Thursday 2 April)."""
    _ = calendar._
    nominal = meets_on - timedelta(days=days_before)
    rule = _("{days} days before the panel on {date}").format(
        days=days_before, date=human_date(meets_on, calendar.locale)
    )
    if calendar.is_working_day(nominal):
        return DatedRule(nominal, rule)
    moved = calendar.previous_working_day(nominal)
    tag = calendar.locale.replace("-", "_")
    closed: dict[str, None] = {}  # each closed day named once, oldest first
    day = moved + timedelta(days=1)
    while day <= nominal:
        closed[calendar.holiday_name(day) or format_date(day, "EEEE", locale=tag)] = None
        day += timedelta(days=1)
    said = (
        _(
            "{rule} is {day}; {closed} is not a working day, so the deadline is the working day "
            "before, {deadline}"
        )
        if nominal - moved == timedelta(days=1)
        else _(
            "{rule} is {day}; {closed} are not working days, so the deadline is the working day "
            "before them, {deadline}"
        )
    )
    return DatedRule(
        moved,
        said.format(
            rule=rule,
            day=human_date(nominal, calendar.locale),
            closed=format_list(list(closed), locale=tag),
            deadline=human_date(moved, calendar.locale),
        ),
    )


def pack_day(meets_on: date, days_before: int, calendar: WorkingCalendar) -> date:
    """When members get the panel pack: `days_before` the meeting, on a working day."""
    return calendar.previous_working_day(meets_on - timedelta(days=days_before))


def preparation_day(deadline: date, days_before: int, calendar: WorkingCalendar) -> DatedRule:
    day = calendar.previous_working_day(deadline - timedelta(days=days_before))
    return DatedRule(
        day,
        calendar._(
            "the line manager gives one day of preparation time, by {days} days before the "
            "submission deadline ({date})"
        ).format(days=days_before, date=human_date(deadline, calendar.locale)),
    )


# --- nomination -----------------------------------------------------------------------------


def nomination_refusal(
    worker: str, *, status: str, role: str, programme: PanelProgramme
) -> str | None:
    """Why this worker cannot be put forward for the route at all (None when they can)."""
    if status == "left":
        return f"{worker} has left the organisation"
    if role not in programme.from_levels:
        return (
            f"{worker} is a {role}; the {programme.title} is for {', '.join(programme.from_levels)}"
        )
    return None


def nomination_closed(*, panel_status: str, deadline: date, today: date) -> bool:
    """Whether a panel takes no more nominations: locked, or its deadline has passed."""
    return panel_status != "scheduled" or today > deadline


def resubmission_refusal(
    worker: str,
    *,
    previous: str | None,
    previous_panel: date | None,
    open_actions: Sequence[str] = (),
) -> str | None:
    """Why the last candidacy stops a new one: progressed already, or a deferral whose
    action plan still has open items (their titles). None when a new one may start."""
    if previous == CandidacyStatus.PROGRESSED:
        return f"{worker} already progressed at the panel on {previous_panel}"
    if previous == CandidacyStatus.DEFERRED and open_actions:
        return (
            f"{worker}'s action plan from the panel on {previous_panel} has "
            f"{len(open_actions)} open item(s) ({'; '.join(open_actions)}); "
            "resubmit when every item is done"
        )
    return None


# --- evidence checks ------------------------------------------------------------------------


def evidence_problems(
    item: EvidenceItem,
    programme: PanelProgramme,
    *,
    dated: date,
    observations: tuple[date, ...] = (),
    capabilities: tuple[str, ...] = (),
) -> list[str]:
    """Why this evidence does not satisfy its item (empty when it does)."""
    problems = []
    if item.check == "observations":
        distinct = sorted(set(observations))
        later = [d for d in distinct if d > dated]
        if later:
            problems.append(
                f"observation on {later[0]} is after the report's date {dated}; a report "
                "can only refer to observations already made"
            )
        if len(distinct) < item.min_observations:
            problems.append(
                f"the {item.title} records {len(distinct)} direct observation(s); at least "
                f"{item.min_observations} are needed (give each date: --observation, or "
                "observations in the form)"
            )
    if item.check == "capabilities":
        known = programme.capability_keys
        unknown = [c for c in capabilities if c not in known]
        if unknown:
            problems.append(
                f"'{unknown[0]}' is not a capability of the framework; use: {', '.join(known)}"
            )
        missing = [c for c in known if c not in capabilities]
        if missing:
            problems.append(
                f"the {item.title} must cover each capability; missing: {', '.join(missing)}"
            )
    return problems


# --- the decision and after ---------------------------------------------------------------


class ActionItem(BaseModel):
    """One item of a deferral action plan: what, who does it, and by when."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=200, description="What is to be done")
    owner: Provider = Field(description="Who does it: the worker or their team manager")
    due: date = Field(description="The day it is due")


# PanelDecision is the parameter of the `panel-decision` deployment, so the Prefect UI shows
# it as a form (its docstring and field descriptions are what the chair reads);
# `ladder panel decide` builds the same model from its options.
class PanelDecision(BaseModel):
    """Record the panel's decision about one candidate: progress, or defer with the reasons,
    the further work and an action plan. A decision is final once recorded."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    worker: str = Field(
        min_length=1, description="The candidate's roster number, for example W0019"
    )
    panel: date = Field(description="The day the panel met")
    outcome: Outcome = Field(
        description="Progress, or defer (then give the reasons, further work and action plan)"
    )
    decided_by: str = Field(
        min_length=1, description="Your own roster number: you must be a member of the panel"
    )
    decided_on: date | None = Field(
        default=None, description="The day of the decision. Leave empty for the panel's day"
    )
    reasons: str = Field(default="", description="Why the panel deferred (needed to defer)")
    further_work: str = Field(
        default="", description="The further work the candidate needs to do (needed to defer)"
    )
    actions: tuple[ActionItem, ...] = Field(
        default=(), description="The action plan: at least one item (needed to defer)"
    )

    @model_validator(mode="after")
    def _complete(self) -> PanelDecision:
        if self.outcome == "defer":
            missing = [
                name
                for name, given in (
                    ("reasons", self.reasons),
                    ("further_work", self.further_work),
                    ("actions", self.actions),
                )
                if not given
            ]
            if missing:
                raise ValueError(
                    "a deferral needs explicit reasons, the further work and an action plan "
                    f"of at least one item; missing: {', '.join(missing)}"
                )
        if self.outcome == "progress" and self.actions:
            raise ValueError("a decision to progress has no action plan; remove the actions")
        day = self.decided_on or self.panel
        late = [a for a in self.actions if a.due <= day]
        if late:
            raise ValueError(
                f"action '{late[0].title}' is due {late[0].due}, not after the decision on "
                f"{day}; give each action a future due date"
            )
        return self

    @property
    def day(self) -> date:
        return self.decided_on or self.panel


def signature_due(day: date, signature_days: int, calendar: WorkingCalendar) -> date:
    """When the outcome report is to be signed: `signature_days` after the decision, or
    the working day before that (a decision on 20 April 2026, 14 days: Monday 4 May is a
    bank holiday, so Friday 1 May)."""
    return calendar.previous_working_day(day + timedelta(days=signature_days))


@dataclass(frozen=True)
class OpenPost:
    """A vacant post as the choice of one sees it."""

    post_id: int
    team_id: int
    service_id: int
    opened_on: date


def choose_post(posts: Iterable[OpenPost], *, service_id: int, team_id: int) -> OpenPost | None:
    """The post a waiting candidate fills: one of their own service, their own team's
    first, then the longest open (the lowest id among posts opened the same day)."""
    fits = [p for p in posts if p.service_id == service_id]
    if not fits:
        return None
    return min(fits, key=lambda p: (p.team_id != team_id, p.opened_on, p.post_id))
