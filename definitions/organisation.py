"""The organisation: its services, career ladder and lattice, calendar and programmes."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays
from babel import Locale, UnknownLocaleError, localedata
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from definitions.calendar import WorkingCalendar
from definitions.errors import Misconfigured
from definitions.panels import PanelProgramme
from definitions.people import DECIDERS
from definitions.programmes import Programme
from definitions.registration import RegistrationProgramme
from definitions.reminders import RELATIONS, RESPONSIBLE, Delivery, ReminderPolicy
from definitions.spelling import close_matches
from definitions.supervision import SupervisionProgramme
from definitions.training import TrainingProgramme


@lru_cache(maxsize=32)
def _calendar(
    timezone: str,
    country: str,
    subdivision: str | None,
    closures: tuple[date, ...],
    locale: str,
) -> WorkingCalendar:
    # One instance per calendar, so its bank-holiday table is built once, not on every call
    # (sweeps, queueing and explain all ask for it).
    return WorkingCalendar(timezone, country, subdivision, closures, locale)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CalendarConfig(_Strict):
    timezone: str = "Europe/London"
    country: str = "GB"
    # A part of the country with bank holidays of its own (GB: ENG, NIR, SCT, WLS); left
    # out, the country-wide ones apply.
    subdivision: str | None = None
    extra_closures: tuple[date, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            close = close_matches(value, _zones())
            hint = f"did you mean {' or '.join(close)}? " if close else ""
            raise ValueError(
                f"unknown time zone '{value}'; {hint}use an IANA name such as Europe/London "
                "or Africa/Kinshasa"
            ) from None
        return value

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        countries = holidays.list_supported_countries()
        if value not in countries:
            close = close_matches(value, tuple(countries))
            hint = f"did you mean {' or '.join(close)}? " if close else ""
            raise ValueError(
                f"no bank holidays known for country '{value}'; {hint}use a two-letter "
                "ISO 3166 code, e.g. GB, FR or CD"
            )
        return value

    @field_validator("subdivision")
    @classmethod
    def _known_subdivision(cls, value: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("country")
        if value is None or country is None:  # no subdivision, or the country was refused
            return value
        known = tuple(holidays.list_supported_countries()[country])
        if not known:
            raise ValueError(
                f"country {country} has no subdivisions with their own bank holidays; "
                "remove `subdivision:`"
            )
        try:
            holidays.country_holidays(country, subdiv=value)
        except NotImplementedError:
            raise ValueError(
                f"country {country} has no subdivision '{value}'; use one of "
                f"{', '.join(known)}, or remove `subdivision:` for the country-wide holidays"
            ) from None
        return value


@lru_cache(maxsize=1)
def _locales() -> tuple[str, ...]:
    return tuple(sorted(i.replace("_", "-") for i in localedata.locale_identifiers()))


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


class Service(_Strict):
    key: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str


class Level(_Strict):
    """A rung of the career ladder."""

    key: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    track: str
    rank: int = Field(ge=0)
    requires: tuple[str, ...] = ()


class LatticeMove(_Strict):
    """A lateral move between services at the same level, keeping credit already earned."""

    from_service: str
    to_service: str
    levels: tuple[str, ...] = Field(min_length=1)
    keeps_credit: bool = True


class DecisionRights(_Strict):
    """Roles that may record for anyone in the organisation, beyond the people a worker is
    linked to (their assessor and manager for the ASYE; the worker and their manager for
    panel evidence, nominations and actions)."""

    asye: tuple[str, ...] = Field(default=DECIDERS, min_length=1)
    panels: tuple[str, ...] = Field(default=DECIDERS, min_length=1)
    # Actions on the organisation's records, not on one worker's: only these roles may.
    certificates: tuple[str, ...] = Field(
        default=DECIDERS, min_length=1, description="who may revoke and reissue certificates"
    )
    policy: tuple[str, ...] = Field(
        default=DECIDERS,
        min_length=1,
        description="who may apply a changed validity rule to people's expiry dates",
    )


class CareerLadder(_Strict):
    levels: tuple[Level, ...] = Field(min_length=1)
    lattice: tuple[LatticeMove, ...] = ()
    other_roles: tuple[str, ...] = Field(
        default=(), description="roster roles outside the ladder (workforce lead, HR, ...)"
    )
    decided_by: DecisionRights = DecisionRights()

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(level.key for level in self.levels) + self.other_roles

    def role_title(self, key: str) -> str:
        """A role as people read it: the level's title, or the key in words (other roles)."""
        level = next((lv for lv in self.levels if lv.key == key), None)
        return level.title if level else key.replace("_", " ").capitalize()

    def next_level(self, key: str) -> Level | None:
        current = next(level for level in self.levels if level.key == key)
        above = [lv for lv in self.levels if lv.track == current.track and lv.rank > current.rank]
        return min(above, key=lambda lv: lv.rank) if above else None

    def move(self, old_role: str, old_service: str, new_role: str, new_service: str) -> str | None:
        """What a change of role or service is: "promotion" (up the same track), "lattice"
        (the same level, to a service the lattice lists), "off_ladder" (to or from a role
        outside the ladder), or None when the ladder and lattice allow no such move."""
        levels = {level.key for level in self.levels}
        if old_role not in levels or new_role not in levels:
            return "off_ladder"
        if old_service == new_service and self.promotion(old_role, new_role):
            return "promotion"
        if old_role == new_role and self.lattice_move(old_role, old_service, new_service):
            return "lattice"
        return None

    def lattice_move(self, level: str, from_service: str, to_service: str) -> LatticeMove | None:
        return next(
            (
                m
                for m in self.lattice
                if m.from_service == from_service
                and m.to_service == to_service
                and level in m.levels
            ),
            None,
        )

    def moves_from(self, role: str, service: str) -> list[str]:
        """The moves the ladder and lattice allow from a role in a service, in words."""
        current = next((lv for lv in self.levels if lv.key == role), None)
        if current is None:
            return []
        up = [lv.key for lv in self.levels if lv.track == current.track and lv.rank > current.rank]
        across = [
            m.to_service for m in self.lattice if m.from_service == service and role in m.levels
        ]
        said = []
        if up:
            said.append(f"up to {' or '.join(up)}")
        if across:
            said.append(f"across to {' or '.join(across)} as {role}")
        return said

    def promotion(self, old_role: str, new_role: str) -> tuple[Level, Level] | None:
        """The old and new level when a worker moved up this ladder (a higher rank on the
        same track); None for any other change, or a role off the ladder."""
        levels = {level.key: level for level in self.levels}
        old, new = levels.get(old_role), levels.get(new_role)
        if old is None or new is None or old.track != new.track or new.rank <= old.rank:
            return None
        return old, new


