"""Completion files (attendance sheets, LMS exports) and session files: rows validated all
at once, every problem reported by row and column, nothing imported unless all are good."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from definitions.meetings import clock_change_problem
from definitions.roster import RosterError, RosterProblem
from definitions.spelling import closest
from definitions.training import TrainingProgramme

COMPLETION_COLUMNS = ("external_id", "module", "completed_on")
SESSION_COLUMNS = ("module", "held_on", "starts_at", "minutes", "venue", "district", "capacity")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class CompletionRow:
    row: int
    external_id: str
    module: str
    completed_on: date


@dataclass(frozen=True)
class SessionRow:
    row: int
    module: str
    held_on: date
    starts_at: str
    minutes: int
    venue: str
    district: str
    capacity: int


def missing_columns(header: list[str] | None, required: tuple[str, ...], source: str) -> None:
    have = [h.strip() for h in (header or [])]
    missing = [c for c in required if c not in have]
    if missing:
        raise RosterError(
            source,
            [
                RosterProblem(1, c, f"missing column; the header must name {', '.join(required)}")
                for c in missing
            ],
        )


def _module_problem(module: str, training: TrainingProgramme) -> str | None:
    known = [m.key for m in training.modules]
    if module in known:
        return None
    close = closest(module, known)
    hint = f"did you mean '{close}'? " if close else ""
    return f"'{module}' is not a module of this organisation; {hint}modules: {', '.join(known)}"


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


# Training records begin here: a date before it is a typing slip, or learning old enough to
# be recorded as credit for prior learning, with its evidence.
EARLIEST_COMPLETION = date(2000, 1, 1)


def parse_completions(
    header: list[str] | None,
    rows: Iterable[tuple[int, Mapping[str, str | None]]],
    *,
    source: str,
    training: TrainingProgramme,
    known_ids: frozenset[str],
    today: date,
) -> list[CompletionRow]:
    """Validate completion rows; raises RosterError listing every problem."""
    missing_columns(header, COMPLETION_COLUMNS, source)
    problems: list[RosterProblem] = []
    parsed: list[CompletionRow] = []
    first_seen: dict[tuple[str, str, date], int] = {}
    for line, raw in rows:
        values = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        bad = len(problems)
        ext = values.get("external_id", "")
        if not ext:
            problems.append(RosterProblem(line, "external_id", "empty; name the worker's id"))
        elif ext not in known_ids:
            problems.append(
                RosterProblem(
                    line,
                    "external_id",
                    f"'{ext}' is not a worker in Ladder; import the roster first or correct the id",
                )
            )
        module = values.get("module", "")
        wrong = _module_problem(module, training)
        if wrong:
            problems.append(RosterProblem(line, "module", wrong))
        raw_date = values.get("completed_on", "")
        completed = _date(raw_date)
        if completed is None:
            problems.append(
                RosterProblem(
                    line,
                    "completed_on",
                    f"'{raw_date}' is not a date; use YYYY-MM-DD, e.g. 2026-03-31",
                )
            )
        elif completed < EARLIEST_COMPLETION:
            problems.append(
                RosterProblem(
                    line,
                    "completed_on",
                    f"{completed} is before {EARLIEST_COMPLETION}, where Ladder's training "
                    "records begin; check the year, or record older learning as credit for "
                    "prior learning",
                )
            )
        elif completed > today:
            problems.append(
                RosterProblem(
                    line,
                    "completed_on",
                    f"{completed} is in the future; a completion is recorded once it happened",
                )
            )
        if len(problems) > bad or completed is None:
            continue
        key = (ext, module, completed)
        if key in first_seen:
            problems.append(
                RosterProblem(
                    line,
                    "completed_on",
                    f"the same completion appears twice (first on row {first_seen[key]}); "
                    "remove one",
                )
            )
            continue
        first_seen[key] = line
        parsed.append(CompletionRow(line, ext, module, completed))
    if problems:
        raise RosterError(source, sorted(problems, key=lambda p: (p.row, p.column)))
    return parsed


def parse_sessions(
    header: list[str] | None,
    rows: Iterable[tuple[int, Mapping[str, str | None]]],
    *,
    source: str,
    training: TrainingProgramme,
    timezone: str,
) -> list[SessionRow]:
    """Validate training session rows; raises RosterError listing every problem. A start
    time the clocks skip or repeat that day in `timezone` is refused."""
    missing_columns(header, SESSION_COLUMNS, source)
    districts = {d.key for d in training.districts}
    problems: list[RosterProblem] = []
    parsed: list[SessionRow] = []
    for line, raw in rows:
        values = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        bad = len(problems)

        def problem(column: str, reason: str, *, line: int = line) -> None:
            problems.append(RosterProblem(line, column, reason))

        module = values.get("module", "")
        wrong = _module_problem(module, training)
        if wrong:
            problem("module", wrong)
        held = _date(values.get("held_on", ""))
        if held is None:
            problem("held_on", f"'{values.get('held_on', '')}' is not a date; use YYYY-MM-DD")
        starts = values.get("starts_at", "")
        if not _TIME.match(starts):
            problem("starts_at", f"'{starts}' is not a time; use HH:MM (24-hour), e.g. 09:30")
        elif held is not None:
            clock = clock_change_problem(
                datetime.combine(held, time.fromisoformat(starts)), timezone
            )
            if clock:
                problem("starts_at", clock)
        numbers: dict[str, int] = {}
        for column, low, high in (("minutes", 15, 600), ("capacity", 1, 500)):
            text = values.get(column, "")
            if not text.isdigit() or not low <= int(text) <= high:
                problem(column, f"'{text}' is not a whole number from {low} to {high}")
            else:
                numbers[column] = int(text)
        venue = values.get("venue", "")
        if not venue:
            problem("venue", "empty; say where the session is held")
        district = values.get("district", "")
        if districts and district not in districts:
            problem(
                "district",
                f"'{district}' is not a district in training.yaml; use one of "
                f"{', '.join(sorted(districts))}",
            )
        if len(problems) == bad and held is not None:
            parsed.append(
                SessionRow(
                    line,
                    module,
                    held,
                    starts,
                    numbers["minutes"],
                    venue,
                    district,
                    numbers["capacity"],
                )
            )
    if problems:
        raise RosterError(source, sorted(problems, key=lambda p: (p.row, p.column)))
    return parsed
