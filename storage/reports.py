"""The weekly report's figures: a few grouped queries, whatever the workforce size (ids,
team keys and kinds; no names)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storage.models import (
    Candidacy,
    Certificate,
    Credential,
    Enrolment,
    Panel,
    Team,
    TrainingNeed,
    Worker,
)


def asye_by_team(session: Session) -> list[tuple[str, str, int]]:
    """(team, status, NQSWs) of every ASYE enrolment: active, paused, completed..."""
    return [(t, s, n) for p, t, s, n in programmes_by_team(session) if p == "asye"]


def programmes_by_team(session: Session) -> list[tuple[str, str, str, int]]:
    """(programme, team, status, people) of every dated programme's enrolments."""
    stmt = (
        select(Enrolment.programme, Team.key, Enrolment.status, func.count())
        .join(Worker, Worker.id == Enrolment.worker_id)
        .join(Team, Team.id == Worker.team_id)
        .group_by(Enrolment.programme, Team.key, Enrolment.status)
        .order_by(Enrolment.programme, Team.key, Enrolment.status)
    )
    return [(p, t, s, int(n)) for p, t, s, n in session.execute(stmt).all()]


def credentials_expiring(session: Session, *, start: date, end: date) -> list[tuple[str, str, int]]:
    """(team, module, active credentials expiring in [start, end])."""
    stmt = (
        select(Team.key, Credential.module, func.count())
        .join(Worker, Worker.id == Credential.worker_id)
        .join(Team, Team.id == Worker.team_id)
        .where(
            Credential.status == "active",
            Credential.expires_on.between(start, end),
            Worker.status != "left",
        )
        .group_by(Team.key, Credential.module)
        .order_by(Team.key, Credential.module)
    )
    return [(t, m, int(n)) for t, m, n in session.execute(stmt).all()]


def candidacies_by_panel(session: Session, *, since: date) -> list[tuple[date, str, int]]:
    """(panel date, candidacy status, candidates) for panels meeting on or after `since`."""
    stmt = (
        select(Panel.meets_on, Candidacy.status, func.count())
        .join(Panel, Panel.id == Candidacy.panel_id)
        .where(Panel.meets_on >= since)
        .group_by(Panel.meets_on, Candidacy.status)
        .order_by(Panel.meets_on, Candidacy.status)
    )
    return [(d, s, int(n)) for d, s, n in session.execute(stmt).all()]


def certificates_issued(session: Session, *, start: date, end: date) -> list[tuple[str, int, int]]:
    """(kind, issued in [start, end], of them revoked since)."""
    revoked = case((Certificate.status == "revoked", 1), else_=0)
    stmt = (
        select(Certificate.kind, func.count(), func.sum(revoked))
        .where(Certificate.issued_on.between(start, end))
        .group_by(Certificate.kind)
        .order_by(Certificate.kind)
    )
    return [(k, int(n), int(r or 0)) for k, n, r in session.execute(stmt).all()]


def open_training_needs(session: Session) -> list[tuple[str, str, int]]:
    """(team, level, open needs to train a replacement)."""
    stmt = (
        select(Team.key, TrainingNeed.level, func.count())
        .join(Team, Team.id == TrainingNeed.team_id)
        .where(TrainingNeed.status == "open")
        .group_by(Team.key, TrainingNeed.level)
        .order_by(Team.key, TrainingNeed.level)
    )
    return [(t, lv, int(n)) for t, lv, n in session.execute(stmt).all()]
