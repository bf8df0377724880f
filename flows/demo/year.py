"""The main job on embedded defaults: a simulated year of daily flow runs with simulated people.

Simulated assessors and managers record reviews as real ones would: most on time, some late,
a few not at all (those escalate). Mail goes to a local SMTP sink that keeps it under var/mail/.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from definitions.loader import SAMPLE_ORGANISATION
from definitions.settings import Settings, load_configured_organisation
from notifications.sink import SmtpSink
from storage.db import make_engine, upgrade
from storage.history import record_event
from storage.models import (
    Award,
    Booking,
    Candidacy,
    Certificate,
    Enrolment,
    Event,
    Meeting,
    Notice,
    Obligation,
    OutboxMessage,
    TrainingSession,
    Worker,
)
from tasks.asye import DecisionError, book_meeting, record_leave, record_outcome
from tasks.roster import import_roster
from tasks.runtime import dispose_runtimes
from tasks.training import import_completions, import_sessions, record_completions

DEMO_MARK = "demo.started"
OUTCOMES = {
    "review": (("on_track", 0.75), ("concerns", 0.2), ("not_on_track", 0.05)),
    "recommendation": (("pass", 0.85), ("extend", 0.1), ("fail", 0.05)),
    "report": (("submitted", 1.0),),
}


@dataclass
class SimulatedPeople:
    """Decides, with a fixed seed, when each review is recorded and with what outcome."""

    rng: random.Random
    plan: dict[int, date | None] = field(default_factory=dict)
    recorded: Counter[str] = field(default_factory=Counter)
    late: int = 0
    meetings: int = 0
    refreshed: int = 0
    panel_skipped: list[str] = field(default_factory=list)

    def when(self, obligation: Obligation, today: date) -> date | None:
        if obligation.id not in self.plan:
            roll = self.rng.random()
            if roll < 0.6:  # on time, within the week before it is due
                day = obligation.due_date - timedelta(days=self.rng.randint(0, 7))
            elif roll < 0.92:  # late
                day = obligation.due_date + timedelta(days=self.rng.randint(2, 25))
            else:  # forgotten: stays overdue and escalates
                day = None
            self.plan[obligation.id] = max(day, today) if day else None
        return self.plan[obligation.id]

    def outcome(self, kind: str) -> str:
        names, weights = zip(*OUTCOMES[kind], strict=True)
        return self.rng.choices(names, weights)[0]


def _reset(settings: Settings, reset: bool, console: Console) -> str | None:
    """Start from an empty embedded database; refuse to wipe data the demo did not make."""
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return (
            "the demo runs on the embedded SQLite database; unset LADDER_DATABASE_URL "
            f"(it points at {url.render_as_string(hide_password=True)})"
        )
    path = Path(url.database)
    if path.exists() and not reset:
        engine = make_engine(settings.database_url)
        try:
            made_by_demo = "events" in inspect(engine).get_table_names() and (
                Session(engine).scalar(select(Event.id).where(Event.kind == DEMO_MARK)) is not None
            )
        finally:
            engine.dispose()
        if not made_by_demo:
            return (
                f"{path} holds data the demo did not make; move it away, or run "
                "`ladder demo --reset` to replace it"
            )
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(settings.mail_dir, ignore_errors=True)
    shutil.rmtree(settings.certificate_dir, ignore_errors=True)
    console.print(f"fresh demo database {path} and mail folder {settings.mail_dir}/")
    return None


def run_demo(
    settings: Settings, *, first_day: date, days: int, seed: int, reset: bool, console: Console
) -> int:
    dispose_runtimes()  # an engine still open on a previous demo's (deleted) database file
    problem = _reset(settings, reset, console)
    if problem:
        console.print(f"[red]error:[/red] {problem}")
        return 1
    upgrade(settings.database_url)
    organisation = load_configured_organisation(settings)
    engine = make_engine(settings.database_url)
    roster = SAMPLE_ORGANISATION / "roster.csv"
    with Session(engine) as session, session.begin():
        result = import_roster(
            session, organisation, roster, as_of=first_day, actor="workforce-team"
        )
        record_event(
            session,
            kind=DEMO_MARK,
            actor="demo",
            occurred_on=first_day,
            payload={"days": days, "seed": seed},
        )
        done = import_completions(
            session,
            organisation,
            SAMPLE_ORGANISATION / "completions.csv",
            actor="workforce-team",
            today=first_day,
        )[1]
        sessions = import_sessions(
            session,
            organisation,
            SAMPLE_ORGANISATION / "sessions.csv",
            actor="workforce-team",
            today=first_day,
        )[1]
    console.print(
        f"imported {roster.name}: {result.rows} workers, "
        f"{len(result.enrolled)} NQSWs enrolled in ASYE; {done.completions} past completions "
        f"({done.credentials} credentials to keep current), {sessions} refresher sessions"
    )

    with SmtpSink(settings.mail_dir) as sink:
        os.environ.update(
            {
                "LADDER_SMTP_HOST": "127.0.0.1",
                "LADDER_SMTP_PORT": str(sink.port),
                "LADDER_SMTP_SECURITY": "none",
                "LADDER_DATABASE_URL": settings.database_url,
                # The demo signs its certificates with its own key, kept under var/keys/.
                "LADDER_SIGNING_KEY": str(_demo_key(settings)),
            }
        )
        os.environ.pop("LADDER_SMTP_USER", None)
        os.environ.pop("LADDER_SMTP_PASSWORD", None)
        people = SimulatedPeople(random.Random(seed))
        try:
            asyncio.run(_simulate(engine, organisation, people, first_day, days, console, settings))
        except Exception as exc:  # a failed flow run: say what failed, not a traceback
            if os.environ.get("LADDER_DEBUG"):
                raise
            console.print(f"[red]the simulation stopped:[/red] {exc}")
            return 1
        received = len(sink.received)
    _summary(engine, people, first_day + timedelta(days=days - 1), received, settings, console)
    engine.dispose()
    dispose_runtimes()
    return 0


async def _simulate(
    engine,
    organisation,
    people: SimulatedPeople,
    first_day: date,  # type: ignore[no-untyped-def]
    days: int,
    console: Console,
    settings: Settings,
) -> None:
    from flows.daily import daily
    from flows.demo.panels import run_script

    sender = settings.sender_address or organisation.profile.sender_address

    leave_taker = _leave_taker(engine)
    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        bar = progress.add_task("", total=days)
        for offset in range(days):
            today = first_day + timedelta(days=offset)
            progress.update(bar, description=today.isoformat())
            if leave_taker and offset == 130:
                with Session(engine) as session, session.begin():
                    record_leave(
                        session,
                        organisation,
                        worker=leave_taker[0],
                        start=today,
                        end=today + timedelta(days=39),
                        reason="sickness absence",
                        actor=leave_taker[1],
                        today=today,
                    )
            _attend_refreshers(engine, organisation, people, today)
            _book_review_meetings(engine, organisation, people, today)
            _record_due_decisions(engine, organisation, people, today)
            people.panel_skipped += run_script(
                engine, organisation, today, settings.data_dir, sender
            )
            await daily(as_of=today)
            if today.day == 1 or offset == days - 1:  # the certificate batch, monthly here
                await asyncio.to_thread(_issue_certificates, today)
            progress.advance(bar)


def _panel_counts(engine) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        events = Counter(
            session.scalars(select(Event.kind).where(Event.kind.like("panel.%"))).all()
        )
        outcomes = Counter(
            session.scalars(select(Candidacy.outcome).where(Candidacy.outcome.is_not(None)))
        )
        packs = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "panel_pack")
        )
        outcomes_mailed = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "panel_outcome")
        )
    return [
        (
            "progression nominations (and resubmissions)",
            events["panel.nominated"] + events["panel.resubmitted"],
        ),
        ("evidence items recorded for panels", events["panel.evidence_recorded"]),
        ("evidence packs complete and locked at the deadline", events["panel.pack_locked"]),
        ("evidence packs moved to a later panel (incomplete)", events["panel.rolled_over"]),
        ("panel packs mailed to members (PDF)", packs or 0),
        ("outcome reports mailed to worker and manager (PDF)", outcomes_mailed or 0),
        ("panel decisions: progress", outcomes["progress"]),
        ("panel decisions: defer, with an action plan", outcomes["defer"]),
        ("slotted into a senior social worker post", events["panel.slotted"]),
        ("outcome reports signed", events["panel.outcome_signed"]),
    ]


def _demo_key(settings: Settings) -> Path:
    from notifications.signing import create_key

    path = settings.data_dir / "keys" / "demo-signing-key.pem"
    return path if path.exists() else create_key(path)


def _issue_certificates(today: date) -> None:
    from flows.certificates import certificate_batch

    certificate_batch(as_of=today)


def _leave_taker(engine) -> tuple[str, str] | None:  # type: ignore[no-untyped-def]
    """One NQSW takes six weeks of sick leave in the spring, so their year is paused."""
    with Session(engine) as session:
        row = session.execute(
            select(Worker.external_id, Worker.manager_id)
            .join(Enrolment, Enrolment.worker_id == Worker.id)
            .order_by(Worker.id)
            .offset(5)
        ).first()
        if row is None:
            return None
        manager = session.get(Worker, row.manager_id)
        return (row.external_id, manager.external_id) if manager else None


def _attend_refreshers(
    engine,
    organisation,
    people: SimulatedPeople,  # type: ignore[no-untyped-def]
    today: date,
) -> None:
    """Booked workers go to their refresher (nine in ten do); the workforce team records the
    attendance the same day, which renews the credential."""
    with Session(engine) as session:
        attending = session.execute(
            select(Booking.worker_id, TrainingSession.module)
            .join(TrainingSession, TrainingSession.id == Booking.session_id)
            .where(Booking.status == "booked", TrainingSession.held_on == today)
            .order_by(Booking.id)
        ).all()
    rows = [
        dict(
            worker_id=worker_id,
            module=module,
            completed_on=today,
            source="import",
            source_ref=f"attendance:{today}",
        )
        for worker_id, module in attending
        if people.rng.random() < 0.9
    ]
    if rows:
        with Session(engine) as session, session.begin():
            result = record_completions(
                session, organisation, rows=rows, actor="workforce-team", today=today
            )
        people.refreshed += result.renewed


def _book_review_meetings(
    engine,
    organisation,
    people: SimulatedPeople,  # type: ignore[no-untyped-def]
    today: date,
) -> None:
    """Three weeks ahead, simulated assessors book each review meeting for the day they plan
    to record it, 10:00 at the team's office; the NQSW and assessor get calendar invites."""
    calendar = organisation.working_calendar()
    if not calendar.is_working_day(today):
        return
    zone = ZoneInfo(organisation.profile.calendar.timezone)
    with Session(engine) as session:
        rows = session.execute(
            select(
                Obligation,
                Enrolment.assessor_id,
                Worker.manager_id,
                Worker.external_id,
                Worker.district,
            )
            .join(Enrolment, Obligation.enrolment_id == Enrolment.id)
            .join(Worker, Obligation.subject_id == Worker.id)
            .outerjoin(Meeting, Meeting.obligation_id == Obligation.id)
            .where(
                Obligation.status == "open",
                Obligation.kind == "asye.review",
                Obligation.due_date.between(today + timedelta(days=1), today + timedelta(days=21)),
                Meeting.id.is_(None),
            )
            .order_by(Obligation.due_date, Obligation.id)
        ).all()
        recorders = dict(session.execute(select(Worker.id, Worker.external_id)).all())
    for obligation, assessor_id, manager_id, external_id, district in rows:
        planned = people.when(obligation, today)
        if planned is None or planned <= today:
            continue  # a review nobody will hold gets no meeting either
        day = calendar.previous_working_day(planned)  # itself on a working day
        if day <= today:
            continue
        with Session(engine) as session, session.begin():
            book_meeting(
                session,
                organisation,
                worker=external_id,
                milestone=obligation.milestone,
                starts=datetime.combine(day, time(10, 0), tzinfo=zone),
                minutes=60,
                location=f"Team room, {district or 'Civic Centre'} office",
                actor=recorders[assessor_id or manager_id],
                today=today,
                sender_address=organisation.profile.sender_address,
            )
        people.meetings += 1


