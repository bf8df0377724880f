"""The Prefect adapter of registration: the daily check that every registered worker has
their CPD item for the current renewal cycle."""

from __future__ import annotations

from datetime import date

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks.registration.cpd import ensure_cpd_items
from tasks.runtime import current_runtime


@task(name="registration-cycle", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def registration_cycle(as_of: date) -> int:
    """A CPD item for each registered worker in the cycle `as_of` falls in."""
    runtime = current_runtime()
    with runtime.transaction() as session:
        added = ensure_cpd_items(session, runtime.organisation, as_of=as_of)
    get_run_logger().info("%d CPD item(s) for the renewal cycle of %s", added, as_of)
    return added