class OrganisationProfile(_Strict):
    """organisation.yaml: who the organisation is and how its calendar works."""

    name: str
    sender_name: str = "Ladder"
    sender_address: str
    # Who writes to people, as mail says it: "You are receiving this from {team_name} of
    # {name}", "send your certificate to {team_name}".
    team_name: str = Field(default="the workforce development team", min_length=1, max_length=80)
    # The language of everything Ladder writes for the organisation (BCP 47: en-GB, fr,
    # fr-CD, cy): dates from CLDR, and Ladder's own phrases from its catalogues (English and
    # French ship; any other language gets its dates, and English phrases).
    locale: str = "en-GB"
    # Mail that asks someone to record something (sign an outcome report) carries a signed,
    # single-use link to a page on Ladder's web app; false: the mail says whom to tell.
    signed_links: bool = True
    # How mail and reports name a team (the roster's team column holds keys such as
    # children-north): "Children's services, north team". A team not listed is named from
    # its key ("Children north").
    team_names: dict[str, str] = {}

    def team_title(self, key: str) -> str:
        if key in self.team_names:
            return self.team_names[key]
        words = key.replace("_", " ").replace("-", " ").strip()
        return words[:1].upper() + words[1:]

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        try:
            Locale.parse(value, sep="-")
        except (ValueError, UnknownLocaleError):
            close = close_matches(value.replace("_", "-"), _locales())
            hint = f"did you mean {' or '.join(close)}? " if close else ""
            raise ValueError(
                f"unknown locale '{value}'; {hint}use a BCP 47 tag such as en-GB, fr or fr-CD"
            ) from None
        return value

    calendar: CalendarConfig = CalendarConfig()
    services: tuple[Service, ...] = Field(min_length=1)
    max_catch_up_days: int = Field(default=31, ge=1, le=366)