def _record_due_decisions(
    engine,
    organisation,
    people: SimulatedPeople,  # type: ignore[no-untyped-def]
    today: date,
) -> None:
    """Simulated assessors record what they planned to record today, each decision as a
    person records it (its own transaction); like real ones, only on working days."""
    if not organisation.working_calendar().is_working_day(today):
        return
    with Session(engine) as session:
        rows = session.execute(
            select(Obligation, Enrolment.assessor_id, Worker.manager_id, Worker.external_id)
            .join(Enrolment, Obligation.enrolment_id == Enrolment.id)
            .join(Worker, Obligation.subject_id == Worker.id)
            .where(Obligation.status == "open", Obligation.due_date <= today + timedelta(days=7))
            .order_by(Obligation.due_date, Obligation.id)
        ).all()
        recorders = dict(session.execute(select(Worker.id, Worker.external_id)).all())
    for obligation, assessor_id, manager_id, external_id in rows:
        planned = people.when(obligation, today)
        if planned is None or planned > today:
            continue
        kind = obligation.kind.split(".", 1)[1]
        outcome = people.outcome(kind)
        try:
            with Session(engine) as session, session.begin():
                result = record_outcome(
                    session,
                    organisation,
                    worker=external_id,
                    milestone=obligation.milestone,
                    outcome=outcome,
                    actor=recorders[assessor_id or manager_id],
                    occurred_on=today,
                    today=today,
                    notes="recorded in the simulation",
                )
        except DecisionError:
            continue  # e.g. recorded on the day the year started: skip, as a person would
        people.recorded[f"{kind}:{outcome}"] += 1
        people.late += result.days_late > 0


