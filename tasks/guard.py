"""One run at a time: a flow that must not overlap with itself holds a database lease while
it works. Prefect's deployment concurrency limit queues a second run; the lease also
stops one started another way (the CLI, a second server, a run Prefect lost track of)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from prefect.runtime import flow_run
from sqlalchemy.orm import Session

from storage.leases import give_back, holder_of, take
from tasks.runtime import Runtime


class RunOverlap(RuntimeError):
    """Another run of the same flow holds its lease; this run did nothing."""


def _holder() -> str:
    run_id = flow_run.get_id()
    return f"flow-run {run_id}" if run_id else f"process {uuid4().hex[:12]}"


def try_take(runtime: Runtime, name: str) -> str | None:
    """Take `name`'s lease: the holder token, or None if another live run holds it."""
    holder = _holder()
    now = datetime.now(UTC)
    until = now + timedelta(seconds=runtime.settings.flow_lease_seconds)
    with Session(runtime.engine) as session, session.begin():
        return holder if take(session, flow=name, holder=holder, now=now, until=until) else None


def give_back_lease(runtime: Runtime, name: str, holder: str) -> None:
    with Session(runtime.engine) as session, session.begin():
        give_back(session, flow=name, holder=holder)


@contextmanager
def exclusive(runtime: Runtime, name: str) -> Iterator[str]:
    """Hold `name`'s lease for the block; raise RunOverlap if another run holds it."""
    holder = try_take(runtime, name)
    if holder is None:
        with Session(runtime.engine) as session:
            other = holder_of(session, flow=name)
        since = f" since {other.taken_at:%Y-%m-%d %H:%M} UTC" if other else ""
        expires = (
            f"; if it died, its lease expires at {other.held_until:%H:%M} UTC" if other else ""
        )
        raise RunOverlap(
            f"another {name} run ({other.holder if other else 'unknown'}) has been running"
            f"{since}, so this run did nothing and changed nothing{expires}"
        )
    try:
        yield holder
    finally:
        give_back_lease(runtime, name, holder)