@dataclass(frozen=True)
class Voice:
    """How the organisation speaks in what Ladder writes for it: its name, the team that
    writes, and its own templates folder (files there override Ladder's by name)."""

    org_name: str
    team_name: str
    templates: Path | None = None
    locale: str = "en-GB"
    # A programme milestone's own words for each reader: (programme, milestone) -> role -> lines
    steps: Mapping[tuple[str, str], Mapping[str, tuple[str, ...]]] = dataclasses.field(
        default_factory=dict, hash=False, compare=False
    )


@dataclass(frozen=True)
class UnresolvedReference:
    """A name in one programme file that another file should define but does not."""

    file: str  # the file holding the reference, e.g. "asye.yaml"
    loc: tuple[str | int, ...]  # where in that file, e.g. ("lattice", 1, "from_service")
    problem: str
    choices: tuple[str, ...]  # the names that would resolve


def unresolved_references(
    profile: OrganisationProfile,
    ladder: CareerLadder,
    asye: Programme | None,
    reminder_policies: dict[str, ReminderPolicy],
    delivery: Delivery | None = None,
    training: TrainingProgramme | None = None,
    panels: PanelProgramme | None = None,
    supervision: SupervisionProgramme | None = None,
    registration: RegistrationProgramme | None = None,
    programmes: tuple[Programme, ...] = (),
) -> list[UnresolvedReference]:
    """Every cross-file reference that does not resolve, in file order."""
    found: list[UnresolvedReference] = []
    services = tuple(sorted(s.key for s in profile.services))
    for index, move in enumerate(ladder.lattice):
        for field, name in (("from_service", move.from_service), ("to_service", move.to_service)):
            if name not in services:
                found.append(
                    UnresolvedReference(
                        "ladder.yaml",
                        ("lattice", index, field),
                        f"lattice move names service '{name}', which organisation.yaml does not "
                        f"list; known: {', '.join(services)}",
                        services,
                    )
                )
    roles = tuple(sorted(ladder.roles))
    defined = tuple(sorted(reminder_policies))
    # Checked only for the lifecycles the organisation runs: without an ASYE or panels, no
    # one records for them, and the defaults need not be roles here.
    certifies = training is not None or asye is not None or panels is not None
    for lifecycle, deciders, runs, may in (
        ("asye", ladder.decided_by.asye, asye is not None, "record ASYE steps for anyone"),
        ("panels", ladder.decided_by.panels, panels is not None, "record panel steps for anyone"),
        (
            "certificates",
            ladder.decided_by.certificates,
            certifies,
            "revoke and reissue certificates",
        ),
        ("policy", ladder.decided_by.policy, training is not None, "apply a changed validity rule"),
    ):
        for index, role in enumerate(deciders if runs else ()):
            if role not in roles:
                found.append(
                    UnresolvedReference(
                        "ladder.yaml",
                        ("decided_by", lifecycle, index),
                        f"decided_by.{lifecycle} names '{role}', not a role in ladder.yaml (the "
                        f"default is {', '.join(DECIDERS)}); name the roles that may {may}",
                        roles,
                    )
                )
    found += _recipient_references(reminder_policies, delivery, roles)
    if asye is not None:
        found += _programme_references(asye, "asye.yaml", (), roles, reminder_policies, training)
    for programme in programmes:
        found += _programme_references(
            programme,
            "programmes.yaml",
            ("programmes", programme.key),
            roles,
            reminder_policies,
            training,
        )
    if training is not None:
        found += _training_references(training, services, roles, defined)
    if panels is not None:
        found += _panel_references(panels, roles, defined)
    if supervision is not None:
        found += _supervision_references(supervision, roles, defined)
    if registration is not None:
        found += _named_references(
            "registration.yaml",
            [(("roles", i), r, roles, "role") for i, r in enumerate(registration.roles)]
            + [
                (("recorded_by", i), r, roles, "role")
                for i, r in enumerate(registration.recorded_by)
            ]
            + [(("reminder_policy",), registration.reminder_policy, defined, "reminder_policy")],
        )
    kinds = (
        "default",
        *(asye.obligation_kinds if asye else ()),
        *(k for p in programmes for k in p.obligation_kinds),
        *OTHER_OBLIGATION_KINDS,
    )
    for kind in delivery.routing if delivery else ():
        if kind not in kinds:
            found.append(
                UnresolvedReference(
                    "reminders.yaml",
                    ("delivery", "routing", kind),
                    f"routing names '{kind}', which is not a kind of obligation Ladder makes; "
                    f"known: {', '.join(kinds)}",
                    kinds,
                )
            )
    return found


