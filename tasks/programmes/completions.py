"""Programme milestones that close by themselves: a completion milestone is done once its
module (or pathway) is, and a programme with nothing left open is finished."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from definitions.organisation import Organisation
from storage.enrolments import finish_enrolments
from storage.obligations import close_by_completion


def close_completed(session: Session, organisation: Organisation, *, as_of: date) -> int:
    """Close every open completion milestone whose module or pathway is done (dated the day
    it was first done), then finish the enrolments with nothing left open. Set-based: one
    statement per completion milestone, whatever the size of the workforce."""
    closed = 0
    for programme in organisation.dated_programmes:
        for rule in programme.completions:
            assert rule.closes_with is not None
            closed += close_by_completion(
                session,
                kind=f"{programme.key}.{rule.kind}",
                milestone=rule.key,
                module=rule.closes_with.module,
                pathway=rule.closes_with.pathway,
                as_of=as_of,
            )
        if programme.completions:
            finish_enrolments(session, programme=programme.key, as_of=as_of)
    return closed
