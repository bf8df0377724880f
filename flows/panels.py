"""Progression panels as deployments. `panel-decision`: the Prefect UI shows `PanelDecision`
as a form; the run validates it, records it once (as `ladder panel decide` does) and mails
the outcome report. `panel-steps`: the panel calendar moved on by date (packs locked or
rolled over at the end of the deadline day, panel packs to members, vacancies filled),
scheduled late in the evening so a deadline day's pack is locked that night."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import State

from definitions.panels import PanelDecision
from flows.forms import Refusal, dated_run_name, decision_step, deliver_now, form_run_name, publish
from flows.guard import lease
from tasks.panels.decision import DecisionResult, decide
from tasks.panels.steps import (
    close_pathway_items_step,
    fill_vacancies_step,
    lock_panels_step,
    send_panel_packs_step,
    sync_panels_step,
)
from tasks.runtime import current_runtime


# No retries: a decision is recorded once; a second attempt after a commit would be refused.
@task(name="record-panel-decision", cache_policy=NO_CACHE)
@decision_step
def record_panel_decision(decision: PanelDecision) -> DecisionResult:
    runtime = current_runtime()
    with runtime.transaction() as session:
        return decide(
            session,
            runtime.organisation,
            decision=decision,
            today=runtime.today(),
            data_dir=runtime.settings.data_dir,
            sender=runtime.sender_address,
            links=runtime.links(),
        )


@flow(
    name="panel-decision",
    flow_run_name=form_run_name("panel-decision", "decision", "worker", "panel"),
    validate_parameters=True,
)
def panel_decision(decision: PanelDecision) -> dict[str, Any] | State[Any]:
    """Record a progression panel's decision about one candidate: progress, or defer with
    reasons, further work and an action plan. Final: a second decision for the same
    candidate and panel fails and changes nothing."""
    result = record_panel_decision(decision)
    if isinstance(result, Refusal):
        return result.state()
    get_run_logger().info(
        "recorded: %s at the panel on %s: %s (event %d)",
        result.worker,
        result.panel,
        result.outcome,
        result.event_id,
    )
    delivered = deliver_now()
    placement = f", {result.placement}" if result.placement else ""
    publish(
        "panel-decision",
        "Panel decision recorded",
        {
            "candidate": result.worker,
            "panel": result.panel,
            "outcome": f"{result.outcome}{placement}",
            "action plan items": result.actions,
            "history event": result.event_id,
            "outcome report mailed": (
                f"{delivered.get('sent', 0)} sent, {delivered.get('failed', 0)} failed"
            ),
        },
    )
    return {
        "worker": result.worker,
        "panel": result.panel.isoformat(),
        "outcome": result.outcome,
        "placement": result.placement,
        "event_id": result.event_id,
        **delivered,
    }


def run_panel_steps(as_of: date) -> dict[str, int]:
    """Move panels on by date: the calendar from panels.yaml, training pathways ticked off,
    packs locked or rolled over at the deadline, panel packs to members, vacancies filled.
    Each step is its own task; the lease keeps two flow runs from running them together."""
    runtime = current_runtime()
    # The daily sweep and the panel-steps deployment both run these steps: never together.
    with lease(runtime, "panel-steps") as other:
        if other is not None:
            get_run_logger().warning("panel steps are running in another flow run; skipped here")
            return {"panel_steps_skipped": 1}
        counts = {
            **sync_panels_step(as_of),
            **close_pathway_items_step(as_of),
            **lock_panels_step(as_of),
            **send_panel_packs_step(as_of),
            **fill_vacancies_step(as_of),
        }
    if any(counts.values()):
        get_run_logger().info(
            "panels: %s", ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items() if v)
        )
    return counts


@flow(name="panel-steps", flow_run_name=dated_run_name("panel-steps"))
def panel_steps_flow(as_of: date | None = None) -> dict[str, Any]:
    """Move the progression panels on for `as_of` (default: today in the organisation's
    zone). The daily sweep runs the same steps; the two never run them at once."""
    runtime = current_runtime()
    as_of = as_of or runtime.calendar.today()
    counts = run_panel_steps(as_of)
    delivered = deliver_now()
    publish(
        "panel-steps",
        f"Panel steps {as_of}",
        {k.replace("_", " "): v for k, v in {**counts, **delivered}.items()},
    )
    return {"as_of": as_of.isoformat(), **counts, **delivered}
