"""Training needs a promotion leaves behind: closed by hand when the team has hired or
trained a replacement (a roster import that shows one closes it by itself)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from definitions.errors import BadInput, NotFound, Refused
from definitions.organisation import Organisation
from storage.models import TrainingNeed
from tasks.people import require_role
from tasks.roster.replacements import close_need


def close_training_need(
    session: Session,
    organisation: Organisation,
    *,
    need_id: int,
    reason: str,
    actor: str,
    today: date,
) -> TrainingNeed:
    require_role(
        session,
        actor,
        roles=organisation.ladder.decided_by.policy,
        may="close a training need",
    )
    if not reason.strip():
        raise BadInput("say how the need was met (--reason), e.g. 'W0042 hired'")
    need = session.get(TrainingNeed, need_id)
    if need is None:
        raise NotFound(f"no training need {need_id}; `ladder needs` lists the open ones")
    if need.status != "open":
        raise Refused(f"training need {need_id} is already {need.status}")
    close_need(session, need, reason=reason.strip(), actor=actor, on=today)
    return need
