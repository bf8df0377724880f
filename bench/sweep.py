"""Benchmark: roster import and one day's reminder sweep at growing workforce sizes.

Reports, for each size, the set-based sweep Ladder runs (decide every notice in a few
statements per chunk, then compose each person's day into direct mails and one digest)
against a baseline in the same run that does what a naive implementation does: look up each
due obligation's people with one query per obligation, and render and insert one message per
item and person, each on its own. Both decide the same notices; the figures show the time,
the statements and the mails each makes of them.

    .venv/bin/python bench/sweep.py                     # sizes 1000 and 10000 NQSWs, SQLite
    .venv/bin/python bench/sweep.py --sizes 500,5000 --database-url postgresql+psycopg://...

Without --database-url each size gets a fresh SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from definitions.clock import DateWindow  # noqa: E402
from definitions.items import DueItem, Person  # noqa: E402
from definitions.loader import load_organisation  # noqa: E402
from definitions.roster import REQUIRED_COLUMNS  # noqa: E402
from notifications import compose  # noqa: E402
from notifications.message import message_id_for  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.links import Links  # noqa: E402
from storage.models import Obligation, OutboxMessage, Worker  # noqa: E402
from storage.notices import pending_recipient_chunks  # noqa: E402
from storage.obligations import open_id_chunks, people_with_roles  # noqa: E402
from tasks.reminders.compose import compose_recipients  # noqa: E402
from tasks.reminders.notices import decide_notices, notice_rows  # noqa: E402
from tasks.reminders.sweep import due_range  # noqa: E402
from tasks.roster.roster_import import import_roster  # noqa: E402

AS_OF = date(2026, 3, 27)
WINDOW = DateWindow(date(2026, 3, 20), AS_OF)  # an eight-day catch-up: the heaviest case


def write_roster(path: Path, nqsws: int) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REQUIRED_COLUMNS)
        writer.writerow(
            [
                "L1",
                "Lee Lead",
                "lead@example.org",
                "workforce_lead",
                "adults",
                "wd",
                "",
                "2015-01-01",
                "",
                "active",
            ]
        )
        managers = max(1, nqsws // 8)
        for m in range(managers):
            writer.writerow(
                [
                    f"M{m}",
                    f"Manager {m}",
                    f"m{m}@example.org",
                    "team_manager",
                    "adults",
                    f"team-{m}",
                    "L1",
                    "2016-01-01",
                    "",
                    "active",
                ]
            )
        for i in range(nqsws):
            start = date(2026, 1, 1) + timedelta(days=i % 60)
            writer.writerow(
                [
                    f"N{i}",
                    f"Newly {i}",
                    f"n{i}@example.org",
                    "nqsw",
                    "adults",
                    f"team-{i % managers}",
                    f"M{i % managers}",
                    start.isoformat(),
                    "East",
                    "active",
                ]
            )


class StatementCounter:
    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args) -> None:  # type: ignore[no-untyped-def]
        self.count += 1


def set_based_sweep(engine, organisation, chunk_size: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """What the daily flow's tasks do, without Prefect: (notices decided, mails queued)."""
    due_from, due_to = due_range(organisation, WINDOW)
    with Session(engine) as session:
        chunks = open_id_chunks(session, due_from=due_from, due_to=due_to, size=chunk_size)
    noticed = queued = 0
    for chunk in chunks:
        with Session(engine) as session, session.begin():
            noticed += decide_notices(session, organisation, WINDOW, AS_OF, chunk)[1]
    with Session(engine) as session:
        recipients = pending_recipient_chunks(session, day=AS_OF, size=chunk_size)
    # The assessors' and managers' mail carries their signed links, as in the daily run.
    links = Links(secrets.token_bytes(32), "https://ladder.example.org")
    for part in recipients:
        with Session(engine) as session, session.begin():
            queued += compose_recipients(session, organisation, AS_OF, part, SENDER, links)[1]
    return noticed, queued


SENDER = "workforce@example.org"


