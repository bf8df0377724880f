"""Benchmark: the daily duty steps (dated programmes, required training, supervision, CPD)
on a quiet day, at growing workforce sizes.

The daily run asks, for every duty, "who needs an item they do not have yet?" and "which open
item did today's training close?". Ladder answers each with a few set-based statements (an
anti-join or a correlated EXISTS in the database) whatever the workforce size. The baseline
in the same run asks the same questions one worker at a time, as a naive implementation
would: it reads each worker's enrolments, items and completions with its own queries. Both
find the same work (asserted); the figures show time and statements for each.

    .venv/bin/python bench/duties.py                    # 2000 and 20000 workers, SQLite
    .venv/bin/python bench/duties.py --sizes 1000,10000 --database-url postgresql+psycopg://...

On the measured day, 20 new starters joined and 20 people finished a module; nothing else.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.sweep import StatementCounter, fresh_database  # noqa: E402
from definitions.loader import load_organisation  # noqa: E402
from definitions.organisation import Organisation  # noqa: E402
from definitions.roster import REQUIRED_COLUMNS  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import Completion, Enrolment, Obligation, Worker  # noqa: E402
from tasks.programmes.completions import close_completed  # noqa: E402
from tasks.programmes.enrolment import enrol_eligible  # noqa: E402
from tasks.registration.cpd import ensure_cpd_items  # noqa: E402
from tasks.roster.roster_import import import_roster  # noqa: E402
from tasks.supervision.schedule import ensure_supervision_items  # noqa: E402
from tasks.training.required import ensure_required_items  # noqa: E402

SET_UP = date(2026, 3, 1)
DAY = date(2026, 3, 2)
EVENTS = 20  # new starters, and completions of an induction module, on the measured day
ROLES = ("care_worker", "social_worker", "para_social_worker", "senior_social_worker")


def write_roster(path: Path, workers: int, starters: int) -> None:
    """A lead, a manager per 8, `workers` long-serving staff and `starters` who start on the
    measured day (the new starters the programmes enrol)."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REQUIRED_COLUMNS)
        writer.writerow(
            ["L1", "Lee Lead", "lead@example.org", "workforce_lead", "adults", "wd", "",
             "2015-01-01", "", "active"]
        )  # fmt: skip
        managers = max(1, workers // 8)
        for m in range(managers):
            writer.writerow(
                [f"M{m}", f"Manager {m}", f"m{m}@example.org", "team_manager", "adults",
                 f"team-{m}", "L1", "2016-01-01", "", "active"]
            )  # fmt: skip
        for i in range(workers + starters):
            start = DAY if i >= workers else date(2019, 1, 1) + timedelta(days=i % 1500)
            writer.writerow(
                [f"W{i}", f"Worker {i}", f"w{i}@example.org", ROLES[i % len(ROLES)], "adults",
                 f"team-{i % managers}", f"M{i % managers}", start.isoformat(), "East", "active"]
            )  # fmt: skip


def set_based_day(engine, organisation: Organisation) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The programmes' daily step as the daily flow runs it: (enrolments made, items closed)."""
    with Session(engine) as session, session.begin():
        enrolled = enrol_eligible(session, organisation, as_of=DAY)
        closed = close_completed(session, organisation, as_of=DAY)
    return sum(len(ids) for ids in enrolled.values()), closed


def other_scans(engine, organisation: Organisation) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """The other duties' daily scans (required training, supervision, CPD): items added."""
    with Session(engine) as session, session.begin():
        return (
            ensure_required_items(session, organisation),
            ensure_supervision_items(session, organisation),
            ensure_cpd_items(session, organisation, as_of=DAY),
        )


def per_worker_day(engine, organisation: Organisation) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The baseline: for each worker, read their enrolments, open items and completions with
    queries of their own, and decide in Python what is missing or closed."""
    enrolments = closed = 0
    with Session(engine) as session:
        workers = session.execute(select(Worker.id, Worker.role, Worker.start_date)).all()
        for worker_id, role, start in workers:
            has = set(
                session.scalars(select(Enrolment.programme).where(Enrolment.worker_id == worker_id))
            )
            items = session.execute(
                select(Obligation.kind, Obligation.milestone, Obligation.status).where(
                    Obligation.subject_id == worker_id
                )
            ).all()
            done = set(
                session.scalars(
                    select(Completion.module).where(
                        Completion.worker_id == worker_id, Completion.completed_on <= DAY
                    )
                )
            )
            for programme in organisation.dated_programmes:
                eligible = role in programme.eligible_roles and (
                    programme.starters_from is None or start >= programme.starters_from
                )
                enrolling = eligible and programme.key not in has
                enrolments += enrolling
                for rule in programme.completions:
                    module = rule.closes_with.module if rule.closes_with else None
                    owed = enrolling or any(
                        k == f"{programme.key}.completion" and m == rule.key and s == "open"
                        for k, m, s in items
                    )
                    closed += owed and module in done
    return enrolments, closed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,20000", help="workforce sizes, comma separated")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL URL whose public schema may be dropped (default: SQLite)",
    )
    args = parser.parse_args()
    organisation = load_organisation()
    print(
        f"{'workers':>8} | {'set s':>7} {'stmts':>6} {'enrolled':>8} {'closed':>6} | "
        f"{'baseline s':>10} {'stmts':>7} | {'speed-up':>8} {'stmts ratio':>11} | "
        f"{'scans s':>7} {'stmts':>6} {'added':>5}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for size in (int(s) for s in args.sizes.split(",")):
            roster = folder / f"roster-{size}.csv"
            write_roster(roster, size, EVENTS)
            results = {}
            for mode in ("set", "row"):
                url = fresh_database(args.database_url, folder, f"duties-{mode}-{size}")
                upgrade(url)
                engine = make_engine(url)
                _prepare(engine, organisation, roster, size)
                counter = StatementCounter(engine)
                started = time.perf_counter()
                found = (
                    set_based_day(engine, organisation)
                    if mode == "set"
                    else per_worker_day(engine, organisation)
                )
                results[mode] = (time.perf_counter() - started, counter.count, found)
                if mode == "set":
                    counter.count = 0
                    started = time.perf_counter()
                    added = other_scans(engine, organisation)
                    results["scans"] = (time.perf_counter() - started, counter.count, added)
                engine.dispose()
            s_time, s_stmts, s_found = results["set"]
            r_time, r_stmts, r_found = results["row"]
            o_time, o_stmts, added = results["scans"]
            assert s_found == r_found, f"baseline found {r_found}, set-based {s_found}"
            print(
                f"{size:>8} | {s_time:>7.3f} {s_stmts:>6} {s_found[0]:>8} {s_found[1]:>6} | "
                f"{r_time:>10.3f} {r_stmts:>7} | {r_time / s_time:>7.1f}x "
                f"{r_stmts / s_stmts:>10.0f}x | {o_time:>7.3f} {o_stmts:>6} {sum(added):>5}"
            )
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"({backend}; the day {DAY} after a roster import on {SET_UP}: {EVENTS} new starters "
        f"and {EVENTS} module completions; {os.cpu_count()} CPUs. set/baseline: the dated "
        "programmes' step; scans: required training, supervision and CPD, set-based only)"
    )


def _prepare(engine, organisation: Organisation, roster: Path, size: int) -> None:  # type: ignore[no-untyped-def]
    """Yesterday's state: the staff imported and yesterday's daily run done (their items
    made), the new starters in the roster but not yet enrolled, today's completions recorded."""
    with Session(engine) as session, session.begin():
        import_roster(session, organisation, roster, as_of=SET_UP, actor="bench")
        starters = list(
            session.scalars(select(Worker.id).where(Worker.start_date == DAY).order_by(Worker.id))
        )
        # Undo the import's own enrolment of the starters: the day's run is what enrols them.
        session.query(Obligation).filter(Obligation.subject_id.in_(starters)).filter(
            Obligation.enrolment_id.is_not(None)
        ).delete(synchronize_session=False)
        session.query(Enrolment).filter(Enrolment.worker_id.in_(starters)).delete(
            synchronize_session=False
        )
        session.add_all(
            Completion(
                worker_id=worker_id,
                module="data_protection",
                completed_on=DAY,
                source="import",
                source_ref="bench",
            )
            for worker_id in starters
        )
    other_scans(engine, organisation)  # yesterday's daily run made everyone's items


if __name__ == "__main__":
    main()
