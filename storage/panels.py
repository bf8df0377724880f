"""Progression panels, candidacies, evidence and posts: reads and guarded writes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, Table, select, update
from sqlalchemy.orm import Session

from storage.dialect import in_batches, insert_ignoring_duplicates
from storage.models import Candidacy, Evidence, Obligation, Panel, Post, Team, Worker


def add_panels(session: Session, *, rows: list[dict[str, Any]]) -> int:
    return insert_ignoring_duplicates(
        session, cast(Table, Panel.__table__), rows, unique=["meets_on"]
    )


def panel_on(session: Session, meets_on: date) -> Panel | None:
    return session.scalars(select(Panel).where(Panel.meets_on == meets_on)).first()


def panels_from(session: Session, *, on_or_after: date) -> list[Panel]:
    stmt = select(Panel).where(Panel.meets_on >= on_or_after).order_by(Panel.meets_on)
    return list(session.scalars(stmt))


def next_open_panel(session: Session, *, after: date, deadline_from: date) -> Panel | None:
    """The first scheduled panel after `after` whose deadline has not passed."""
    stmt = (
        select(Panel)
        .where(Panel.meets_on > after, Panel.deadline >= deadline_from, Panel.status == "scheduled")
        .order_by(Panel.meets_on)
    )
    return session.scalars(stmt).first()


def panels_to_lock(session: Session, *, as_of: date) -> list[Panel]:
    """Scheduled panels whose submission deadline has passed (the deadline day is whole)."""
    stmt = (
        select(Panel)
        .where(Panel.status == "scheduled", Panel.deadline < as_of)
        .order_by(Panel.meets_on)
    )
    return list(session.scalars(stmt))


def panels_in_status(session: Session, *, status: str) -> list[Panel]:
    stmt = select(Panel).where(Panel.status == status).order_by(Panel.meets_on)
    return list(session.scalars(stmt))


def set_panel(session: Session, *, panel_id: int, was: str, **values: Any) -> bool:
    """Move a panel on from status `was`; False when another run already did."""
    result = session.execute(
        update(Panel).where(Panel.id == panel_id, Panel.status == was).values(**values)
    )
    return cast(CursorResult[Any], result).rowcount == 1


def set_candidacy(session: Session, *, candidacy_id: int, was: str, **values: Any) -> bool:
    """Move a candidacy on from status `was`; False when someone else already did (a
    decision is recorded once, however many runs race for it)."""
    result = session.execute(
        update(Candidacy)
        .where(Candidacy.id == candidacy_id, Candidacy.status == was)
        .values(**values)
    )
    return cast(CursorResult[Any], result).rowcount == 1


def candidacies_at(session: Session, *, panel_id: int, status: str | None = None) -> list[Any]:
    """(Candidacy, Worker) at a panel, in nomination order."""
    stmt = (
        select(Candidacy, Worker)
        .join(Worker, Candidacy.worker_id == Worker.id)
        .where(Candidacy.panel_id == panel_id)
        .order_by(Candidacy.id)
    )
    if status is not None:
        stmt = stmt.where(Candidacy.status == status)
    return [tuple(r) for r in session.execute(stmt).all()]


def candidacies_of(session: Session, *, worker_id: int) -> list[tuple[Candidacy, Panel]]:
    stmt = (
        select(Candidacy, Panel)
        .join(Panel, Candidacy.panel_id == Panel.id)
        .where(Candidacy.worker_id == worker_id)
        .order_by(Candidacy.id)
    )
    return [tuple(r) for r in session.execute(stmt).all()]


def current_evidence(session: Session, *, candidacy_ids: Iterable[int]) -> list[Evidence]:
    found: list[Evidence] = []
    for part in in_batches(candidacy_ids):
        stmt = (
            select(Evidence)
            .where(Evidence.candidacy_id.in_(part), Evidence.status == "current")
            .order_by(Evidence.candidacy_id, Evidence.id)
        )
        found += session.scalars(stmt)
    return found


def replace_evidence(session: Session, *, candidacy_id: int, item: str) -> int:
    result = session.execute(
        update(Evidence)
        .where(
            Evidence.candidacy_id == candidacy_id,
            Evidence.item == item,
            Evidence.status == "current",
        )
        .values(status="replaced")
    )
    return int(cast(CursorResult[Any], result).rowcount)


def obligations_from(session: Session, *, prefix: str) -> list[Obligation]:
    """The obligations a candidacy made (their source starts with `prefix`)."""
    stmt = (
        select(Obligation)
        .where(Obligation.source.startswith(prefix, autoescape=True))
        .order_by(Obligation.id)
    )
    return list(session.scalars(stmt))


def cancel_open(session: Session, *, ids: list[int], closed_on: date) -> int:
    if not ids:
        return 0
    result = session.execute(
        update(Obligation)
        .where(Obligation.id.in_(ids), Obligation.status == "open")
        .values(status="cancelled", closed_on=closed_on)
    )
    return int(cast(CursorResult[Any], result).rowcount)


def active_workers_with_roles(session: Session, *, roles: Iterable[str]) -> list[Worker]:
    stmt = (
        select(Worker)
        .where(Worker.role.in_(list(roles)), Worker.status != "left")
        .order_by(Worker.external_id)
    )
    return list(session.scalars(stmt))


def vacant_posts(session: Session, *, level: str) -> list[tuple[Post, Team]]:
    stmt = (
        select(Post, Team)
        .join(Team, Post.team_id == Team.id)
        .where(Post.level == level, Post.status == "vacant")
        .order_by(Post.opened_on, Post.id)
    )
    return [tuple(r) for r in session.execute(stmt).all()]


def waiting_candidates(session: Session) -> list[tuple[Candidacy, Worker]]:
    """Progressed candidates waiting for a vacancy, longest waiting first."""
    stmt = (
        select(Candidacy, Worker)
        .join(Worker, Candidacy.worker_id == Worker.id)
        .where(Candidacy.placement == "waiting", Worker.status != "left")
        .order_by(Candidacy.decided_on, Candidacy.id)
    )
    return [tuple(r) for r in session.execute(stmt).all()]


def fill_post(session: Session, *, post_id: int, worker_id: int, on: date) -> bool:
    result = session.execute(
        update(Post)
        .where(Post.id == post_id, Post.status == "vacant")
        .values(status="filled", filled_by=worker_id, filled_on=on)
    )
    return cast(CursorResult[Any], result).rowcount == 1
