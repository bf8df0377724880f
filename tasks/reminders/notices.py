"""Decide the day's notices: who is told what about each due item, one row per (item,
step, person), routed direct or to a digest. Nothing is rendered here."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from definitions.clock import DateWindow
from definitions.items import DueItem, Person
from definitions.organisation import Organisation
from definitions.reminders import ScheduledStep, steps_due
from storage.notices import insert_notices
from storage.obligations import open_due_items, people_with_roles
from tasks.reminders.sweep import due_range


def recipients_for(
    scheduled: ScheduledStep, item: DueItem, holders: dict[str, list[Person]]
) -> list[tuple[str, Person]]:
    """People for the step's roles, each person once (an assessor who is also the manager):
    the worker's own relations, and everyone holding a role of ladder.yaml it names."""
    by_role: dict[str, list[Person]] = {
        **holders,
        "worker": [item.subject],
        "assessor": [item.assessor] if item.assessor else [],
        "supervisor": [item.supervisor] if item.supervisor else [],
        "manager": [item.manager] if item.manager else [],
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
    holders: dict[str, list[Person]],
) -> list[dict[str, Any]]:
    """Who is to be told what today: one row per (item, step, person), routed direct or to
    the person's digest by the organisation's delivery policy. Nothing is rendered here."""
    rows = []
    calendar = organisation.working_calendar()
    delivery = organisation.delivery
    for item in items:
        policy = organisation.policy(item.reminder_policy)
        for scheduled in steps_due(item.due_date, policy, window, calendar):
            for role, person in recipients_for(scheduled, item, holders):
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
    holders = people_with_roles(session, roles=organisation.reminded_roles)
    rows = notice_rows(items, organisation, window, as_of, holders)
    return len(items), insert_notices(session, rows=rows)
