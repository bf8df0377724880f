"""The Prefect adapter of supervision: the daily dating of every worker's next supervision."""

from __future__ import annotations

from datetime import date

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks.runtime import current_runtime
from tasks.supervision.schedule import ensure_supervision_items


@task(name="schedule-supervision", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def schedule_supervision(as_of: date) -> int:
    """A dated next supervision for every worker a schedule covers (new starters, moves)."""
    runtime = current_runtime()
    with runtime.transaction() as session:
        added = ensure_supervision_items(session, runtime.organisation)
    get_run_logger().info("%d next supervision(s) dated on %s", added, as_of)
    return added
