"""What every decision deployment shares: a run named from its form, the mail it queued
delivered before it ends, what it recorded published by id, and a refusal ending the run
as Failed with the reason as its message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run
from prefect.states import Failed, State

from definitions.errors import LadderError
from tasks.delivery.steps import deliver_for_this_run


def form_run_name(prefix: str, parameter: str, *fields: str) -> Callable[[], str]:
    def name() -> str:
        form = flow_run.parameters.get(parameter) or {}
        if hasattr(form, "model_dump"):
            form = form.model_dump(mode="json")
        return "-".join([prefix, *(str(form.get(f, "?")) for f in fields)])

    return name


def refused(error: LadderError) -> State[Any]:
    """The run's end when Ladder refused the decision: Failed, with the reason as its message
    (nothing was written)."""
    return Failed(message=str(error))


def deliver_now() -> dict[str, Any]:
    """Deliver what the decision queued (an outcome report, a notice) before the run ends."""
    state, delivered = deliver_for_this_run()
    state.result()  # a delivery that failed for good fails the run, as before
    return dict(delivered)


def publish(key: str, title: str, lines: dict[str, Any]) -> None:
    create_markdown_artifact(
        key=key,
        markdown=f"# {title}\n\n" + "".join(f"- {k}: {v}\n" for k, v in lines.items()),
        description=f"{title} (ids only)",
    )