def _recipient_references(
    reminder_policies: dict[str, ReminderPolicy], delivery: Delivery | None, roles: tuple[str, ...]
) -> list[UnresolvedReference]:
    """Every person a reminder step or routing names: a relation to the worker (worker,
    assessor, supervisor, manager), `responsible`, or a role of ladder.yaml."""
    found: list[UnresolvedReference] = []
    known = (*RELATIONS, RESPONSIBLE, *roles)
    for name, policy in reminder_policies.items():
        for i, step in enumerate(policy.steps):
            for j, role in enumerate(step.to):
                if role not in known:
                    found.append(
                        UnresolvedReference(
                            "reminders.yaml",
                            ("policies", name, "steps", i, "to", j),
                            f"step {step.key} goes to '{role}', which is neither someone the "
                            "worker is linked to nor a role in ladder.yaml",
                            known,
                        )
                    )
    for kind, table in (delivery.routing if delivery else {}).items():
        for role in table:
            if role not in (*RELATIONS, *roles):
                found.append(
                    UnresolvedReference(
                        "reminders.yaml",
                        ("delivery", "routing", kind, role),
                        f"routing names '{role}', which is neither someone the worker is "
                        "linked to nor a role in ladder.yaml",
                        (*RELATIONS, *roles),
                    )
                )
    return found


def _programme_references(
    programme: Programme,
    file: str,
    at: tuple[str | int, ...],
    roles: tuple[str, ...],
    reminder_policies: dict[str, ReminderPolicy],
    training: TrainingProgramme | None,
) -> list[UnresolvedReference]:
    """A dated programme's roles, reminder policies and what closes its completions."""
    defined = tuple(sorted(reminder_policies))
    named: list[tuple[tuple[str | int, ...], str | None, tuple[str, ...], str]] = [
        ((*at, "eligible_roles", i), role, roles, "level or role in ladder.yaml")
        for i, role in enumerate(programme.eligible_roles)
    ]
    named += [
        ((*at, "recorded_by", i), role, roles, "role in ladder.yaml")
        for i, role in enumerate(programme.recorded_by or ())
    ]
    named += [((*at, "reminder_policy"), programme.reminder_policy, defined, "policy")]
    named += [
        ((*at, "milestones", i, "reminder_policy"), m.reminder_policy, defined, "policy")
        for i, m in enumerate(programme.milestones)
    ]
    modules = tuple(sorted(m.key for m in training.modules)) if training else ()
    pathways = tuple(sorted(p.key for p in training.pathways)) if training else ()
    for i, m in enumerate(programme.milestones):
        if m.closes_with is not None and m.closes_with.module is not None:
            named.append(
                (
                    (*at, "milestones", i, "closes_with", "module"),
                    m.closes_with.module,
                    modules,
                    "module in training.yaml",
                )
            )
        if m.closes_with is not None and m.closes_with.pathway is not None:
            named.append(
                (
                    (*at, "milestones", i, "closes_with", "pathway"),
                    m.closes_with.pathway,
                    pathways,
                    "pathway in training.yaml",
                )
            )
    found: list[UnresolvedReference] = []
    for loc, name, known, what in named:
        if name is None or name in known:
            continue
        field = next(str(part) for part in reversed(loc) if isinstance(part, str))
        if what == "policy":
            problem = (
                f"reminder_policy '{name}' is not defined in reminders.yaml; "
                f"defined: {', '.join(known)}"
            )
        else:
            problem = f"{field} '{name}' is not a {what}; known: {', '.join(known) or 'none'}"
        found.append(UnresolvedReference(file, loc, problem, known))
    return found


