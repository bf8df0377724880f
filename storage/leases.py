"""Flow leases: one holder at a time per flow, enforced by the database, so two runs of a
sweep never overlap even when several workers on several machines pick them up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import FlowLease


@dataclass(frozen=True)
class Holder:
    holder: str
    taken_at: datetime
    held_until: datetime


def take(
    session: Session,
    *,
    flow: str,
    holder: str,
    now: datetime,
    until: datetime,
    replacing: str | None = None,
) -> bool:
    """Take the lease on `flow` for `holder` until `until`: True if it is now theirs, False
    if another holder has it and it has not expired. `replacing` names a holder known to be
    dead, whose lease may be taken over before it expires. Commit right after."""
    # An existing lease that has expired (its holder died), is already ours (a renewal) or
    # is the dead holder's is taken over by one conditional update; the row lock makes two
    # takers race to one winner.
    takeable = [FlowLease.held_until < now, FlowLease.holder == holder]
    if replacing:
        takeable.append(FlowLease.holder == replacing)
    result = session.execute(
        update(FlowLease)
        .where(FlowLease.flow == flow, or_(*takeable))
        .values(holder=holder, taken_at=now, held_until=until)
        .execution_options(synchronize_session=False)
    )
    taken = cast(CursorResult[Any], result).rowcount
    if taken:
        return True
    if session.get(FlowLease, flow) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(FlowLease(flow=flow, holder=holder, taken_at=now, held_until=until))
    except IntegrityError:  # another taker inserted it first
        return False
    return True


def give_back(session: Session, *, flow: str, holder: str) -> bool:
    """Release the lease if `holder` still has it."""
    result = session.execute(
        delete(FlowLease)
        .where(FlowLease.flow == flow, FlowLease.holder == holder)
        .execution_options(synchronize_session=False)
    )
    gone = cast(CursorResult[Any], result).rowcount
    return bool(gone)


def holder_of(session: Session, *, flow: str) -> Holder | None:
    row = session.scalars(select(FlowLease).where(FlowLease.flow == flow)).first()
    return Holder(row.holder, row.taken_at, row.held_until) if row else None
