"""Queue reminders: read due obligations in chunks, render each step once into the outbox."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from definitions.clock import DateWindow, sweep_window
from definitions.organisation import Organisation
from definitions.reminders import ScheduledStep, steps_due
from notifications.message import message_id_for
from notifications.render import days_phrase, render
from storage.obligations import DueItem, Person, open_due_items, open_id_chunks, people_with_role
from storage.outbox import enqueue
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
        "manager": [item.manager] if item.manager else [],
        "workforce_lead": leads,
    }
    seen: set[int] = set()
    chosen = []
    for role in scheduled.roles:
        for person in by_role[role]:
            if person.id not in seen:
                seen.add(person.id)
                chosen.append((role, person))
    return chosen


def _next_steps(role: str, item: DueItem, overdue: bool) -> list[str]:
    assessor = item.assessor.name if item.assessor else "your manager"
    record = (
        f"record it in Ladder (workforce team: `ladder asye review {item.subject.external_id}"
        f" --milestone {item.milestone} --outcome ... --by YOUR-ID`)"
    )
    if role == "worker":
        return [
            f"agree the meeting with your assessor, {assessor}, if it is not booked yet",
            "bring your evidence and critical reflection to the meeting",
        ]
    if role == "assessor":
        return ["meet the NQSW and complete the review against the PCF domains", record]
    return [
        f"check with {assessor} why it is {'late' if overdue else 'not done yet'}",
        "record the outcome, or record leave if the NQSW has been away",
        record,
    ]


def reminder_rows(
    items: list[DueItem],
    organisation: Organisation,
    window: DateWindow,
    as_of: date,
    leads: list[Person],
    sender_address: str,
) -> list[dict[str, Any]]:
    rows = []
    calendar = organisation.working_calendar()
    for item in items:
        policy = organisation.policy(item.reminder_policy)
        for scheduled in steps_due(item.due_date, policy, window, calendar):
            for role, person in _recipients(scheduled, item, leads):
                # The due date is part of the key: when leave moves a milestone, its steps
                # go out again for the new date (and never twice for the same date).
                dedup_key = (
                    f"obligation:{item.obligation_id}:{item.due_date}:{scheduled.step.key}"
                    f":{person.id}"
                )
                overdue = item.due_date < as_of
                message = render(
                    "reminder",
                    {
                        "org_name": organisation.name,
                        "recipient_name": person.name,
                        "recipient_role": role,
                        "subject_name": item.subject.name,
                        "subject_id": item.subject.external_id,
                        "title": item.title,
                        "due": item.due_date,
                        "when": days_phrase(item.due_date, as_of),
                        "overdue": overdue,
                        "escalation": scheduled.step.escalation,
                        "next_steps": _next_steps(role, item, overdue),
                        "rule": item.rule,
                    },
                )
                rows.append(
                    dict(
                        dedup_key=dedup_key,
                        message_id=message_id_for(dedup_key, sender_address),
                        kind=item.milestone,
                        step=scheduled.step.key,
                        obligation_id=item.obligation_id,
                        recipient_id=person.id,
                        recipient_role=role,
                        to_address=person.email,
                        subject=message.subject,
                        body_text=message.text,
                        body_html=message.html,
                        send_on=as_of,
                        status="queued",
                        attempts=0,
                    )
                )
    return rows


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
    """Queue this chunk's reminders; a dedup key already in the outbox is never queued again."""
    runtime = current_runtime()
    window = DateWindow(window_start, window_end)
    due_from, due_to = due_range(runtime.organisation, window)
    with Session(runtime.engine) as session, session.begin():
        items = open_due_items(session, due_from=due_from, due_to=due_to, id_range=chunk)
        leads = people_with_role(session, role="workforce_lead")
        rows = reminder_rows(
            items, runtime.organisation, window, as_of, leads, runtime.sender_address
        )
        queued = enqueue(session, rows=rows)
    get_run_logger().info(
        "obligations %d..%d: %d due item(s), %d new message(s) queued",
        chunk[0],
        chunk[1],
        len(items),
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
