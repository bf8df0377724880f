"""Delivery as a Prefect task: deliver the outbox, retrying only while the server is down."""

from __future__ import annotations

from typing import Any

from prefect import State, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from storage.outbox import handled_by
from tasks.delivery.send import MailServerUnavailable, deliver_queued, delivery_token
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
def deliver_outbox(token: str | None = None) -> dict[str, Any]:
    """Deliver everything queued. Retries when the server is down; nothing is sent twice.
    `token` names the run on its leases, the same across retries (see `delivered_by`)."""
    runtime = current_runtime()
    report = deliver_queued(runtime, token=token)
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


def delivered_by(token: str) -> dict[str, int]:
    """What the delivery run named `token` got done, counted in the outbox rather than in
    memory, so a retried or failed attempt's messages are in it: {sent, failed, deferred}."""
    runtime = current_runtime()
    with runtime.transaction() as session:
        handled = handled_by(session, token=token)
    return {
        "sent": handled.get("sent", 0),
        "failed": handled.get("failed", 0),
        "deferred": handled.get("queued", 0),
    }


def deliver_for_this_run() -> tuple[State[Any], dict[str, int]]:
    """Run `deliver-outbox` in the current flow, with the settings' retries, under one name
    for all its attempts; returns its final state and what it got done (`delivered_by`).
    The caller decides when a failed delivery fails the run (after its summary)."""
    settings = current_runtime().settings
    token = delivery_token(flow_run.get_id())
    state: State[Any] = deliver_outbox.with_options(
        retries=settings.delivery_retries,
        retry_delay_seconds=settings.delivery_retry_delay_seconds,
    )(token, return_state=True)
    return state, delivered_by(token)
