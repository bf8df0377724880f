"""The Prefect adapter of training: the daily refresh of renewal items and refresher bookings."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks.runtime import current_runtime
from tasks.training.refreshers import book_refreshers
from tasks.training.renewals import ensure_renewal_items
from tasks.training.required import ensure_required_items


@task(name="refresh-training", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def refresh_training(as_of: date) -> dict[str, Any]:
    """Renewal items for every credential that needs one, and refresher bookings for every
    worker whose renewal window has opened."""
    runtime = current_runtime()
    if runtime.organisation.training is None:
        return {}
    with runtime.transaction() as session:
        items = ensure_renewal_items(session, runtime.organisation)
        required = ensure_required_items(session, runtime.organisation)
        booking = book_refreshers(
            session, runtime.organisation, as_of=as_of, sender_address=runtime.sender_address
        )
    get_run_logger().info(
        "%d renewal item(s) and %d item(s) of required training added; %d booked on a "
        "refresher, %d waitlisted, %d with no session",
        items,
        required,
        booking.booked,
        booking.waitlisted,
        booking.no_session,
    )
    return {
        "renewal_items": items,
        "required_items": required,
        "booked": booking.booked,
        "waitlisted": booking.waitlisted,
        "no_session": booking.no_session,
        "released": booking.released,
        "without_session": [
            {"worker": w, "module": m, "expires": e.isoformat()}
            for w, m, e in booking.without_session
        ],
    }
