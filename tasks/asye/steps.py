"""The ASYE steps the daily flow runs, as Prefect tasks over the use cases."""

from __future__ import annotations

from datetime import date

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks.asye.enrolment import enrol_eligible
from tasks.runtime import current_runtime


@task(name="enrol-nqsws", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def enrol_nqsws(as_of: date) -> int:
    """Enrol NQSWs who joined the roster since the last run."""
    runtime = current_runtime()
    with runtime.transaction() as session:
        enrolled = enrol_eligible(session, runtime.organisation, as_of=as_of)
    if enrolled:
        get_run_logger().info("enrolled %d NQSW(s) in ASYE: %s", len(enrolled), ", ".join(enrolled))
    return len(enrolled)
