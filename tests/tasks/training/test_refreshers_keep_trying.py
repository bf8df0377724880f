"""Refreshers that keep trying: a worker whose credential ran out is booked on the nearest
session with space; an early renewal frees the place and says so; a worker with no session
is listed for the workforce team."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from training_world import completions, run_import, sessions_file

from storage.models import Booking, OutboxMessage, Worker
from tasks.training.refreshers import book_refreshers
from tasks.training.sessions import import_sessions

pytestmark = pytest.mark.integration

SENDER = "workforce@sample-borough.example"


def sessions(engine, organisation, tmp_path: Path, rows) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session, session.begin():
        import_sessions(
            session,
            organisation,
            sessions_file(tmp_path / "s.csv", rows),
            actor="test",
            today=date(2026, 1, 5),
        )


def book(engine, organisation, as_of: date):  # type: ignore[no-untyped-def]
    with Session(engine) as session, session.begin():
        return book_refreshers(session, organisation, as_of=as_of, sender_address=SENDER)


def bookings(engine, worker: str) -> list[tuple[str, date]]:  # type: ignore[no-untyped-def]
    from storage.models import TrainingSession

    with Session(engine) as session:
        return [
            (status, held)
            for status, held in session.execute(
                select(Booking.status, TrainingSession.held_on)
                .join(TrainingSession, TrainingSession.id == Booking.session_id)
                .join(Worker, Worker.id == Booking.worker_id)
                .where(Worker.external_id == worker)
                .order_by(Booking.id)
            ).all()
        ]


def mail(engine, subject_start: str) -> OutboxMessage:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        (found,) = session.scalars(
            select(OutboxMessage).where(OutboxMessage.subject.startswith(subject_start))
        ).all()
        session.expunge(found)
        return found


@pytest.mark.usefixtures("staffed")
def test_a_lapsed_worker_is_booked_on_the_nearest_session_with_space(
    engine, organisation, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # Jade Kaur (W0036, South): first aid from 10 January 2023 ran out on Saturday 10
    # January 2026 (the renewal was due Friday 9th).
    run_import(
        engine,
        organisation,
        completions(tmp_path / "fa.csv", [("W0036", "first_aid", "2023-01-10")]),
        today=date(2026, 1, 5),
    )
    sessions(
        engine,
        organisation,
        tmp_path,
        [("first_aid", "2026-02-20", "09:00", "360", "South Hub", "South", "4")],
    )
    result = book(engine, organisation, date(2026, 2, 2))
    assert result.booked == 1 and result.without_session == ()
    assert bookings(engine, "W0036") == [("booked", date(2026, 2, 20))]
    booked = mail(engine, "Booked: First aid at work")
    assert "Your First aid at work ran out on Friday 9 January 2026" in booked.body_text
    assert booked.ics and "METHOD:REQUEST" in booked.ics


@pytest.mark.usefixtures("staffed")
def test_a_renewal_before_the_session_frees_the_place_and_tells_the_worker(
    engine, organisation, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    run_import(
        engine,
        organisation,
        completions(
            tmp_path / "fa.csv",
            [("W0035", "first_aid", "2023-05-05"), ("W0036", "first_aid", "2023-05-06")],
        ),
    )
    # One place, in the North (W0035's district), on 1 April 2026.
    sessions(
        engine,
        organisation,
        tmp_path,
        [("first_aid", "2026-04-01", "09:30", "360", "North Hub", "North", "1")],
    )
    book(engine, organisation, date(2026, 2, 6))
    assert bookings(engine, "W0035") == [("booked", date(2026, 4, 1))]
    assert bookings(engine, "W0036") == [("waitlisted", date(2026, 4, 1))]
    # W0035 renews elsewhere on 2 March; the next day their place goes to W0036.
    run_import(
        engine,
        organisation,
        completions(tmp_path / "renewed.csv", [("W0035", "first_aid", "2026-03-02")]),
        today=date(2026, 3, 2),
    )
    result = book(engine, organisation, date(2026, 3, 3))
    assert result.released == 1
    assert bookings(engine, "W0035") == [("released", date(2026, 4, 1))]
    assert bookings(engine, "W0036") == [("booked", date(2026, 4, 1))]
    released = mail(engine, "Place released: First aid at work")
    assert released.to_address == "idris.mensah@sample-borough.example"
    assert "has been renewed, so you no longer need your place" in released.body_text
    assert released.ics and "METHOD:CANCEL" in released.ics
    # Run again: nothing released or mailed twice.
    assert book(engine, organisation, date(2026, 3, 3)).released == 0


@pytest.mark.usefixtures("staffed")
def test_a_worker_with_no_session_is_listed_for_the_team(
    engine, organisation, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    run_import(
        engine,
        organisation,
        completions(tmp_path / "fa.csv", [("W0037", "first_aid", "2023-05-07")]),
    )
    result = book(engine, organisation, date(2026, 2, 6))
    assert result.without_session == (("W0037", "first_aid", date(2026, 5, 7)),)
    assert result.no_session == 1
    book(engine, organisation, date(2026, 2, 9))  # again: nobody is told twice
    from storage.models import Notice
    from tasks.reminders.compose import compose_recipients

    with Session(engine) as session:
        told = session.execute(
            select(Worker.external_id, Notice.step, Notice.mode)
            .join(Worker, Worker.id == Notice.recipient_id)
            .order_by(Worker.external_id)
        ).all()
    # decided_by.policy's roles: the workforce lead and the head of service, in their digest.
    assert [tuple(t) for t in told] == [
        ("W0001", "no_session", "digest"),
        ("W0002", "no_session", "digest"),
    ]
    with Session(engine) as session, session.begin():
        lead = session.scalar(select(Worker.id).where(Worker.external_id == "W0001"))
        assert lead is not None
        compose_recipients(session, organisation, date(2026, 2, 9), (lead, lead), SENDER)
    digest = mail(engine, "Your digest")
    assert digest.to_address == "amara.okafor@sample-borough.example"
    assert "First aid at work renewal" in digest.body_text
    assert "no session has a place before it runs out" in digest.body_text
