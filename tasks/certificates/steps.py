"""The Prefect adapters of the certificate batch: plan the chunks of waiting awards, issue
one chunk."""

from __future__ import annotations

from datetime import date

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from notifications.signing import load_key
from tasks.certificates.issue import issue_awards, sweep_partial_files, waiting_chunks
from tasks.runtime import current_runtime


@task(name="plan-certificates", cache_policy=NO_CACHE)
def plan_certificates() -> list[tuple[int, int]]:
    runtime = current_runtime()
    load_key(runtime.settings.signing_key)  # fail the run at once, clearly, without a key
    removed = sweep_partial_files(runtime.settings.certificate_dir)
    if removed:
        get_run_logger().info("removed %d half-written file(s) of a killed run", removed)
    with Session(runtime.engine) as session:
        return waiting_chunks(session, size=runtime.settings.certificate_chunk_size)


@task(
    name="issue-certificates",
    task_run_name="issue-certificates-{award_ids[0]}",
    retries=2,
    retry_delay_seconds=5,
    cache_policy=NO_CACHE,
)
def issue_certificates(award_ids: tuple[int, int], as_of: date) -> int:
    runtime = current_runtime()
    key = load_key(runtime.settings.signing_key)
    with runtime.transaction() as session:
        issued = issue_awards(session, runtime, key, award_ids=award_ids, as_of=as_of)
    get_run_logger().info(
        "awards %d..%d: %d certificate(s) issued", award_ids[0], award_ids[1], len(issued)
    )
    return len(issued)
