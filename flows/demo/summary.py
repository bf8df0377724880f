"""The table the demo ends with: what a simulated year sent, booked, issued and decided."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from definitions.loader import SAMPLE_ORGANISATION
from definitions.organisation import Organisation
from definitions.settings import Settings
from flows.demo.people import SimulatedPeople
from storage.models import (
    Award,
    Booking,
    Candidacy,
    Certificate,
    Enrolment,
    Event,
    Notice,
    Obligation,
    OutboxMessage,
    Worker,
)


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


def _programme_counts(engine, organisation: Organisation) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """For each dated programme besides the ASYE year (an induction, a probation): who was
    enrolled, how many of its milestones closed (by training or an outcome), how many
    enrolments finished."""
    rows: list[tuple[str, str]] = []
    with Session(engine) as session:
        for programme in organisation.programmes:
            enrolled = session.execute(
                select(Worker.external_id, Enrolment.status)
                .join(Enrolment, Enrolment.worker_id == Worker.id)
                .where(Enrolment.programme == programme.key)
                .order_by(Worker.external_id)
            ).all()
            items = Counter(
                session.scalars(
                    select(Obligation.status).where(Obligation.kind.like(f"{programme.key}.%"))
                )
            )
            ids = ", ".join(w for w, _ in enrolled)
            rows += [
                (f"{programme.title}: new starters enrolled ({ids})", str(len(enrolled))),
                (f"{programme.title}: milestones done", str(items["done"])),
                (f"{programme.title}: milestones still open", str(items["open"])),
                (
                    f"{programme.title}: finished",
                    str(sum(1 for _, status in enrolled if status == "completed")),
                ),
            ]
    return rows


def summary(
    engine,
    organisation: Organisation,
    people: SimulatedPeople,
    last_day: date,
    received: int,  # type: ignore[no-untyped-def]
    first_day: date,
    settings: Settings,
    console: Console,
) -> None:
    with Session(engine) as session:
        sent = session.execute(
            select(OutboxMessage.channel, OutboxMessage.step).where(OutboxMessage.status == "sent")
        ).all()
        bookings = dict(
            session.execute(select(Booking.status, func.count()).group_by(Booking.status))
            .tuples()
            .all()
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
        caught_up = session.scalar(
            select(func.count(func.distinct(Notice.obligation_id))).where(Notice.step == "catch_up")
        )
        # Required training the first day's imports did not already show as done.
        required = session.scalar(
            select(func.count())
            .select_from(Obligation)
            .where(
                Obligation.kind == "training.required",
                (Obligation.status == "open")
                | ((Obligation.status == "done") & (Obligation.closed_on > first_day)),
            )
        )
        supervision_overdue = session.scalars(
            select(Worker.external_id)
            .join(Obligation, Obligation.subject_id == Worker.id)
            .where(
                Obligation.kind == "supervision",
                Obligation.status == "open",
                Obligation.due_date < last_day,
            )
            .order_by(Worker.external_id)
        ).all()
        cpd_open = session.scalars(
            select(Worker.external_id)
            .join(Obligation, Obligation.subject_id == Worker.id)
            .where(
                Obligation.kind == "registration.cpd",
                Obligation.status == "open",
                Obligation.due_date < last_day,
            )
            .order_by(Worker.external_id)
        ).all()
        cpd_met = session.scalar(
            select(func.count())
            .select_from(Obligation)
            .where(Obligation.kind == "registration.cpd", Obligation.status == "done")
        )
        # The worker with the most items makes the best example for `ladder explain`.
        example = session.scalar(
            select(Worker.external_id)
            .join(Obligation, Obligation.subject_id == Worker.id)
            .group_by(Worker.id, Worker.external_id)
            .order_by(func.count().desc(), Worker.external_id)
            .limit(1)
        )
    by_step = Counter(step for channel, step in sent if channel == "direct")
    channels = Counter(channel for channel, _ in sent)
    table = Table(title=f"Simulated days to {last_day}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for step, n in sorted(by_step.items()):
        table.add_row(f"direct reminders sent, step {step}", str(n))
    table.add_row(
        "daily digests sent (the people each worker's items reach)", str(channels["digest"])
    )
    table.add_row("reminders carried in those digests", str(folded or 0))
    if organisation.asye is not None:
        table.add_row("review meetings booked by simulated assessors", str(people.meetings))
    table.add_row(
        "calendar invites sent (.ics, meetings and refresher bookings)", str(channels["invite"])
    )
    if organisation.training is not None:
        table.add_row("refresher places booked", str(bookings.get("booked", 0)))
        table.add_row("refresher waiting-list places", str(bookings.get("waitlisted", 0)))
        table.add_row("credentials renewed at a refresher", str(people.refreshed))
        table.add_row("required training found never done (items)", str(required or 0))
        table.add_row("required training done after a reminder", str(people.required_done))
    table.add_row(
        "go-live backlog: items already overdue, caught up once in a digest", str(caught_up or 0)
    )
    if organisation.supervision is not None:
        table.add_row("supervisions held and recorded", str(people.supervised))
        table.add_row("supervisions held after their due date", str(people.supervised_late))
        table.add_row(
            "supervision overdue at the end"
            + (f" ({', '.join(supervision_overdue)})" if supervision_overdue else ""),
            str(len(supervision_overdue)),
        )
    if organisation.registration is not None:
        table.add_row("CPD records made", str(people.cpd_recorded))
        table.add_row("CPD rule met for the renewal (items closed)", str(cpd_met or 0))
        table.add_row(
            "CPD short at the renewal deadline" + (f" ({', '.join(cpd_open)})" if cpd_open else ""),
            str(len(cpd_open)),
        )
    for label, count in _programme_counts(engine, organisation):
        table.add_row(label, count)
    table.add_row("certificates issued (PDF + signed credential, mailed)", str(issued))
    table.add_row("awards still waiting for a certificate", str(waiting))
    if organisation.panels is not None:
        for label, n in _panel_counts(engine):
            table.add_row(label, str(n))
    if people.panel_skipped:
        table.add_row(
            "progression steps that did not fit these dates", str(len(people.panel_skipped))
        )
    table.add_row("messages received by the SMTP sink", str(received))
    for key, n in sorted(people.recorded.items()):
        table.add_row(f"recorded {key}", str(n))
    if organisation.asye is not None:
        table.add_row("recorded after the due date", str(people.late))
    for milestone, n in sorted(overdue.items()):
        table.add_row(f"overdue at the end: {milestone}", str(n))
    table.add_row("messages not delivered", str(undelivered))
    console.print(table)
    console.print(f"mail: {settings.mail_dir.resolve()}/ (one .eml per message)")
    # Commands on this data need the same organisation the demo ran.
    ladder = ".venv/bin/ladder"
    if Path(settings.organisation).resolve() != SAMPLE_ORGANISATION.resolve():
        ladder = f"LADDER_ORGANISATION={settings.organisation} {ladder}"
    console.print(
        f"data: {make_url(settings.database_url).database}; try "
        f"`{ladder} explain {example or 'WORKER-ID'}` or `{ladder} mail status`",
        soft_wrap=True,
    )
    key_path = settings.data_dir / "keys" / "demo-signing-key.pem"
    console.print(
        f"certificates: {settings.certificate_dir}/; check one with "
        f"`LADDER_SIGNING_KEY={key_path} .venv/bin/ladder certificates verify "
        f"{settings.certificate_dir}/FILE.pdf`",
        soft_wrap=True,
    )
