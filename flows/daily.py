"""The daily sweep: enrol, queue the reminders due since the last sweep, deliver the outbox."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, unmapped
from prefect.runtime import flow_run

from tasks.asye import enrol_nqsws
from tasks.delivery import deliver_outbox
from tasks.reminders import close_window, plan_sweep, queue_reminders
from tasks.reporting import publish_summary
from tasks.runtime import current_runtime


def _run_name() -> str:
    as_of = flow_run.parameters.get("as_of")
    return f"daily-{as_of or 'today'}"


@flow(name="daily", flow_run_name=_run_name)
async def daily(as_of: date | None = None) -> dict[str, Any]:
    """Run one day of Ladder. `as_of` is a calendar date in the organisation's time zone
    (default: today there); days missed since the last run are caught up once."""
    runtime = current_runtime()
    as_of = as_of or runtime.calendar.today()
    enrolled = enrol_nqsws(as_of)
    start, end, chunks = plan_sweep(as_of)
    queued = 0
    if chunks:
        futures = queue_reminders.map(chunks, unmapped(start), unmapped(end), unmapped(as_of))
        queued = sum(futures.result())
    close_window(as_of, start, end, {"enrolled": enrolled, "queued": queued})
    delivery = deliver_outbox.with_options(
        retries=runtime.settings.delivery_retries,
        retry_delay_seconds=runtime.settings.delivery_retry_delay_seconds,
    )(return_state=True)
    delivered = await delivery.aresult() if delivery.is_completed() else {}
    counts = {"as_of": as_of.isoformat(), "enrolled": enrolled, "queued": queued, **delivered}
    await publish_summary(as_of, (start, end), counts)
    if not delivery.is_completed():
        await delivery.aresult()  # fail the run with the delivery error, after the summary
    return counts
