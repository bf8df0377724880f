"""Training records: completions, credentials, awards, sessions and bookings, in sets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, Table, func, select, update
from sqlalchemy.orm import Session

from storage.dialect import in_batches, insert_ignoring_duplicates, insert_new_rows
from storage.models import (
    Award,
    Booking,
    Completion,
    Credential,
    Obligation,
    TrainingSession,
    Worker,
)


def add_completions(session: Session, *, rows: list[dict[str, Any]]) -> list[Any]:
    """Insert completions, skipping ones already recorded; returns the new ones
    (id, worker_id, module, completed_on)."""
    return insert_new_rows(
        session,
        cast(Table, Completion.__table__),
        rows,
        unique=["worker_id", "module", "completed_on"],
        returning=["id", "worker_id", "module", "completed_on"],
    )


def completions_of(session: Session, *, worker_ids: Iterable[int]) -> list[Completion]:
    found: list[Completion] = []
    for part in in_batches(worker_ids):
        stmt = (
            select(Completion)
            .where(Completion.worker_id.in_(part))
            .order_by(Completion.worker_id, Completion.completed_on, Completion.id)
        )
        found += session.scalars(stmt)
    return found


def achievements(
    session: Session, *, worker_ids: Iterable[int]
) -> dict[int, tuple[dict[str, date], frozenset[str]]]:
    """For each worker: the date each module was first achieved, and which modules were
    achieved by credit for prior learning (what pathway_progress needs)."""
    achieved: dict[int, dict[str, date]] = {w: {} for w in worker_ids}
    credited: dict[int, set[str]] = {w: set() for w in achieved}
    for c in completions_of(session, worker_ids=achieved):
        achieved[c.worker_id].setdefault(c.module, c.completed_on)  # ordered: the first counts
        if c.source == "credit":
            credited[c.worker_id].add(c.module)
    return {w: (achieved[w], frozenset(credited[w])) for w in achieved}


def active_credentials(
    session: Session, *, worker_ids: Iterable[int] | None = None
) -> list[Credential]:
    stmt = select(Credential).where(Credential.status == "active")
    if worker_ids is None:
        return list(session.scalars(stmt.order_by(Credential.id)))
    found: list[Credential] = []
    for part in in_batches(worker_ids):
        found += session.scalars(stmt.where(Credential.worker_id.in_(part)))
    return found


def add_credentials(session: Session, *, rows: list[dict[str, Any]]) -> list[Any]:
    """Insert credentials (one per completion); returns (id, completion_id) of each."""
    return insert_new_rows(
        session,
        cast(Table, Credential.__table__),
        [{k: v for k, v in row.items() if k != "id"} for row in rows],
        unique=["completion_id"],
        returning=["id", "completion_id"],
    )


def supersede_credentials(session: Session, *, changes: list[dict[str, Any]]) -> None:
    """Mark credentials superseded by newer ones: {'id', 'superseded_by'} rows, at once."""
    if changes:
        session.execute(update(Credential), [{**c, "status": "superseded"} for c in changes])


def credential_expiries(session: Session, *, ids: Iterable[int]) -> dict[int, date]:
    found: dict[int, date] = {}
    for part in in_batches(ids):
        stmt = select(Credential.id, Credential.expires_on).where(Credential.id.in_(part))
        found.update({id_: expires for id_, expires in session.execute(stmt).all()})
    return found


def credentials_of(session: Session, *, worker_id: int) -> list[Credential]:
    stmt = (
        select(Credential)
        .where(Credential.worker_id == worker_id)
        .order_by(Credential.module, Credential.valid_from, Credential.id)
    )
    return list(session.scalars(stmt))


def all_credentials(session: Session) -> list[Credential]:
    stmt = select(Credential).order_by(
        Credential.worker_id, Credential.module, Credential.valid_from, Credential.id
    )
    return list(session.scalars(stmt))


def add_awards(session: Session, *, rows: list[dict[str, Any]]) -> int:
    return insert_ignoring_duplicates(
        session,
        cast(Table, Award.__table__),
        rows,
        unique=["worker_id", "kind", "key", "achieved_on"],
    )


def pathway_awards(session: Session, *, worker_ids: Iterable[int]) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for part in in_batches(worker_ids):
        stmt = select(Award.worker_id, Award.key).where(
            Award.kind == "pathway", Award.worker_id.in_(part)
        )
        found |= {(w, k) for w, k in session.execute(stmt).all()}
    return found


def awards_of(session: Session, *, worker_id: int) -> list[Award]:
    stmt = select(Award).where(Award.worker_id == worker_id).order_by(Award.achieved_on, Award.id)
    return list(session.scalars(stmt))


def renewal_sources(session: Session, *, sources: list[str]) -> set[str]:
    found: set[str] = set()
    for part in in_batches(sources):
        found |= set(session.scalars(select(Obligation.source).where(Obligation.source.in_(part))))
    return found


def close_renewals(session: Session, *, credential_ids: list[int], closed_on: date) -> int:
    """A newer completion renews these credentials: their open renewal items are done."""
    sources = [f"credential:{i}" for i in credential_ids]
    if not sources:
        return 0
    closed = 0
    for part in in_batches(sources):
        result = session.execute(
            update(Obligation)
            .where(Obligation.source.in_(part), Obligation.status == "open")
            .values(status="done", closed_on=closed_on)
            .execution_options(synchronize_session=False)
        )
        closed += int(cast(CursorResult[Any], result).rowcount or 0)
    return closed


def add_sessions(session: Session, *, rows: list[dict[str, Any]]) -> int:
    return insert_ignoring_duplicates(
        session, cast(Table, TrainingSession.__table__), rows, unique=["module", "held_on", "venue"]
    )


def sessions_with_places(
    session: Session, *, modules: Iterable[str], start: date, end: date
) -> list[tuple[TrainingSession, int]]:
    """Sessions of these modules held in [start, end], with how many places are booked."""
    booked = (
        select(Booking.session_id, func.count().label("n"))
        .where(Booking.status == "booked")
        .group_by(Booking.session_id)
        .subquery()
    )
    stmt = (
        select(TrainingSession, func.coalesce(booked.c.n, 0))
        .outerjoin(booked, booked.c.session_id == TrainingSession.id)
        .where(
            TrainingSession.module.in_(sorted(set(modules))),
            TrainingSession.held_on.between(start, end),
        )
        .order_by(TrainingSession.held_on, TrainingSession.id)
    )
    return [(s, int(n)) for s, n in session.execute(stmt).all()]


def renewals_to_place(
    session: Session, *, modules: Iterable[str]
) -> list[tuple[Obligation, Worker, Booking | None, date | None]]:
    """Open renewal items of these modules with their worker and latest booking (and its
    session's date), if any."""
    latest = (
        select(Booking.obligation_id, func.max(Booking.id).label("booking_id"))
        .group_by(Booking.obligation_id)
        .subquery()
    )
    stmt = (
        select(Obligation, Worker, Booking, TrainingSession.held_on)
        .join(Worker, Worker.id == Obligation.subject_id)
        .outerjoin(latest, latest.c.obligation_id == Obligation.id)
        .outerjoin(Booking, Booking.id == latest.c.booking_id)
        .outerjoin(TrainingSession, TrainingSession.id == Booking.session_id)
        .where(
            Obligation.kind == "training.renewal",
            Obligation.status == "open",
            Obligation.milestone.in_(sorted(set(modules))),
            Worker.status != "left",
        )
        .order_by(Obligation.due_date, Obligation.id)
    )
    return [(o, w, b, held) for o, w, b, held in session.execute(stmt).all()]


def held_for_done_renewals(
    session: Session, *, after: date
) -> list[tuple[Booking, TrainingSession, Worker]]:
    """Places (booked or waiting) on sessions after `after` whose renewal is no longer open."""
    stmt = (
        select(Booking, TrainingSession, Worker)
        .join(TrainingSession, TrainingSession.id == Booking.session_id)
        .join(Obligation, Obligation.id == Booking.obligation_id)
        .join(Worker, Worker.id == Booking.worker_id)
        .where(
            Booking.status.in_(("booked", "waitlisted")),
            Obligation.status != "open",
            TrainingSession.held_on > after,
        )
        .order_by(Booking.id)
    )
    return [(b, s, w) for b, s, w in session.execute(stmt).all()]


def end_bookings(session: Session, *, changes: list[dict[str, Any]]) -> None:
    """Set bookings' status ({'id', 'status'} rows): missed, moved, released (renewed before
    the session), or booked (promoted)."""
    if changes:
        session.execute(update(Booking), changes)


def add_bookings(session: Session, *, rows: list[dict[str, Any]]) -> list[Any]:
    return insert_new_rows(
        session,
        cast(Table, Booking.__table__),
        rows,
        unique=["obligation_id", "session_id"],
        returning=["id", "session_id", "worker_id", "obligation_id", "status"],
    )


def bookings_of(session: Session, *, worker_id: int) -> list[tuple[Booking, TrainingSession]]:
    stmt = (
        select(Booking, TrainingSession)
        .join(TrainingSession, TrainingSession.id == Booking.session_id)
        .where(Booking.worker_id == worker_id)
        .order_by(TrainingSession.held_on)
    )
    return [(b, s) for b, s in session.execute(stmt).all()]
