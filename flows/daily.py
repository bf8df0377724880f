"""The daily sweep: enrol, queue the reminders due since the last sweep, deliver the outbox."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, unmapped

from flows.forms import dated_run_name
from flows.guard import exclusive
from flows.panels import run_panel_steps
from flows.runners import configured_task_runner
from tasks.delivery.steps import deliver_for_this_run
from tasks.programmes.steps import run_programmes
from tasks.registration.steps import registration_cycle
from tasks.reminders.steps import (
    catch_up_backlog,
    close_window,
    compose_messages,
    plan_catch_up,
    plan_compose,
    plan_sweep,
    queue_reminders,
)
from tasks.reporting.steps import publish_summary
from tasks.runtime import Runtime, current_runtime
from tasks.supervision.steps import schedule_supervision
from tasks.training.steps import refresh_training


@flow(name="daily", flow_run_name=dated_run_name("daily"), task_runner=configured_task_runner())
async def daily(as_of: date | None = None) -> dict[str, Any]:
    """Run one day of Ladder. `as_of` is a calendar date in the organisation's time zone
    (default: today there); days missed since the last run are caught up once."""
    runtime = current_runtime()
    as_of = as_of or runtime.calendar.today()
    # One sweep at a time, whatever started it: a second one fails at once, having done nothing.
    with exclusive(runtime, "daily"):
        return await _sweep(runtime, as_of)


async def _sweep(runtime: Runtime, as_of: date) -> dict[str, Any]:
    # A lifecycle the organisation has no file for has no task in the run.
    organisation = runtime.organisation
    enrolled = run_programmes(as_of) if organisation.dated_programmes else 0
    training = refresh_training(as_of) if organisation.training else {}
    panels = run_panel_steps(as_of) if organisation.panels else {}
    supervision = schedule_supervision(as_of) if organisation.supervision else None
    cpd = registration_cycle(as_of) if organisation.registration else None
    start, end, chunks, skipped = plan_sweep(as_of)
    noticed = 0
    if chunks:
        futures = queue_reminders.map(chunks, unmapped(start), unmapped(end), unmapped(as_of))
        noticed = sum(futures.result())
    # Items no sweep has seen yet and already overdue (go-live, a late import, a long outage):
    # one catch-up notice each, before the window closes.
    caught_up = 0
    backlog = plan_catch_up(as_of)
    if backlog:
        caught_up = sum(catch_up_backlog.map(backlog, unmapped(as_of)).result())
    # Every chunk has decided its notices; now each person's day becomes their mails.
    composed = {"queued": 0, "direct": 0, "digests": 0, "folded": 0, "dropped": 0}
    recipient_chunks = plan_compose(as_of)
    if recipient_chunks:
        for part in compose_messages.map(recipient_chunks, unmapped(as_of)).result():
            composed = {k: composed[k] + part[k] for k in composed}
    queued = composed["queued"]
    close_window(
        as_of,
        start,
        end,
        {"enrolled": enrolled, "noticed": noticed, "caught_up": caught_up, **composed},
    )
    # The summary counts, in the outbox, what the server accepted in every attempt.
    delivery, delivered = deliver_for_this_run()
    counts = {
        "as_of": as_of.isoformat(),
        **({"catch_up_skipped": skipped} if skipped else {}),
        **({"enrolled": enrolled} if organisation.dated_programmes else {}),
        "noticed": noticed,
        **({"caught_up": caught_up} if caught_up else {}),
        "queued": queued,
        "digests": composed["digests"],
        "folded": composed["folded"],
        **{f"refresher_{k}": v for k, v in training.items()},
        **panels,
        **({"supervision_items": supervision} if supervision is not None else {}),
        **({"cpd_items": cpd} if cpd is not None else {}),
        **delivered,
    }
    await publish_summary(as_of, (start, end), counts)
    if not delivery.is_completed():
        await delivery.aresult()  # fail the run with the delivery error, after the summary
    return counts