# The item kinds outside dated programmes, as the workforce team reads them.
ITEM_KINDS = {
    "training.renewal": "Refresher",
    "training.required": "Required training",
    "supervision": "Supervision",
    "registration.cpd": "CPD for registration",
    "panel.evidence": "Panel evidence",
    "panel.preparation": "Panel preparation day",
    "panel.action": "Action plan item",
    "panel.signature": "Outcome report signature",
}

OTHER_OBLIGATION_KINDS = tuple(ITEM_KINDS)


def _panel_references(
    panels: PanelProgramme, roles: tuple[str, ...], policies: tuple[str, ...]
) -> list[UnresolvedReference]:
    found = []

    def check(loc: tuple[str | int, ...], name: str, known: tuple[str, ...], what: str) -> None:
        if name not in known:
            found.append(
                UnresolvedReference(
                    "panels.yaml",
                    loc,
                    f"{what} '{name}' is not defined; known: {', '.join(known)}",
                    known,
                )
            )

    for i, level in enumerate(panels.from_levels):
        check(("from_levels", i), level, roles, "level")
    check(("to_level",), panels.to_level, roles, "level")
    for i, member in enumerate(panels.members):
        check(("members", i, "role"), member.role, roles, "role")
    for name, policy in panels.reminder_policies:
        check(("reminder_policies", name), policy, policies, "reminder_policy")
    return found


def _supervision_references(
    supervision: SupervisionProgramme, roles: tuple[str, ...], policies: tuple[str, ...]
) -> list[UnresolvedReference]:
    named: list[tuple[tuple[str | int, ...], str, tuple[str, ...], str]] = [
        (("schedules", i, "roles", j), role, roles, "role")
        for i, schedule in enumerate(supervision.schedules)
        for j, role in enumerate(schedule.roles)
    ]
    named += [(("recorded_by", i), r, roles, "role") for i, r in enumerate(supervision.recorded_by)]
    named.append((("reminder_policy",), supervision.reminder_policy, policies, "reminder_policy"))
    return _named_references("supervision.yaml", named)


def _named_references(
    file: str, named: list[tuple[tuple[str | int, ...], str, tuple[str, ...], str]]
) -> list[UnresolvedReference]:
    """Each (where, name, the names that would do, what it is) whose name is unknown."""
    return [
        UnresolvedReference(
            file, loc, f"{what} '{name}' is not defined; known: {', '.join(known)}", known
        )
        for loc, name, known, what in named
        if name not in known
    ]


def _training_references(
    training: TrainingProgramme,
    services: tuple[str, ...],
    roles: tuple[str, ...],
    policies: tuple[str, ...],
) -> list[UnresolvedReference]:
    found = []

    def check(loc: tuple[str | int, ...], name: str, known: tuple[str, ...], what: str) -> None:
        if name not in known:
            found.append(
                UnresolvedReference(
                    "training.yaml",
                    loc,
                    f"{what} '{name}' is not defined; known: {', '.join(known)}",
                    known,
                )
            )

    for i, pathway in enumerate(training.pathways):
        check(("pathways", i, "level"), pathway.level, roles, "level")
        if pathway.service is not None:
            check(("pathways", i, "service"), pathway.service, services, "service")
    for i, refresher in enumerate(training.refreshers):
        for j, role in enumerate(refresher.roles):
            check(("refreshers", i, "roles", j), role, roles, "role")
    for i, required in enumerate(training.required):
        for j, role in enumerate(required.roles):
            check(("required", i, "roles", j), role, roles, "role")
    for i, role in enumerate(training.credit_approvers):
        check(("credit_approvers", i), role, roles, "role")
    for i, role in enumerate(training.bookings_by):
        check(("bookings_by", i), role, roles, "role")
    check(("reminder_policy",), training.reminder_policy, policies, "reminder_policy")
    if training.required_reminder_policy is not None:
        check(
            ("required_reminder_policy",),
            training.required_reminder_policy,
            policies,
            "reminder_policy",
        )
    return found


