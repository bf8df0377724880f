"""Human decisions as deployments: each flow's parameter is a pydantic model, so the Prefect
UI shows a form. A run checks the form, records the decision once in one transaction (as
the CLI does; a second attempt is refused and changes nothing), delivers any mail it
queued and publishes what it recorded, by id, as an artifact. A refusal fails the run with
the reason as its message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from sqlalchemy.orm import Session

from definitions.forms import AsyeReview, CreditDecision, EvidenceReceived
from tasks.asye import record_outcome
from tasks.delivery import deliver_outbox
from tasks.panels import programme_of, record_evidence
from tasks.runtime import current_runtime
from tasks.training import decide_credit

T = TypeVar("T")


# No retries: a decision is recorded once; a second attempt after a commit would be refused.
@task(name="record-decision", cache_policy=NO_CACHE)
def record_decision(decide: Callable[..., T], arguments: dict[str, Any]) -> T:
    """Run one decision function in one transaction, with the organisation and today."""
    runtime = current_runtime()
    with Session(runtime.engine, expire_on_commit=False) as session, session.begin():
        return decide(session, runtime.organisation, today=runtime.calendar.today(), **arguments)


def deliver_now() -> dict[str, Any]:
    """Deliver what the decision queued (an outcome report, a notice) before the run ends."""
    settings = current_runtime().settings
    return dict(
        deliver_outbox.with_options(
            retries=settings.delivery_retries,
            retry_delay_seconds=settings.delivery_retry_delay_seconds,
        )()
    )


def publish(key: str, title: str, lines: dict[str, Any]) -> None:
    create_markdown_artifact(
        key=key,
        markdown=f"# {title}\n\n" + "".join(f"- {k}: {v}\n" for k, v in lines.items()),
        description=f"{title} (ids only)",
    )


def form_run_name(prefix: str, parameter: str, *fields: str) -> Callable[[], str]:
    def name() -> str:
        form = flow_run.parameters.get(parameter) or {}
        if hasattr(form, "model_dump"):
            form = form.model_dump(mode="json")
        return "-".join([prefix, *(str(form.get(f, "?")) for f in fields)])

    return name


@flow(
    name="asye-review",
    flow_run_name=form_run_name("asye-review", "review", "worker", "milestone"),
    validate_parameters=True,
)
def asye_review(review: AsyeReview) -> dict[str, Any]:
    """Record an ASYE review outcome, final recommendation or assessor's report, once."""
    result = record_decision.with_options(name="record-asye-review")(
        lambda session, organisation, today: record_outcome(
            session,
            organisation,
            worker=review.worker,
            milestone=review.milestone,
            outcome=review.outcome,
            actor=review.recorded_by,
            occurred_on=review.occurred_on or today,
            today=today,
            notes=review.notes,
        ),
        {},
    )
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


@flow(
    name="credit-decision",
    flow_run_name=form_run_name("credit-decision", "decision", "request"),
    validate_parameters=True,
)
def credit_decision(decision: CreditDecision) -> dict[str, Any]:
    """Approve or reject a request for credit for prior learning, once."""
    request = record_decision.with_options(name="record-credit-decision")(
        decide_credit,
        {
            "request_id": decision.request,
            "approve": decision.approve,
            "reason": decision.reason,
            "actor": decision.decided_by,
        },
    )
    get_run_logger().info("credit request %d: %s", decision.request, request.status)
    publish(
        "credit-decision",
        "Credit decision recorded",
        {
            "request": decision.request,
            "decision": request.status,
            "module": request.module,
            "decided by": decision.decided_by,
        },
    )
    return {"request": decision.request, "status": request.status, "module": request.module}


@flow(
    name="evidence-received",
    flow_run_name=form_run_name("evidence-received", "evidence", "worker", "item"),
    validate_parameters=True,
)
def evidence_received(evidence: EvidenceReceived) -> dict[str, Any]:
    """Record one item of a panel candidate's evidence pack: checked, stored and ticked off."""
    data_dir = current_runtime().settings.data_dir

    def record(session: Session, organisation: Any, today: Any) -> Any:
        capabilities = evidence.capabilities
        if capabilities == ("all",):
            capabilities = programme_of(organisation).capability_keys
        return record_evidence(
            session,
            organisation,
            worker=evidence.worker,
            item=evidence.item,
            author=evidence.author,
            dated=evidence.dated,
            actor=evidence.recorded_by,
            today=today,
            data_dir=data_dir,
            file=Path(evidence.file),
            observations=evidence.observations,
            capabilities=capabilities,
        )

    result = record_decision.with_options(name="record-evidence")(record, {})
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
