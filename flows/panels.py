"""Progression panels as deployments. `panel-decision`: the Prefect UI shows `PanelDecision`
as a form; the run validates it, records it once (as `ladder panel decide` does) and mails
the outcome report. `panel-steps`: the panel calendar moved on by date (packs locked or
rolled over at the end of the deadline day, panel packs to members, vacancies filled),
scheduled late in the evening so a deadline day's pack is locked that night."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from definitions.panels import PanelDecision
from flows.decisions import deliver_now, form_run_name, publish, record_decision
from tasks.panels import DecisionResult, decide, panel_steps
from tasks.runtime import current_runtime


@flow(
    name="panel-decision",
    flow_run_name=form_run_name("panel-decision", "decision", "worker", "panel"),
    validate_parameters=True,
)
def panel_decision(decision: PanelDecision) -> dict[str, Any]:
    """Record a progression panel's decision about one candidate: progress, or defer with
    reasons, further work and an action plan. Final: a second decision for the same
    candidate and panel fails and changes nothing."""
    runtime = current_runtime()
    result: DecisionResult = record_decision.with_options(name="record-panel-decision")(
        decide,
        {
            "decision": decision,
            "data_dir": runtime.settings.data_dir,
            "sender": runtime.sender_address,
        },
    )
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


def _steps_name() -> str:
    return f"panel-steps-{flow_run.parameters.get('as_of') or 'today'}"


@flow(name="panel-steps", flow_run_name=_steps_name)
def panel_steps_flow(as_of: date | None = None) -> dict[str, Any]:
    """Move the progression panels on for `as_of` (default: today in the organisation's
    zone). The daily sweep runs the same steps; the two never run them at once."""
    runtime = current_runtime()
    as_of = as_of or runtime.calendar.today()
    counts = panel_steps(as_of)
    delivered = deliver_now()
    publish(
        "panel-steps",
        f"Panel steps {as_of}",
        {k.replace("_", " "): v for k, v in {**counts, **delivered}.items()},
    )
    return {"as_of": as_of.isoformat(), **counts, **delivered}
