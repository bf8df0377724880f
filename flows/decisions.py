"""Human decisions as deployments: each flow's parameter is a pydantic model, so the Prefect
UI shows a form. A run checks the form, records the decision once in one transaction (the
same use case the CLI calls; a second attempt is refused and changes nothing), delivers
any mail it queued and publishes what it recorded, by id, as an artifact. A refusal ends
the run as Failed with the reason as its message (flows/forms.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import State

from definitions.forms import AsyeReview, CreditDecision, EvidenceReceived
from flows.forms import Refusal, decision_step, form_run_name, publish
from tasks.panels.common import programme_of
from tasks.panels.evidence import RecordedEvidence, record_evidence
from tasks.programmes.decisions import RecordedDecision, record_outcome
from tasks.runtime import current_runtime
from tasks.training.credit import decide_credit

# No retries on these tasks: a decision is recorded once; a second attempt after a commit
# would be refused.


@task(name="record-asye-review", cache_policy=NO_CACHE)
@decision_step
def record_asye_review(review: AsyeReview) -> RecordedDecision:
    runtime = current_runtime()
    today = runtime.today()
    with runtime.transaction() as session:
        return record_outcome(
            session,
            runtime.organisation,
            worker=review.worker,
            milestone=review.milestone,
            outcome=review.outcome,
            actor=review.recorded_by,
            occurred_on=review.occurred_on or today,
            today=today,
            notes=review.notes,
        )


@flow(
    name="asye-review",
    flow_run_name=form_run_name("asye-review", "review", "worker", "milestone"),
    validate_parameters=True,
)
def asye_review(review: AsyeReview) -> dict[str, Any] | State[Any]:
    """Record an ASYE review outcome, final recommendation or assessor's report, once."""
    result = record_asye_review(review)
    if isinstance(result, Refusal):
        return result.state()
    late = f", {result.days_late} day(s) after it was due" if result.days_late else ""
    get_run_logger().info(
        "recorded %s for %s: %s on %s%s",
        result.milestone,
        result.worker,
        result.outcome,
        result.occurred_on,
        late,
    )
    publish(
        "asye-review",
        "ASYE decision recorded",
        {
            "NQSW": result.worker,
            "milestone": result.milestone,
            "outcome": result.outcome,
            "on": f"{result.occurred_on} (due {result.due_date}){late}",
            "recorded by": review.recorded_by,
            "history event": result.event_id,
        },
    )
    return {
        "worker": result.worker,
        "milestone": result.milestone,
        "outcome": result.outcome,
        "occurred_on": result.occurred_on.isoformat(),
        "event_id": result.event_id,
    }


@task(name="record-credit-decision", cache_policy=NO_CACHE)
@decision_step
def record_credit_decision(decision: CreditDecision) -> dict[str, str]:
    """The decision's status and the request's module."""
    runtime = current_runtime()
    with runtime.transaction() as session:
        request = decide_credit(
            session,
            runtime.organisation,
            request_id=decision.request,
            approve=decision.approve,
            reason=decision.reason,
            actor=decision.decided_by,
            today=runtime.today(),
            sender_address=runtime.sender_address,
        )
        return {"status": request.status, "module": request.module}


@flow(
    name="credit-decision",
    flow_run_name=form_run_name("credit-decision", "decision", "request"),
    validate_parameters=True,
)
def credit_decision(decision: CreditDecision) -> dict[str, Any] | State[Any]:
    """Approve or reject a request for credit for prior learning, once."""
    request = record_credit_decision(decision)
    if isinstance(request, Refusal):
        return request.state()
    get_run_logger().info("credit request %d: %s", decision.request, request["status"])
    publish(
        "credit-decision",
        "Credit decision recorded",
        {
            "request": decision.request,
            "decision": request["status"],
            "module": request["module"],
            "decided by": decision.decided_by,
        },
    )
    return {"request": decision.request, **request}


@task(name="record-evidence", cache_policy=NO_CACHE)
@decision_step
def record_received_evidence(evidence: EvidenceReceived) -> RecordedEvidence:
    runtime = current_runtime()
    capabilities = evidence.capabilities
    with runtime.transaction() as session:
        if capabilities == ("all",):
            capabilities = programme_of(runtime.organisation).capability_keys
        return record_evidence(
            session,
            runtime.organisation,
            worker=evidence.worker,
            item=evidence.item,
            author=evidence.author,
            dated=evidence.dated,
            actor=evidence.recorded_by,
            today=runtime.today(),
            data_dir=runtime.settings.data_dir,
            file=Path(evidence.file),
            observations=evidence.observations,
            capabilities=capabilities,
            protected=(runtime.settings.signing_key.parent,),
        )


@flow(
    name="evidence-received",
    flow_run_name=form_run_name("evidence-received", "evidence", "worker", "item"),
    validate_parameters=True,
)
def evidence_received(evidence: EvidenceReceived) -> dict[str, Any] | State[Any]:
    """Record one item of a panel candidate's evidence pack: checked, stored and ticked off."""
    result = record_received_evidence(evidence)
    if isinstance(result, Refusal):
        return result.state()
    missing = ", ".join(result.still_missing) or "nothing: the pack is complete"
    get_run_logger().info(
        "%s recorded for %s; still missing for the panel on %s: %s",
        evidence.item,
        evidence.worker,
        result.panel,
        missing,
    )
    publish(
        "evidence-received",
        "Panel evidence recorded",
        {
            "candidate": evidence.worker,
            "item": evidence.item,
            "panel": result.panel,
            "replaces an earlier version": "yes" if result.replaced else "no",
            "still missing": missing,
        },
    )
    return {
        "worker": evidence.worker,
        "item": evidence.item,
        "panel": result.panel.isoformat(),
        "evidence_id": result.evidence_id,
        "still_missing": list(result.still_missing),
    }
