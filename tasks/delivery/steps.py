"""Delivery as a Prefect task: deliver the outbox, retrying only while the server is down."""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks.delivery.send import MailServerUnavailable, deliver_queued
from tasks.runtime import current_runtime


def _server_may_heal(task: Any, task_run: Any, state: Any) -> bool:
    """Retry only when the mail server was unreachable; anything else fails fast."""
    return isinstance(getattr(state, "data", None), MailServerUnavailable)


@task(
    name="deliver-outbox",
    retries=2,
    retry_delay_seconds=20,
    retry_condition_fn=_server_may_heal,
    cache_policy=NO_CACHE,
)
def deliver_outbox() -> dict[str, Any]:
    """Deliver everything queued. Retries when the server is down; nothing is sent twice."""
    runtime = current_runtime()
    report = deliver_queued(runtime)
    logger = get_run_logger()
    logger.info(
        "delivered %d message(s); %d failed permanently, %d deferred",
        report.sent,
        report.failed_permanently,
        report.deferred,
    )
    for line in report.errors[:20]:
        logger.warning(line)
    return report.as_dict()
