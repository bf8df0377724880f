"""Refresher bookings through the daily flow: nearest first, the waiting list when full,
missed sessions rebooked, and nobody booked or mailed twice."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
import vobject
from organisations import organisation_folder  # noqa: F401  (the sample without duties)
from sqlalchemy import select
from sqlalchemy.orm import Session
from training_world import TODAY, completions, count, run_import, sessions_file

from notifications.sink import SmtpSink
from storage.models import (
    Booking,
)
from tasks.training.sessions import import_sessions

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "staffed")
def test_refreshers_are_booked_nearest_first_waitlisted_when_full_and_reminded(
    tmp_path: Path,
    engine,
    organisation,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    from flows.daily import daily

    # Three care workers (North W0035, South W0036, East W0037) with first aid expiring in
    # May 2026; one place in the North on 18 March, one in Central on 1 April, none else.
    run_import(
        engine,
        organisation,
        completions(
            tmp_path / "fa.csv",
            [
                ("W0035", "first_aid", "2023-05-05"),
                ("W0036", "first_aid", "2023-05-06"),
                ("W0037", "first_aid", "2023-05-07"),
            ],
        ),
    )
    with Session(engine) as session, session.begin():
        import_sessions(
            session,
            organisation,
            sessions_file(
                tmp_path / "s.csv",
                [
                    ("first_aid", "2026-03-18", "09:00", "360", "North Hub", "North", "1"),
                    ("first_aid", "2026-04-01", "09:30", "360", "Civic Centre", "Central", "1"),
                ],
            ),
            actor="test",
            today=TODAY,
        )
    # 90-day windows open 4, 5 and 6 February (expiries 5, 6, 7 May 2026).
    state = asyncio.run(daily(as_of=date(2026, 2, 6), return_state=True))
    assert state.is_completed(), state.message
    with Session(engine) as session:
        placed = session.execute(
            select(Booking.status, Booking.why, Booking.worker_id).order_by(Booking.worker_id)
        ).all()
    assert [(s, why) for s, why, _ in placed] == [
        ("booked", "in their own district"),  # W0035 North, earliest expiry
        ("booked", "nearest district with space (Central, 10 km)"),  # W0036 South
        ("waitlisted", "every session before the expiry is full"),  # W0037 East
    ]
    mails = {
        r.recipients[0]: r.message
        for r in smtp_sink.received
        if str(r.message["Subject"]).startswith(("Booked", "Waiting"))
    }
    assert len(mails) == 3
    booked = mails["idris.mensah@sample-borough.example"]
    assert str(booked["Subject"]) == (
        "Booked: First aid at work, Wednesday 18 March 2026 at 09:00 (GMT)"
    )
    ics = next(p for p in booked.walk() if p.get_content_type() == "text/calendar")
    event = vobject.readOne(ics.get_content()).vevent
    assert event.dtstart.value.isoformat() == "2026-03-18T09:00:00+00:00"
    assert event.location.value == "North Hub (North)"
    waiting = mails["kofi.asante@sample-borough.example"]
    assert str(waiting["Subject"]).startswith("Waiting list: First aid at work")
    assert not any(p.get_content_type() == "text/calendar" for p in waiting.walk())
    # A second run books nobody twice and mails nobody twice.
    before = len(smtp_sink.received)
    asyncio.run(daily(as_of=date(2026, 2, 6)))
    asyncio.run(daily(as_of=date(2026, 2, 9)))
    assert len(smtp_sink.received) == before
    assert count(engine, Booking) == 3


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "staffed")
def test_a_missed_session_is_rebooked_and_a_waiting_list_place_moves_when_space_appears(
    tmp_path: Path,
    engine,
    organisation,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    from flows.daily import daily

    run_import(
        engine,
        organisation,
        completions(
            tmp_path / "fa.csv",
            [
                ("W0035", "first_aid", "2023-05-05"),
                ("W0036", "first_aid", "2023-05-06"),
                ("W0037", "first_aid", "2023-05-07"),
            ],
        ),
    )

    def sessions(name: str, rows: list[tuple[str, ...]]) -> None:
        with Session(engine) as session, session.begin():
            import_sessions(
                session,
                organisation,
                sessions_file(tmp_path / name, rows),
                actor="test",
                today=TODAY,
            )

    def day(when: date) -> None:
        state = asyncio.run(daily(as_of=when, return_state=True))
        assert state.is_completed(), state.message

    def bookings() -> list[tuple[str, int, str]]:
        from storage.models import TrainingSession, Worker

        with Session(engine) as session:
            return [
                (ext, held.day, status)
                for ext, held, status in session.execute(
                    select(Worker.external_id, TrainingSession.held_on, Booking.status)
                    .join(Booking, Booking.worker_id == Worker.id)
                    .join(TrainingSession, TrainingSession.id == Booking.session_id)
                    .order_by(Booking.id)
                )
            ]

    sessions("a.csv", [
        ("first_aid", "2026-03-18", "09:00", "360", "North Hub", "North", "1"),
        ("first_aid", "2026-04-01", "09:30", "360", "Civic Centre", "Central", "1"),
    ])  # fmt: skip
    day(date(2026, 2, 6))
    assert bookings() == [
        ("W0035", 18, "booked"),
        ("W0036", 1, "booked"),
        ("W0037", 1, "waitlisted"),
    ]
    # W0035 does not go on 18 March (no completion comes in); a new session appears in April.
    sessions(
        "b.csv", [("first_aid", "2026-04-15", "09:30", "360", "East Locality Office", "East", "2")]
    )
    day(date(2026, 3, 19))
    assert bookings() == [
        ("W0035", 18, "missed"),
        ("W0036", 1, "booked"),
        ("W0037", 1, "moved"),
        ("W0035", 15, "booked"),  # rebooked: the nearest place left
        ("W0037", 15, "booked"),  # off the waiting list: own district, a place at last
    ]
    subjects = [
        str(r.message["Subject"])
        for r in smtp_sink.received
        if r.recipients == ["kofi.asante@sample-borough.example"]
    ]
    assert [s.split(",")[0] for s in subjects if s.startswith(("Booked", "Waiting"))] == [
        "Waiting list: First aid at work",
        "Booked: First aid at work",
    ]
    day(date(2026, 3, 20))  # nothing changes, nothing is mailed twice
    assert len(bookings()) == 5
