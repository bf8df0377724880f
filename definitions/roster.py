"""The roster file: its columns, and row validation that reports every bad row at once."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email

from definitions.errors import BadInput
from definitions.organisation import Organisation

REQUIRED_COLUMNS = (
    "external_id",
    "name",
    "email",
    "role",
    "service",
    "team",
    "manager_id",
    "start_date",
    "district",
    "status",
)
OPTIONAL_COLUMNS = ("assessor_id", "supervisor_id")
# Columns naming another worker: line manager, ASYE assessor, practice supervisor.
LINK_COLUMNS = ("manager_id", "assessor_id", "supervisor_id")
STATUSES = ("active", "leave", "left")
PERSONAL_COLUMNS = ("name", "email")  # never echoed back in errors
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class RosterProblem:
    row: int  # the line in the file, header = 1, as a spreadsheet numbers it
    column: str
    reason: str

    def __str__(self) -> str:
        if self.row == 0:  # about the whole file
            return self.reason
        return f"row {self.row}, column {self.column}: {self.reason}"


class RosterError(BadInput):
    """A roster that cannot be imported; lists every problem, nothing was written."""

    def __init__(self, source: str, problems: list[RosterProblem]) -> None:
        self.source, self.problems = source, problems
        lines = "\n".join(f"  {source} {p}" for p in problems)
        super().__init__(
            f"{source}: {len(problems)} problem(s); nothing was imported. Fix these and import "
            f"again:\n{lines}"
        )


@dataclass(frozen=True)
class RosterRow:
    row: int
    external_id: str
    name: str
    email: str
    role: str
    service: str
    team: str
    manager_id: str | None
    assessor_id: str | None
    supervisor_id: str | None
    start_date: date
    district: str
    status: str


def parse_roster(
    header: list[str] | None,
    rows: Iterable[tuple[int, Mapping[str, str | None]]],
    *,
    source: str,
    organisation: Organisation,
    known_ids: frozenset[str] = frozenset(),
) -> list[RosterRow]:
    """Validate roster rows (`(line number, {column: value})`) against the organisation.

    `known_ids` are workers already in Ladder, so a manager may be named who is not in this
    file. Raises RosterError listing every problem; returns rows only when all are good.
    """
    header = [h.strip() for h in (header or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise RosterError(
            source,
            [
                RosterProblem(
                    1, c, f"missing column; the header must name {', '.join(REQUIRED_COLUMNS)}"
                )
                for c in missing
            ],
        )
    roles = set(organisation.ladder.roles)
    services = set(organisation.service_keys)
    problems: list[RosterProblem] = []
    parsed: list[RosterRow] = []
    first_seen: dict[str, int] = {}

    for line, raw in rows:
        values = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        bad = len(problems)

        def problem(column: str, reason: str, *, line: int = line) -> None:
            problems.append(RosterProblem(line, column, reason))

        ext = values.get("external_id", "")
        if not _ID.match(ext):
            problem(
                "external_id",
                f"'{ext}' is not a usable id; use letters, digits, '-', "
                "'_' or '.', at most 64 characters"
                if ext
                else "empty; every worker needs an id",
            )
        elif ext in first_seen:
            problem(
                "external_id",
                f"'{ext}' appears twice (first on row {first_seen[ext]}); "
                "each worker must appear once",
            )
        else:
            first_seen[ext] = line
        if not values.get("name"):
            problem("name", "empty; write the worker's name")
        email = values.get("email", "")
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            problem("email", f"not a valid email address ({exc}); correct the address")
        role = values.get("role", "")
        if role not in roles:
            problem(
                "role",
                f"'{role}' is not a role of this organisation; use one of "
                f"{', '.join(sorted(roles))}",
            )
        service = values.get("service", "")
        if service not in services:
            problem(
                "service", f"'{service}' is not a service; use one of {', '.join(sorted(services))}"
            )
        if not values.get("team"):
            problem("team", "empty; name the worker's team")
        start = None
        try:
            start = date.fromisoformat(values.get("start_date", ""))
        except ValueError:
            problem(
                "start_date",
                f"'{values.get('start_date', '')}' is not a date; use YYYY-MM-DD, e.g. 2026-01-31",
            )
        status = values.get("status") or "active"
        if status not in STATUSES:
            problem("status", f"'{status}' is not a status; use one of {', '.join(STATUSES)}")
        if len(problems) == bad and start is not None:
            parsed.append(
                RosterRow(
                    row=line,
                    external_id=ext,
                    name=values["name"],
                    email=email,
                    role=role,
                    service=service,
                    team=values["team"],
                    manager_id=values.get("manager_id") or None,
                    assessor_id=values.get("assessor_id") or None,
                    supervisor_id=values.get("supervisor_id") or None,
                    start_date=start,
                    district=values.get("district", ""),
                    status=status,
                )
            )

    ids = set(first_seen) | known_ids
    for r in parsed:
        for column in LINK_COLUMNS:
            ref = getattr(r, column)
            if ref is None:
                continue
            if ref == r.external_id:
                problems.append(
                    RosterProblem(
                        r.row, column, f"'{ref}' is the worker themself; name someone else"
                    )
                )
            elif ref not in ids:
                problems.append(
                    RosterProblem(
                        r.row,
                        column,
                        f"'{ref}' is neither in this "
                        "file nor already in Ladder; add that person "
                        "or correct the id",
                    )
                )
    if problems:
        raise RosterError(source, sorted(problems, key=lambda p: (p.row, p.column)))
    return parsed