def _summary(
    engine,
    people: SimulatedPeople,
    last_day: date,
    received: int,  # type: ignore[no-untyped-def]
    settings: Settings,
    console: Console,
) -> None:
    with Session(engine) as session:
        sent = session.execute(
            select(OutboxMessage.channel, OutboxMessage.step).where(OutboxMessage.status == "sent")
        ).all()
        bookings = dict(
            session.execute(select(Booking.status, func.count()).group_by(Booking.status)).all()
        )
        waiting = session.scalar(
            select(func.count()).select_from(Award).where(Award.status == "waiting")
        )
        issued = session.scalar(select(func.count()).select_from(Certificate))
        folded = session.scalar(
            select(func.count())
            .select_from(Notice)
            .join(OutboxMessage, OutboxMessage.id == Notice.outbox_id)
            .where(OutboxMessage.channel == "digest")
        )
        undelivered = len(
            session.scalars(select(OutboxMessage.id).where(OutboxMessage.status != "sent")).all()
        )
        overdue = Counter(
            session.scalars(
                select(Obligation.milestone).where(
                    Obligation.status == "open", Obligation.due_date < last_day
                )
            )
        )
    by_step = Counter(step for channel, step in sent if channel == "direct")
    channels = Counter(channel for channel, _ in sent)
    table = Table(title=f"Simulated year to {last_day}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for step, n in sorted(by_step.items()):
        table.add_row(f"direct reminders sent, step {step}", str(n))
    table.add_row(
        "daily digests sent (managers, assessors, supervisors, lead)", str(channels["digest"])
    )
    table.add_row("reminders carried in those digests", str(folded or 0))
    table.add_row("review meetings booked by simulated assessors", str(people.meetings))
    table.add_row(
        "calendar invites sent (.ics, meetings and refresher bookings)", str(channels["invite"])
    )
    table.add_row("refresher places booked", str(bookings.get("booked", 0)))
    table.add_row("refresher waiting-list places", str(bookings.get("waitlisted", 0)))
    table.add_row("credentials renewed at a refresher", str(people.refreshed))
    table.add_row("certificates issued (PDF + signed credential, mailed)", str(issued))
    table.add_row("awards still waiting for a certificate", str(waiting))
    for label, n in _panel_counts(engine):
        table.add_row(label, str(n))
    if people.panel_skipped:
        table.add_row(
            "progression steps that did not fit these dates", str(len(people.panel_skipped))
        )
    table.add_row("messages received by the SMTP sink", str(received))
    for key, n in sorted(people.recorded.items()):
        table.add_row(f"recorded {key}", str(n))
    table.add_row("recorded after the due date", str(people.late))
    for milestone, n in sorted(overdue.items()):
        table.add_row(f"overdue at the end: {milestone}", str(n))
    table.add_row("messages not delivered", str(undelivered))
    console.print(table)
    console.print(f"mail: {settings.mail_dir.resolve()}/ (one .eml per message)")
    console.print(
        f"data: {make_url(settings.database_url).database}; try "
        "`.venv/bin/ladder explain W0014` or `.venv/bin/ladder mail status`"
    )
    key = settings.data_dir / "keys" / "demo-signing-key.pem"
    console.print(
        f"certificates: {settings.certificate_dir}/; check one with "
        f"`LADDER_SIGNING_KEY={key} .venv/bin/ladder certificates verify "
        f"{settings.certificate_dir}/FILE.pdf`",
        soft_wrap=True,
    )
