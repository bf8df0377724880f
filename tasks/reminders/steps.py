"""The reminder steps the daily flow runs, as Prefect tasks: plan the sweep, decide each
chunk's notices, close the window, and compose each range of recipients' mails."""

from __future__ import annotations

from datetime import date

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from definitions.clock import DateWindow, skipped_by_cap
from storage.notices import pending_recipient_chunks
from tasks.reminders.backlog import decide_catch_up, plan_backlog
from tasks.reminders.compose import compose_recipients
from tasks.reminders.notices import decide_notices
from tasks.reminders.sweep import close_sweep, plan_window
from tasks.runtime import current_runtime


@task(name="plan-sweep", cache_policy=NO_CACHE)
def plan_sweep(as_of: date) -> tuple[date, date, list[tuple[int, int]], str | None]:
    """The dates this sweep covers (since the last successful sweep, up to as_of), the id
    chunks of obligations whose reminder steps may fall in them, and the days a capped
    catch-up leaves out ("FIRST..LAST (N days)"), or None."""
    runtime = current_runtime()
    with Session(runtime.engine) as session:
        window, last, chunks = plan_window(
            session, runtime.organisation, as_of=as_of, chunk_size=runtime.settings.chunk_size
        )
    logger = get_run_logger()
    logger.info(
        "sweep window: %s (last swept: %s); %d chunk(s)", window, last or "never", len(chunks)
    )
    skipped = skipped_by_cap(last, window)
    if skipped.is_empty:
        return window.start, window.end, chunks, None
    left_out = f"{skipped} ({skipped.days()} day(s))"
    logger.warning(
        "catch-up capped at %d day(s) (max_catch_up_days in organisation.yaml): reminders due "
        "on %s were not sent; `ladder explain WORKER` still shows those items",
        runtime.organisation.profile.max_catch_up_days,
        left_out,
    )
    return window.start, window.end, chunks, left_out


@task(
    name="queue-reminders",
    task_run_name="queue-reminders-{chunk[0]}",
    retries=2,
    retry_delay_seconds=5,
    cache_policy=NO_CACHE,
)
def queue_reminders(
    chunk: tuple[int, int], window_start: date, window_end: date, as_of: date
) -> int:
    """Decide this chunk's notices; a (item, due date, step, person) already decided is never
    decided again. The compose step turns them into mails."""
    runtime = current_runtime()
    window = DateWindow(window_start, window_end)
    with runtime.transaction() as session:
        items, queued = decide_notices(session, runtime.organisation, window, as_of, chunk)
    get_run_logger().info(
        "obligations %d..%d: %d due item(s), %d new notice(s)",
        chunk[0],
        chunk[1],
        items,
        queued,
    )
    return queued


@task(name="plan-backlog", cache_policy=NO_CACHE)
def plan_catch_up(as_of: date) -> list[tuple[int, int]]:
    """Id chunks of the items no sweep has seen yet: new today, or left out by a capped
    catch-up after a long outage."""
    runtime = current_runtime()
    with runtime.transaction() as session:
        return plan_backlog(
            session, runtime.organisation, as_of=as_of, chunk_size=runtime.settings.chunk_size
        )


@task(
    name="catch-up-backlog",
    task_run_name="catch-up-backlog-{chunk[0]}",
    retries=2,
    retry_delay_seconds=5,
    cache_policy=NO_CACHE,
)
def catch_up_backlog(chunk: tuple[int, int], as_of: date) -> int:
    """One catch-up notice, to the digest, for each item of this chunk that was already
    overdue when Ladder first saw it; then the chunk is marked seen. Returns the items."""
    runtime = current_runtime()
    with runtime.transaction() as session:
        items, added = decide_catch_up(session, runtime.organisation, as_of=as_of, chunk=chunk)
    get_run_logger().info(
        "obligations %d..%d first seen: %d overdue item(s) caught up, %d notice(s)",
        chunk[0],
        chunk[1],
        items,
        added,
    )
    return items


@task(name="close-sweep-window", cache_policy=NO_CACHE)
def close_window(as_of: date, window_start: date, window_end: date, counts: dict[str, int]) -> None:
    """Move the watermark: these dates are handled and will not be swept again."""
    if window_start > window_end:
        return
    runtime = current_runtime()
    with runtime.transaction() as session:
        close_sweep(
            session,
            as_of=as_of,
            window_start=window_start,
            window_end=window_end,
            counts=counts,
        )


@task(name="plan-compose", cache_policy=NO_CACHE)
def plan_compose(as_of: date) -> list[tuple[int, int]]:
    """Recipient id ranges with notices waiting to be composed (today's, and any a crashed
    run left behind)."""
    runtime = current_runtime()
    with Session(runtime.engine) as session:
        return pending_recipient_chunks(session, day=as_of, size=runtime.settings.chunk_size)


@task(
    name="compose-messages",
    task_run_name="compose-messages-{recipients[0]}",
    retries=2,
    retry_delay_seconds=5,
    cache_policy=NO_CACHE,
)
def compose_messages(recipients: tuple[int, int], as_of: date) -> dict[str, int]:
    """Queue these recipients' mails for the day and mark their notices composed, at once."""
    runtime = current_runtime()
    with runtime.transaction() as session:
        composed, queued = compose_recipients(
            session,
            runtime.organisation,
            as_of,
            recipients,
            runtime.sender_address,
            links=runtime.links(),
        )
    counts = {
        "queued": queued,
        "direct": composed.direct,
        "digests": composed.digests,
        "folded": composed.folded,
        "dropped": len(composed.dropped),
    }
    get_run_logger().info(
        "recipients %d..%d: %d direct, %d digest(s) (%d folded by the daily cap), %d dropped",
        recipients[0],
        recipients[1],
        composed.direct,
        composed.digests,
        composed.folded,
        len(composed.dropped),
    )
    return counts
