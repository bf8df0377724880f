"""Progression panel decisions as a deployment: the Prefect UI shows `PanelDecision` as a
form; the run validates it, records it once (as `ladder panel decide` does) and mails the
outcome report."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from sqlalchemy.orm import Session

from definitions.panels import PanelDecision
from tasks.delivery import deliver_outbox
from tasks.panels import DecisionResult, decide
from tasks.runtime import current_runtime


def _run_name() -> str:
    decision = flow_run.parameters.get("decision") or {}
    if isinstance(decision, PanelDecision):
        decision = decision.model_dump(mode="json")
    return f"panel-decision-{decision.get('worker', '?')}-{decision.get('panel', '?')}"


# No retries: a decision is recorded once; a second attempt after a commit would be refused.
@task(name="record-panel-decision", cache_policy=NO_CACHE)
def record_panel_decision(decision: PanelDecision) -> DecisionResult:
    runtime = current_runtime()
    with Session(runtime.engine, expire_on_commit=False) as session, session.begin():
        return decide(
            session,
            runtime.organisation,
            decision=decision,
            today=runtime.calendar.today(),
            data_dir=runtime.settings.data_dir,
            sender=runtime.sender_address,
        )


@flow(name="panel-decision", flow_run_name=_run_name, validate_parameters=True)
def panel_decision(decision: PanelDecision) -> dict[str, Any]:
    """Record a progression panel's decision about one candidate: progress, or defer with
    reasons, further work and an action plan. Final: a second decision for the same
    candidate and panel fails and changes nothing."""
    runtime = current_runtime()
    result = record_panel_decision(decision)
    get_run_logger().info(
        "recorded: %s at the panel on %s: %s (event %d)",
        result.worker,
        result.panel,
        result.outcome,
        result.event_id,
    )
    delivered = deliver_outbox.with_options(
        retries=runtime.settings.delivery_retries,
        retry_delay_seconds=runtime.settings.delivery_retry_delay_seconds,
    )()
    placement = f", {result.placement}" if result.placement else ""
    create_markdown_artifact(
        key="panel-decision",
        markdown=(
            f"# Panel decision recorded\n\n- candidate: {result.worker}\n"
            f"- panel: {result.panel}\n- outcome: {result.outcome}{placement}\n"
            f"- action plan items: {result.actions}\n- history event: {result.event_id}\n"
            f"- outcome report mailed: {delivered.get('sent', 0)} sent, "
            f"{delivered.get('failed', 0)} failed\n"
        ),
        description="A progression panel decision (ids only)",
    )
    return {
        "worker": result.worker,
        "panel": result.panel.isoformat(),
        "outcome": result.outcome,
        "placement": result.placement,
        "event_id": result.event_id,
        **delivered,
    }
