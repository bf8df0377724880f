"""Values passed between storage, messages and tasks: people and the items they are told about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Person:
    id: int
    external_id: str
    name: str
    email: str


@dataclass(frozen=True)
class DueItem:
    """An open obligation with the people a reminder may go to, read in one query."""

    obligation_id: int
    kind: str
    milestone: str
    title: str
    due_date: date
    reminder_policy: str
    responsible_role: str
    rule: str
    subject: Person
    manager: Person | None
    assessor: Person | None
    supervisor: Person | None = None
    source: str = ""  # what made it: panel:<candidacy>:<part>, asye:<enrolment>:<milestone>, ...


@dataclass(frozen=True)
class SignedLink:
    """A link a mail carries so its reader records an item themselves, until its last day."""

    url: str
    until: date
