"""Posts: a vacant post opened by hand, and waiting progressed candidates slotted into the
vacant posts of their service."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from definitions.errors import BadInput, NotFound
from definitions.organisation import Organisation
from definitions.panels import OpenPost, choose_post
from storage.history import record_event
from storage.models import Candidacy, Post, Team, Worker
from storage.panels import fill_post, vacant_posts, waiting_candidates
from tasks import people
from tasks.panels.common import programme_of
from tasks.roster.replacements import note_replacement_needs


def open_post(
    session: Session,
    organisation: Organisation,
    *,
    team: str,
    level: str | None,
    actor: str,
    today: date,
) -> tuple[int, list[tuple[str, str]]]:
    """A vacant post; the longest-waiting progressed candidate of the service fills it."""
    programme = programme_of(organisation)
    level = level or programme.to_level
    found = session.scalars(select(Team).where(Team.key == team)).first()
    if found is None:
        known = ", ".join(session.scalars(select(Team.key).order_by(Team.key)))
        raise NotFound(f"no team '{team}'; known: {known}")
    if level not in organisation.ladder.roles:
        raise BadInput(f"'{level}' is not a level in ladder.yaml")
    people.require_role(
        session, actor, roles=organisation.ladder.decided_by.panels, may="open a vacant post"
    )
    post = Post(team_id=found.id, level=level, opened_on=today, opened_by=actor, status="vacant")
    session.add(post)
    session.flush()
    record_event(
        session,
        kind="panel.post_opened",
        actor=actor,
        occurred_on=today,
        payload={"post": post.id, "team": team, "level": level},
    )
    return post.id, fill_vacancies(session, organisation, as_of=today, actor=actor)


def fill_vacancies(
    session: Session,
    organisation: Organisation,
    *,
    as_of: date,
    actor: str = "system",
    only: list[int] | None = None,
) -> list[tuple[str, str]]:
    """Slot waiting candidates into vacant posts of their service (their own team first,
    then the longest-open post): (worker, team) for each one slotted."""
    if organisation.panels is None:
        return []
    programme = organisation.panels
    posts = {
        post.id: (post, team) for post, team in vacant_posts(session, level=programme.to_level)
    }
    if not posts:
        return []
    services = dict(session.execute(select(Team.id, Team.service_id)).tuples().all())
    slotted = []
    for candidacy, worker in waiting_candidates(session):
        if only is not None and candidacy.id not in only:
            continue
        choice = choose_post(
            (OpenPost(p.id, t.id, services[t.id], p.opened_on) for p, t in posts.values()),
            service_id=worker.service_id,
            team_id=worker.team_id,
        )
        if choice is None:
            continue
        post, team = posts[choice.post_id]
        if not fill_post(session, post_id=post.id, worker_id=worker.id, on=as_of):
            continue
        del posts[post.id]
        before = {worker.id: (worker.role, worker.team_id)}
        # A post in another team brings that team's manager and district.
        manager_id, district = worker.manager_id, worker.district
        if team.id != worker.team_id:
            manager_id, district = team_manager_and_district(
                session, team_id=team.id, default=(manager_id, district)
            )
        session.execute(
            update(Worker)
            .where(Worker.id == worker.id)
            .values(
                role=programme.to_level,
                team_id=team.id,
                manager_id=manager_id,
                district=district,
                role_since=as_of,
            )
        )
        session.execute(
            update(Candidacy).where(Candidacy.id == candidacy.id).values(placement="slotted")
        )
        note_replacement_needs(session, organisation, before=before, as_of=as_of, actor=actor)
        record_event(
            session,
            kind="panel.slotted",
            actor=actor,
            occurred_on=as_of,
            subject_id=worker.id,
            payload={
                "candidacy": candidacy.id,
                "post": post.id,
                "team": team.key,
                "level": programme.to_level,
                "manager_id": manager_id,
                "district": district,
            },
        )
        slotted.append((worker.external_id, team.key))
    return slotted


def team_manager_and_district(
    session: Session, *, team_id: int, default: tuple[int | None, str]
) -> tuple[int | None, str]:
    """The manager most of a team's active workers report to, and their commonest district."""
    from sqlalchemy import func

    def commonest(column: Any) -> Any:
        return session.scalar(
            select(column)
            .where(Worker.team_id == team_id, Worker.status == "active", column.is_not(None))
            .group_by(column)
            .order_by(func.count().desc(), column)
            .limit(1)
        )

    manager = commonest(Worker.manager_id)
    district = commonest(Worker.district)
    return (manager if manager is not None else default[0], district or default[1])
