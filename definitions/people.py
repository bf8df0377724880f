"""Who may act for whom: the pure rule every use case applies before it records anything."""

from __future__ import annotations

from collections.abc import Iterable

# Roles that may record decisions and evidence for anyone in the organisation.
DECIDERS: tuple[str, ...] = ("workforce_lead", "head_of_service")


def may_act_for(
    actor_id: int, actor_role: str, *, allowed: Iterable[int | None], deciders: Iterable[str]
) -> bool:
    """Whether the actor is one of the people `allowed` to act (the worker, their manager,
    their assessor: whoever the use case names) or holds a deciding role."""
    return actor_id in {i for i in allowed if i is not None} or actor_role in set(deciders)