def per_row_sweep(engine, organisation) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The baseline: one query per obligation, one rendered mail per item and person, each
    inserted on its own (no digests, no cap)."""
    due_from, due_to = due_range(organisation, WINDOW)
    queued = 0
    with Session(engine) as session, session.begin():
        ids = session.scalars(
            select(Obligation.id).where(
                Obligation.status == "open", Obligation.due_date.between(due_from, due_to)
            )
        ).all()
        leads = people_with_roles(session, roles=organisation.reminded_roles)
        for obligation_id in ids:
            o = session.get(Obligation, obligation_id)
            subject = session.get(Worker, o.subject_id)
            manager = session.get(Worker, subject.manager_id) if subject.manager_id else None
            as_person = lambda w: w and Person(w.id, w.external_id, w.name, w.email)  # noqa: E731
            item = DueItem(
                o.id,
                o.kind,
                o.milestone,
                o.title,
                o.due_date,
                o.reminder_policy,
                o.responsible_role,
                o.rule,
                as_person(subject),
                as_person(manager),
                as_person(manager),
            )
            holders = (p for found in leads.values() for p in found)
            people = {p.id: p for p in (item.subject, item.manager, *holders) if p}
            for row in notice_rows([item], organisation, WINDOW, AS_OF, leads):
                person = people[row["recipient_id"]]
                message = compose.reminder(
                    item,
                    role=row["recipient_role"],
                    person=person,
                    escalation=row["escalation"],
                    as_of=AS_OF,
                    voice=organisation.voice,
                )
                session.add(
                    OutboxMessage(
                        dedup_key=row["dedup_key"],
                        message_id=message_id_for(row["dedup_key"], SENDER),
                        kind=o.milestone,
                        step=row["step"],
                        obligation_id=o.id,
                        recipient_id=person.id,
                        recipient_role=row["recipient_role"],
                        to_address=person.email,
                        subject=message.subject,
                        body_text=message.text,
                        body_html=message.html,
                        send_on=AS_OF,
                        status="queued",
                        attempts=0,
                    )
                )
                session.flush()
                queued += 1
    return queued, queued


def fresh_database(url: str | None, folder: Path, name: str) -> str:
    if url is None:
        return f"sqlite:///{folder / name}.sqlite"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="NQSW counts, comma separated")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL URL whose public schema may be dropped (default: SQLite)",
    )
    parser.add_argument("--chunk-size", type=int, default=2000)
    args = parser.parse_args()
    organisation = load_organisation()
    print(
        f"{'NQSWs':>7} {'import s':>9} {'rows/s':>8} | {'sweep s':>8} {'stmts':>6} "
        f"{'notices':>7} {'mails':>6} | {'baseline s':>10} {'stmts':>6} {'mails':>6} | "
        f"{'speed-up':>8} {'stmts ratio':>11}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for size in (int(s) for s in args.sizes.split(",")):
            roster = folder / f"roster-{size}.csv"
            write_roster(roster, size)
            results = {}
            for mode in ("set", "row"):
                url = fresh_database(args.database_url, folder, f"{mode}-{size}")
                upgrade(url)
                engine = make_engine(url)
                started = time.perf_counter()
                with Session(engine) as session, session.begin():
                    import_roster(
                        session, organisation, roster, as_of=date(2026, 3, 1), actor="bench"
                    )
                imported = time.perf_counter() - started
                counter = StatementCounter(engine)
                started = time.perf_counter()
                queued = (
                    set_based_sweep(engine, organisation, args.chunk_size)
                    if mode == "set"
                    else per_row_sweep(engine, organisation)
                )
                results[mode] = (time.perf_counter() - started, counter.count, queued, imported)
                engine.dispose()
            (s_time, s_stmts, (s_notices, s_mails), imp) = results["set"]
            (r_time, r_stmts, (r_notices, r_mails), _) = results["row"]
            assert s_notices == r_notices, f"baseline decided {r_notices}, set-based {s_notices}"
            rows = size + size // 8 + 1
            print(
                f"{size:>7} {imp:>9.2f} {rows / imp:>8.0f} | {s_time:>8.3f} {s_stmts:>6} "
                f"{s_notices:>7} {s_mails:>6} | {r_time:>10.3f} {r_stmts:>6} {r_mails:>6} | "
                f"{r_time / s_time:>7.1f}x {r_stmts / s_stmts:>10.0f}x"
            )
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"({backend}; one day's sweep over the catch-up window {WINDOW}, {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
