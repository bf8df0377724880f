"""Queue reminders: read due obligations in chunks, render each step once into the outbox."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from definitions.clock import DateWindow, sweep_window
from definitions.items import DueItem, Person
from definitions.organisation import Organisation
from definitions.reminders import ScheduledStep, steps_due
from storage.notices import insert_notices
from storage.obligations import open_due_items, open_id_chunks, people_with_role
from storage.sweeps import last_swept, record_sweep
from tasks.runtime import current_runtime

SWEEP = "daily"


def due_range(organisation: Organisation, window: DateWindow) -> tuple[date, date]:
    """Due dates whose reminder steps can fall inside `window`, over every policy."""
    policies = organisation.reminder_policies.values()
    earliest = min(p.earliest_offset for p in policies)
    latest = max(p.latest_offset for p in policies)
    # Steps move off weekends, bank holidays and closure days: widen the range by the longest
    # closure near the window (plus a margin for closures added later); steps_due then picks
    # exactly.
    calendar = organisation.working_calendar()
    around = timedelta(days=latest - earliest + 62)
    closure = calendar.longest_closure(window.start - around, window.end + around)
    slack = timedelta(days=closure + 1)
    return (
        window.start - timedelta(days=latest) - slack,
        window.end - timedelta(days=earliest) + slack,
    )


@task(name="plan-sweep", cache_policy=NO_CACHE)
def plan_sweep(as_of: date) -> tuple[date, date, list[tuple[int, int]]]:
    """The dates this sweep covers (since the last successful sweep, up to as_of) and the id
    chunks of obligations whose reminder steps may fall in them."""
    runtime = current_runtime()
    with Session(runtime.engine) as session:
        last = last_swept(session, flow=SWEEP)
        window = sweep_window(
            last, as_of, max_catch_up_days=runtime.organisation.profile.max_catch_up_days
        )
        chunks: list[tuple[int, int]] = []
        if not window.is_empty:
            due_from, due_to = due_range(runtime.organisation, window)
            chunks = open_id_chunks(
                session, due_from=due_from, due_to=due_to, size=runtime.settings.chunk_size
            )
    get_run_logger().info(
        "sweep window: %s (last swept: %s); %d chunk(s)", window, last or "never", len(chunks)
    )
    return window.start, window.end, chunks


def _recipients(
    scheduled: ScheduledStep, item: DueItem, leads: list[Person]
) -> list[tuple[str, Person]]:
    """People for the step's roles, each person once (an assessor who is also the manager)."""
    by_role: dict[str, list[Person]] = {
        "worker": [item.subject],
        "assessor": [item.assessor] if item.assessor else [],
        "supervisor": [item.supervisor] if item.supervisor else [],
        "manager": [item.manager] if item.manager else [],
        "workforce_lead": leads,
    }
    seen: set[int] = set()
    chosen = []
    for step_role in scheduled.roles:
        role = item.responsible_role if step_role == "responsible" else step_role
        for person in by_role.get(role, []):
            if person.id not in seen:
                seen.add(person.id)
                chosen.append((role, person))
    return chosen


def notice_key(item: DueItem, step: str, person_id: int) -> str:
    # The due date is part of the key: when leave moves a milestone, its steps go out again
    # for the new date (and never twice for the same date).
    return f"obligation:{item.obligation_id}:{item.due_date}:{step}:{person_id}"


def notice_rows(
    items: list[DueItem],
    organisation: Organisation,
    window: DateWindow,
    as_of: date,
    leads: list[Person],
) -> list[dict[str, Any]]:
    """Who is to be told what today: one row per (item, step, person), routed direct or to
    the person's digest by the organisation's delivery policy. Nothing is rendered here."""
    rows = []
    calendar = organisation.working_calendar()
    delivery = organisation.delivery
    for item in items:
        policy = organisation.policy(item.reminder_policy)
        for scheduled in steps_due(item.due_date, policy, window, calendar):
            for role, person in _recipients(scheduled, item, leads):
                rows.append(
                    dict(
                        dedup_key=notice_key(item, scheduled.step.key, person.id),
                        obligation_id=item.obligation_id,
                        recipient_id=person.id,
                        recipient_role=role,
                        step=scheduled.step.key,
                        escalation=scheduled.step.escalation,
                        mode=delivery.mode(item.kind, role),
                        due_date=item.due_date,
                        day=as_of,
                        status="pending",
                    )
                )
    return rows


def decide_notices(
    session: Session,
    organisation: Organisation,
    window: DateWindow,
    as_of: date,
    chunk: tuple[int, int],
) -> tuple[int, int]:
    """One chunk's notices, in the caller's transaction: (due items read, notices added)."""
    due_from, due_to = due_range(organisation, window)
    items = open_due_items(session, due_from=due_from, due_to=due_to, id_range=chunk)
    leads = people_with_role(session, role="workforce_lead")
    rows = notice_rows(items, organisation, window, as_of, leads)
    return len(items), insert_notices(session, rows=rows)


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
    with Session(runtime.engine) as session, session.begin():
        items, queued = decide_notices(session, runtime.organisation, window, as_of, chunk)
    get_run_logger().info(
        "obligations %d..%d: %d due item(s), %d new notice(s)",
        chunk[0],
        chunk[1],
        items,
        queued,
    )
    return queued


@task(name="close-sweep-window", cache_policy=NO_CACHE)
def close_window(as_of: date, window_start: date, window_end: date, counts: dict[str, int]) -> None:
    """Move the watermark: these dates are handled and will not be swept again."""
    if window_start > window_end:
        return
    runtime = current_runtime()
    with Session(runtime.engine) as session, session.begin():
        record_sweep(
            session,
            flow=SWEEP,
            as_of=as_of,
            window_start=window_start,
            window_end=window_end,
            counts=counts,
        )
