"""One run at a time: a flow that must not overlap with itself holds a database lease while
it works. Prefect's deployment concurrency limit queues a second run; the lease also stops
one started another way (the CLI, a second server, a run Prefect lost track of).

The lease is short (LADDER_FLOW_LEASE_SECONDS) and renewed by a heartbeat while the run
works, so a run killed on another machine frees it within that time; one killed on this
machine (its process gone) is taken over at once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from prefect.runtime import flow_run
from sqlalchemy.orm import Session

from definitions.errors import Refused
from storage.leases import Holder, give_back, holder_of, take
from tasks.holders import gone_here, holder_name
from tasks.runtime import Runtime

log = logging.getLogger("ladder.guard")


class RunOverlap(Refused):
    """Another run of the same flow holds its lease; this run did nothing."""


def _me() -> str:
    run_id = flow_run.get_id()
    return holder_name(f"flow-run {run_id}" if run_id else f"command {uuid4().hex[:8]}")


def _take(runtime: Runtime, name: str, holder: str, replacing: str | None = None) -> bool:
    now = datetime.now(UTC)
    until = now + timedelta(seconds=runtime.settings.flow_lease_seconds)
    with runtime.transaction() as session:
        return take(session, flow=name, holder=holder, now=now, until=until, replacing=replacing)


def _current(runtime: Runtime, name: str) -> Holder | None:
    with Session(runtime.engine) as session:
        return holder_of(session, flow=name)


@contextmanager
def lease(runtime: Runtime, name: str) -> Iterator[Holder | None]:
    """Hold `name`'s lease for the block, renewed by a heartbeat: yields None when this run
    holds it, or the other holder when it could not be taken."""
    me = _me()
    if not _take(runtime, name, me):
        other = _current(runtime, name)
        if other is None or not gone_here(other.holder):
            yield other or Holder("unknown", datetime.now(UTC), datetime.now(UTC))
            return
        if not _take(runtime, name, me, replacing=other.holder):
            yield _current(runtime, name) or other
            return
        log.warning("%s: took over the lease of %s, whose process is gone", name, other.holder)
    stop = threading.Event()
    every = max(runtime.settings.flow_lease_seconds / 3, 0.05)

    def heartbeat() -> None:
        while not stop.wait(every):
            try:
                if not _take(runtime, name, me):
                    log.warning("%s: the lease was taken by another run", name)
            except Exception:  # a database blip: the next beat tries again
                log.warning("%s: could not renew the lease", name, exc_info=True)

    beat = threading.Thread(target=heartbeat, name=f"lease-{name}", daemon=True)
    beat.start()
    try:
        yield None
    finally:
        stop.set()
        beat.join()
        with runtime.transaction() as session:
            give_back(session, flow=name, holder=me)


@contextmanager
def exclusive(runtime: Runtime, name: str) -> Iterator[None]:
    """Hold `name`'s lease for the block; raise RunOverlap if another live run holds it."""
    with lease(runtime, name) as other:
        if other is not None:
            raise RunOverlap(
                f"another {name} run ({other.holder}) has been running since "
                f"{other.taken_at:%Y-%m-%d %H:%M} UTC, so this run did nothing and changed "
                f"nothing; if it died elsewhere, its lease runs out at "
                f"{other.held_until:%H:%M:%S} UTC"
            )
        yield
