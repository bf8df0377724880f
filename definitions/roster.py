"""The roster file: its columns, and row validation that reports every bad row at once."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

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
_TEAM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")  # a key, never a path
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME = 200  # what fits on a certificate and a mail's greeting
EARLIEST_START = date(1950, 1, 1)
START_AHEAD_DAYS = 366  # a start date may be booked up to a year ahead


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


SMTPUTF8_WARNING = (
    "the part before the @ has characters beyond ASCII: only a mail relay that offers "
    "SMTPUTF8 can deliver to it. Ladder asks the relay before each such message and, if it "
    "cannot, fails that message alone (see `ladder mail status`); if your relay does not "
    "offer SMTPUTF8, ask the worker for an address in plain ASCII"
)


def address_warnings(rows: Iterable[RosterRow]) -> list[RosterProblem]:
    """Addresses accepted that some relays refuse: a local part beyond ASCII. The import
    takes them, and prints and records these warnings (row and column, no address)."""
    return [RosterProblem(r.row, "email", SMTPUTF8_WARNING) for r in rows if not r.email.isascii()]


def parse_roster(
    header: list[str] | None,
    rows: Iterable[tuple[int, Mapping[str, str | None]]],
    *,
    source: str,
    organisation: Organisation,
    known_ids: frozenset[str] = frozenset(),
    as_of: date | None = None,
) -> list[RosterRow]:
    """Validate roster rows (`(line number, {column: value})`) against the organisation.

    `known_ids` are workers already in Ladder, so a manager may be named who is not in this
    file. Raises RosterError listing every problem; returns rows only when all are good.
    """
    header = [h.strip() for h in (header or [])]
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise RosterError(
            source,
            [
                RosterProblem(1, c, "appears twice in the header; keep one column of each name")
                for c in twice
            ],
        )
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

    emails: dict[str, int] = {}
    seen_rows = 0
    for line, raw in rows:
        seen_rows += 1
        values = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        bad = len(problems)

        def problem(column: str, reason: str, *, line: int = line) -> None:
            problems.append(RosterProblem(line, column, reason))

        extra = raw.get(None)  # type: ignore[call-overload]  # csv puts surplus values here
        if extra:
            problem(
                "-",
                f"{len(extra)} more value(s) than the header has columns; quote a value that "
                "holds a comma, or remove the extra cells",
            )

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
        name = values.get("name", "")
        if not name:
            problem("name", "empty; write the worker's name")
        elif _CONTROL.search(name):
            problem("name", "holds a control character (a line break or a NUL); retype the name")
        elif len(name) > MAX_NAME:
            problem("name", f"{len(name)} characters long; a name has at most {MAX_NAME}")
        email = values.get("email", "")
        try:
            checked = validate_email(email, check_deliverability=False)
            # A domain beyond ASCII is kept in its ASCII form (IDNA), which every relay takes.
            email = checked.ascii_email or checked.normalized
        except EmailNotValidError as exc:
            problem("email", f"not a valid email address ({exc}); correct the address")
        else:
            local = email.rpartition("@")[0]
            if len(local) > 64:
                problem(
                    "email",
                    f"the part before the @ is {len(local)} characters; mail servers take at "
                    "most 64, so correct the address",
                )
            elif email.lower() in emails:
                problem(
                    "email",
                    f"also the address of row {emails[email.lower()]}; each worker needs their "
                    "own address, so correct one of them",
                )
            else:
                emails[email.lower()] = line
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
        team = values.get("team", "")
        if not team:
            problem("team", "empty; name the worker's team")
        elif not _TEAM.match(team):
            problem(
                "team",
                f"'{team[:70]}' is not a usable team key; use letters, digits, '-' or '_', "
                "at most 64 characters (e.g. children-north)",
            )
        start = None
        try:
            start = date.fromisoformat(values.get("start_date", ""))
        except ValueError:
            problem(
                "start_date",
                f"'{values.get('start_date', '')}' is not a date; use YYYY-MM-DD, e.g. 2026-01-31",
            )
        latest = as_of + timedelta(days=START_AHEAD_DAYS) if as_of else None
        if start is not None and (start < EARLIEST_START or (latest and start > latest)):
            problem(
                "start_date",
                f"{start} is not a start date Ladder can use; it must be from "
                f"{EARLIEST_START}"
                + (f" to {latest} (a year ahead)" if latest else "")
                + "; check the year",
            )
            start = None
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

    if seen_rows == 0:
        raise RosterError(
            source, [RosterProblem(0, "-", "no rows under the header; nothing to import")]
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
    problems += _manager_cycles(parsed)
    if problems:
        raise RosterError(source, sorted(problems, key=lambda p: (p.row, p.column)))
    return parsed


def _manager_cycles(rows: list[RosterRow]) -> list[RosterProblem]:
    """A problem for each worker whose line of managers in this file comes back round to
    them (A manages B manages A): nobody would be above them to escalate to."""
    manager = {r.external_id: r.manager_id for r in rows if r.manager_id}
    row_of = {r.external_id: r.row for r in rows}
    problems = []
    for worker in sorted(manager, key=lambda w: row_of[w]):
        chain, current = [worker], manager.get(worker)
        while current is not None and current not in chain and len(chain) <= len(manager):
            chain.append(current)
            current = manager.get(current)
        if current == worker:
            problems.append(
                RosterProblem(
                    row_of[worker],
                    "manager_id",
                    "the line of managers comes back round ("
                    + " manages ".join(reversed([*chain, worker]))
                    + "); correct one manager_id",
                )
            )
    return problems