class Organisation(_Strict):
    """Everything Ladder knows about one organisation's programmes, validated together."""

    profile: OrganisationProfile
    ladder: CareerLadder
    asye: Programme | None = None  # no asye.yaml: no newly qualified workers' year
    reminder_policies: dict[str, ReminderPolicy]
    delivery: Delivery = Delivery()
    training: TrainingProgramme | None = None
    panels: PanelProgramme | None = None
    supervision: SupervisionProgramme | None = None  # no supervision.yaml: not tracked
    registration: RegistrationProgramme | None = None  # no registration.yaml: no CPD
    # programmes.yaml: dated programmes besides the ASYE (an induction, a probation review)
    programmes: tuple[Programme, ...] = ()
    templates: Path | None = None  # the folder's templates/, when it has one

    @property
    def voice(self) -> Voice:
        steps = {
            (p.key, m.key): m.steps for p in self.dated_programmes for m in p.milestones if m.steps
        }
        return Voice(
            self.profile.name, self.profile.team_name, self.templates, self.profile.locale, steps
        )

    @property
    def dated_programmes(self) -> tuple[Programme, ...]:
        """Every dated programme the organisation runs: the ASYE year first, then the rest."""
        return ((self.asye,) if self.asye else ()) + self.programmes

    def item_kind(self, kind: str) -> str:
        """An item kind as the workforce team reads it in tables: "Refresher", "ASYE:
        review", "Induction: completion", never the key."""
        if kind in ITEM_KINDS:
            return ITEM_KINDS[kind]
        programme_key, _, milestone_kind = kind.partition(".")
        for programme in self.dated_programmes:
            if programme.key == programme_key:
                called = programme.called[:1].upper() + programme.called[1:]
                return f"{called}: {milestone_kind.replace('_', ' ')}"
        return kind.replace(".", ": ").replace("_", " ").capitalize()

    def programme(self, key: str) -> Programme:
        """The dated programme `key`; Misconfigured names the ones there are."""
        for programme in self.dated_programmes:
            if programme.key == key:
                return programme
        known = ", ".join(p.key for p in self.dated_programmes) or "none"
        raise Misconfigured(
            f"this organisation runs no programme '{key}'; its programmes: {known} "
            "(asye.yaml and programmes.yaml, see docs/organisations.md)"
        )

    @model_validator(mode="after")
    def _references_resolve(self) -> Organisation:
        # The loader checks these first, with file lines; this keeps models built in code
        # honest too.
        found = unresolved_references(
            self.profile,
            self.ladder,
            self.asye,
            self.reminder_policies,
            self.delivery,
            self.training,
            self.panels,
            self.supervision,
            self.registration,
            self.programmes,
        )
        if found:
            raise ValueError(f"{found[0].file}: {found[0].problem}")
        return self

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def service_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.profile.services)

    def working_calendar(self) -> WorkingCalendar:
        cal = self.profile.calendar
        return _calendar(
            cal.timezone, cal.country, cal.subdivision, cal.extra_closures, self.profile.locale
        )

    @property
    def reminded_roles(self) -> tuple[str, ...]:
        """The roles of ladder.yaml that reminder steps go to (everyone holding one hears)."""
        named = {r for p in self.reminder_policies.values() for s in p.steps for r in s.to}
        return tuple(sorted(named & set(self.ladder.roles)))

    def policy(self, key: str) -> ReminderPolicy:
        return self.reminder_policies[key]
