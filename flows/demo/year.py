"""The main job on embedded defaults: a simulated year of daily flow runs with simulated people.

Simulated assessors and managers record reviews as real ones would: most on time, some late,
a few not at all (those escalate). Mail goes to a local SMTP sink that keeps it under var/mail/.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from definitions.errors import Misconfigured
from definitions.organisation import Organisation
from definitions.settings import Settings, load_configured_organisation
from flows.demo.people import (
    SimulatedPeople,
    attend_refreshers,
    book_review_meetings,
    do_required_training,
    find_leave_taker,
    keep_supervision,
    record_cpd_through_the_year,
    record_due_decisions,
)
from flows.demo.summary import summary
from notifications.sink import SmtpSink
from storage.db import make_engine, upgrade
from storage.history import record_event
from storage.models import Event, Worker
from tasks.programmes.enrolment import enrolled_text
from tasks.programmes.leave import record_leave
from tasks.roster.roster_import import import_roster
from tasks.runtime import dispose_runtimes
from tasks.supervision.record import import_supervision_log
from tasks.training.completions import import_completions
from tasks.training.sessions import import_sessions

DEMO_MARK = "demo.started"


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


def _set_environment(values: dict[str, str | None]) -> None:
    """Set each variable, removing those whose value is None."""
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@contextmanager
def _environment(values: dict[str, str | None]) -> Iterator[None]:
    """Set (or, for None, remove) these variables while the simulation runs, and put back
    what was there: a demo run inside a longer process leaves its environment as it was."""
    before = {key: os.environ.get(key) for key in values}
    try:
        _set_environment(values)
        yield
    finally:
        _set_environment(before)


def _missing_files(folder: Path, organisation: Organisation) -> str | None:
    """The demo simulates the people in the organisation's roster.csv, with completions.csv
    and sessions.csv when it runs training; say which file is missing and what it holds."""
    needed = {"roster.csv": "the people to simulate (the columns of `ladder import workers`)"}
    if organisation.training is not None:
        needed["completions.csv"] = "past training (the columns of `ladder import completions`)"
        needed["sessions.csv"] = "refresher sessions (the columns of `ladder import sessions`)"
    for name, holds in needed.items():
        if not (folder / name).is_file():
            return (
                f"{folder / name}: file not found; the demo reads {holds} from the "
                "organisation's folder; add it (see docs/organisations.md)"
            )
    return None


def _imported(  # type: ignore[no-untyped-def]
    engine, organisation: Organisation, folder: Path, first_day: date, days: int, seed: int
) -> str:
    """Import the organisation's people, past training and sessions as of the first day, in
    one transaction; the line that says what came in."""
    with Session(engine) as session, session.begin():
        result = import_roster(
            session, organisation, folder / "roster.csv", as_of=first_day, actor="workforce-team"
        )
        record_event(
            session,
            kind=DEMO_MARK,
            actor="demo",
            occurred_on=first_day,
            payload={"days": days, "seed": seed, "organisation": folder.name},
        )
        said = [f"imported {organisation.profile.name}'s roster.csv: {result.rows} workers"]
        if organisation.dated_programmes:
            said.append(enrolled_text(organisation, result.enrolled))
        if organisation.training is not None:
            done = import_completions(
                session,
                organisation,
                folder / "completions.csv",
                actor="workforce-team",
                today=first_day,
            )[1]
            sessions = import_sessions(
                session,
                organisation,
                folder / "sessions.csv",
                actor="workforce-team",
                today=first_day,
            )[1]
            said.append(
                f"{done.completions} past completions ({done.credentials} credentials to keep "
                f"current), {sessions} refresher sessions"
            )
        log = folder / "supervision.csv"
        if organisation.supervision is not None and log.is_file():
            lead = _holder_of(session, organisation.supervision.recorded_by)
            rows, new = import_supervision_log(
                session, organisation, log, actor=lead, today=first_day
            )
            said.append(f"{new} supervision(s) on record")
    return "; ".join(said)


def _holder_of(session: Session, roles: tuple[str, ...]) -> str:
    """The roster id of someone active in one of `roles` (who imports for the team)."""
    found = session.scalar(
        select(Worker.external_id)
        .where(Worker.role.in_(roles), Worker.status == "active")
        .order_by(Worker.id)
    )
    if found is None:
        raise Misconfigured(
            f"the roster has nobody active as {' or '.join(roles)} to import supervision.csv"
        )
    return found


def run_demo(
    settings: Settings, *, first_day: date, days: int, seed: int, reset: bool, console: Console
) -> int:
    dispose_runtimes()  # an engine still open on a previous demo's (deleted) database file
    problem = _reset(settings, reset, console)
    if problem:
        console.print(f"[red]error:[/red] {problem}")
        return 1
    organisation = load_configured_organisation(settings)
    folder = Path(settings.organisation)
    missing = _missing_files(folder, organisation)
    if missing:
        console.print(f"[red]error:[/red] {missing}")
        return 1
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    console.print(_imported(engine, organisation, folder, first_day, days, seed))

    with (
        SmtpSink(settings.mail_dir) as sink,
        _environment(
            {
                "LADDER_SMTP_HOST": "127.0.0.1",
                "LADDER_SMTP_PORT": str(sink.port),
                "LADDER_SMTP_SECURITY": "none",
                "LADDER_DATABASE_URL": settings.database_url,
                # The flows read the organisation from the environment, as a deployment does.
                "LADDER_ORGANISATION": str(folder),
                # The demo signs its certificates with its own key, kept under var/keys/.
                "LADDER_SIGNING_KEY": str(_demo_key(settings)),
                # The demo's certificates name the local verification page on purpose.
                "LADDER_ALLOW_LOCAL_VERIFY_URL": "true",
                "LADDER_SMTP_USER": None,
                "LADDER_SMTP_PASSWORD": None,
            }
        ),
    ):
        people = SimulatedPeople(random.Random(seed))
        try:
            asyncio.run(_simulate(engine, organisation, people, first_day, days, console, settings))
        except Exception as exc:  # a failed flow run: say what failed, not a traceback
            if os.environ.get("LADDER_DEBUG"):
                raise
            console.print(f"[red]the simulation stopped:[/red] {exc}")
            return 1
        received = len(sink.received)
    summary(
        engine,
        organisation,
        people,
        first_day + timedelta(days=days - 1),
        received,
        first_day,
        settings,
        console,
    )
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
    from flows.demo.panels import run_script, script_applies

    sender = settings.sender_address or organisation.profile.sender_address
    scripted_panels = script_applies(engine, organisation)

    leave_taker = find_leave_taker(engine)
    people.lapsed_supervision = _lapsing(engine, organisation)
    # The same worker falls short on CPD: one person the team must chase on two fronts.
    people.cpd_short = people.lapsed_supervision
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
            attend_refreshers(engine, organisation, people, today)
            do_required_training(engine, organisation, people, today, first_day)
            keep_supervision(engine, organisation, people, today, first_day)
            record_cpd_through_the_year(engine, organisation, people, today, first_day)
            book_review_meetings(engine, organisation, people, today)
            record_due_decisions(engine, organisation, people, today)
            if scripted_panels:
                people.panel_skipped += run_script(
                    engine, organisation, today, settings.data_dir, sender
                )
            await daily(as_of=today)
            if today.day == 1 or offset == days - 1:  # the certificate batch, monthly here
                await asyncio.to_thread(_issue_certificates, today)
            progress.advance(bar)


def _lapsing(engine, organisation: Organisation) -> str | None:  # type: ignore[no-untyped-def]
    """The one worker whose supervision the simulation lets lapse: the third worker a
    schedule covers beyond the ASYE, the managers and the practice educators."""
    if organisation.supervision is None:
        return None
    with Session(engine) as session:
        return session.scalar(
            select(Worker.external_id)
            .where(
                Worker.role.in_(organisation.supervision.roles),
                Worker.role.not_in(organisation.asye.eligible_roles if organisation.asye else ()),
                Worker.status == "active",
            )
            .order_by(Worker.id)
            .offset(12)
        )


def _demo_key(settings: Settings) -> Path:
    from notifications.signing import create_key

    path = settings.data_dir / "keys" / "demo-signing-key.pem"
    return path if path.exists() else create_key(path)


def _issue_certificates(today: date) -> None:
    from flows.certificates import certificate_batch

    certificate_batch(as_of=today)
