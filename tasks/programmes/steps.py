"""The dated programmes' steps the daily flow runs, as Prefect tasks over the use cases."""

from __future__ import annotations

from datetime import date

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks.programmes.completions import close_completed
from tasks.programmes.enrolment import enrol_eligible, enrolled_text
from tasks.runtime import current_runtime


@task(name="run-programmes", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def run_programmes(as_of: date) -> int:  # the number of enrolments made
    """Enrol workers who joined a programme's roles since the last run (NQSWs in the ASYE
    year, new starters in an induction), and close the milestones their training did."""
    runtime = current_runtime()
    with runtime.transaction() as session:
        enrolled = enrol_eligible(session, runtime.organisation, as_of=as_of)
        closed = close_completed(session, runtime.organisation, as_of=as_of)
    made = sum(len(ids) for ids in enrolled.values())
    if made or closed:
        get_run_logger().info(
            "%s (%s); %d milestone(s) closed by training done",
            enrolled_text(runtime.organisation, enrolled),
            ", ".join(f"{k}: {' '.join(ids)}" for k, ids in enrolled.items() if ids) or "-",
            closed,
        )
    return made
