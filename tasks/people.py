"""People in the roster as use cases meet them: find a worker or fail, and may this person
act for that one. Every use case looks people up here, so every refusal reads the same."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.errors import NotFound, Refused
from definitions.people import may_act_for
from storage.dialect import in_batches
from storage.models import Worker
from storage.roster import worker_by_external_id


def worker(session: Session, external_id: str, what: str = "worker") -> Worker:
    """The worker with this roster id; `what` names their part in the message ("recorder")."""
    found = worker_by_external_id(session, external_id)
    if found is None:
        raise NotFound(
            f"no {what} with id '{external_id}' in Ladder; check the id or import the roster first"
        )
    return found


def worker_ids(session: Session, external_ids: Iterable[str]) -> list[int]:
    """The database ids of these roster ids, in their order; NotFound lists any missing."""
    wanted = list(dict.fromkeys(external_ids))
    found: dict[str, int] = {}
    for part in in_batches(wanted):  # a bounded IN list, whatever the input
        rows = session.execute(
            select(Worker.external_id, Worker.id).where(Worker.external_id.in_(part))
        ).all()
        found.update({external_id: worker_id for external_id, worker_id in rows})
    missing = sorted(w for w in wanted if w not in found)
    if missing:
        raise NotFound(f"no worker with id {', '.join(missing)} in Ladder")
    return [found[w] for w in wanted]


def _present(session: Session, external_id: str, *, missing: str, inactive: str) -> Worker:
    """The worker with this id, on the roster and active; NotFound says `missing`, Refused
    says why their roster status stops them, then `inactive`."""
    actor = worker_by_external_id(session, external_id)
    if actor is None:
        raise NotFound(f"no {missing}")
    if actor.status != "active":
        raise Refused(
            f"{external_id}'s roster status is '{actor.status}', not active, so they may not "
            f"{inactive}"
        )
    return actor


def acting(session: Session, external_id: str, what: str = "person acting") -> Worker:
    """The person acting, who must be on the roster and active: someone who has left, is
    on a career break or was never imported may not act for anyone."""
    return _present(
        session,
        external_id,
        missing=f"{what} with id '{external_id}' is on the roster; check the id, or give "
        "your own roster id",
        inactive=f"act as {what}; ask someone active in the role to record it",
    )


def require_role(session: Session, external_id: str, *, roles: Iterable[str], may: str) -> Worker:
    """The person acting, who must be on the roster, active, and hold one of `roles` (the
    organisation's, from ladder.yaml's decided_by); a refusal names the roles that may."""
    allowed = tuple(roles)
    who = " or ".join(r.replace("_", " ") for r in allowed)
    actor = _present(
        session,
        external_id,
        missing=f"one with id '{external_id}' is on the roster; only a {who} may {may}: "
        "give your own roster id with --by",
        inactive=f"{may}; ask a {who}",
    )
    if actor.role not in allowed:
        raise Refused(
            f"{external_id} is a {actor.role.replace('_', ' ')}; only a {who} may {may} "
            "(ladder.yaml: decided_by)"
        )
    return actor


def require_may_act_for(
    actor: Worker,
    *,
    allowed: Iterable[int | None],
    refusal: str,
    deciders: Iterable[str],
) -> None:
    """Refuse with `refusal` unless the actor is one of `allowed` or holds one of the
    `deciders` roles (the organisation's, from ladder.yaml or training.yaml)."""
    if not may_act_for(actor.id, actor.role, allowed=allowed, deciders=deciders):
        raise Refused(refusal)
