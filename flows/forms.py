"""What every decision deployment shares: a run named from its form, the decision recorded
under the form run's channel, the mail it queued delivered before it ends, what it recorded
published by id, and a refusal ending the run as Failed with the reason as its message and
no traceback (the task returns the refusal as a value instead of raising it, so neither
the task nor the flow logs an error for what is an expected answer)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run
from prefect.states import Failed, State

from definitions.errors import LadderError
from storage.history import channel
from tasks.delivery.steps import deliver_for_this_run

P = ParamSpec("P")
R = TypeVar("R")


def dated_run_name(prefix: str) -> Callable[[], str]:
    """A run named by the day it works on: its `as_of`, or else today in the organisation's
    time zone (a scheduled run of the daily sweep is `daily-2026-12-03`, not `daily-today`)."""

    def name() -> str:
        as_of = flow_run.parameters.get("as_of")
        if as_of is None:
            from tasks.runtime import current_runtime

            as_of = current_runtime().calendar.today()
        return f"{prefix}-{as_of}"

    return name


def form_run_name(prefix: str, parameter: str, *fields: str) -> Callable[[], str]:
    def name() -> str:
        form = flow_run.parameters.get(parameter) or {}
        if hasattr(form, "model_dump"):
            form = form.model_dump(mode="json")
        return "-".join([prefix, *(str(form.get(f, "?")) for f in fields)])

    return name


@dataclass(frozen=True)
class Refusal:
    """Ladder's answer when it refused a decision: the reason, for the person who filled in
    the form. Nothing was written."""

    message: str

    def state(self) -> State[Any]:
        return Failed(message=self.message)


def decision_step(body: Callable[P, R]) -> Callable[P, R | Refusal]:
    """The body of a decision task: recorded under the form run's channel (`form:<run id>`
    in the history, beside the person named), and a refusal returned as a `Refusal`."""

    @functools.wraps(body)
    def step(*args: P.args, **kwargs: P.kwargs) -> R | Refusal:
        try:
            with channel(f"form:{flow_run.id or 'local'}"):
                return body(*args, **kwargs)
        except LadderError as exc:
            return Refusal(str(exc))

    return step


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
