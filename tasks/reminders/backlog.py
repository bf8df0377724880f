"""The backlog: items Ladder first meets already overdue (at go-live, in a late import, after
an outage longer than the catch-up cap) get one catch-up notice in the digest of the people
responsible, then follow their escalation ladder from there."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from definitions.clock import DateWindow, skipped_by_cap, sweep_window
from definitions.items import DueItem, Person
from definitions.organisation import Organisation
from definitions.reminders import catch_up_step
from storage.notices import insert_notices
from storage.obligations import (
    mark_swept,
    people_with_roles,
    unmark_overdue,
    unswept_id_chunks,
    unswept_items,
)
from storage.sweeps import last_swept
from tasks.reminders.notices import notice_key, recipients_for
from tasks.reminders.sweep import SWEEP, due_range


def window_for(session: Session, organisation: Organisation, as_of: date) -> DateWindow:
    """The window today's sweep covers (read before the sweep closes it)."""
    last = last_swept(session, flow=SWEEP)
    return sweep_window(last, as_of, max_catch_up_days=organisation.profile.max_catch_up_days)


def plan_backlog(
    session: Session, organisation: Organisation, *, as_of: date, chunk_size: int
) -> list[tuple[int, int]]:
    """Id chunks of the items no sweep has seen yet. When this sweep's catch-up is capped,
    the overdue items whose steps fell in the days it leaves out are marked unseen first, so
    they are caught up once rather than never."""
    last = last_swept(session, flow=SWEEP)
    window = sweep_window(last, as_of, max_catch_up_days=organisation.profile.max_catch_up_days)
    skipped = skipped_by_cap(last, window)
    if not skipped.is_empty:
        due_from, due_to = due_range(organisation, skipped)
        unmark_overdue(session, due_from=due_from, due_to=due_to, before=as_of)
    return unswept_id_chunks(session, size=chunk_size)


def catch_up_rows(
    items: list[DueItem],
    organisation: Organisation,
    window: DateWindow,
    as_of: date,
    holders: dict[str, list[Person]],
) -> list[dict[str, Any]]:
    """One catch-up notice per person for each overdue item nobody could be told about, to
    their digest (one mail a day, however long the backlog)."""
    calendar = organisation.working_calendar()
    rows = []
    for item in items:
        policy = organisation.policy(item.reminder_policy)
        scheduled = catch_up_step(item.due_date, policy, window, as_of, calendar)
        if scheduled is None:
            continue
        # The person responsible hears too, whoever the furthest step reached.
        roles = tuple(dict.fromkeys(("responsible", *scheduled.roles)))
        reach = type(scheduled)(scheduled.step, scheduled.send_on, roles)
        for role, person in recipients_for(reach, item, holders):
            rows.append(
                dict(
                    dedup_key=notice_key(item, scheduled.step.key, person.id),
                    obligation_id=item.obligation_id,
                    recipient_id=person.id,
                    recipient_role=role,
                    step=scheduled.step.key,
                    escalation=True,
                    mode="digest",
                    due_date=item.due_date,
                    day=as_of,
                    status="pending",
                )
            )
    return rows


def decide_catch_up(
    session: Session, organisation: Organisation, *, as_of: date, chunk: tuple[int, int]
) -> tuple[int, int]:
    """One chunk of unseen items: their catch-up notices, then marked seen, in the caller's
    transaction. Returns (items that needed a catch-up, notices added)."""
    window = window_for(session, organisation, as_of)
    if window.is_empty:
        # A second run today: today's steps went out with the first one, so what is left
        # for this item is tomorrow's sweep or a catch-up now.
        tomorrow = as_of + timedelta(days=1)
        window = DateWindow(tomorrow, tomorrow)
    items = unswept_items(session, id_range=chunk)
    holders = people_with_roles(session, roles=organisation.reminded_roles)
    rows = catch_up_rows(items, organisation, window, as_of, holders)
    added = insert_notices(session, rows=rows)
    mark_swept(session, id_range=chunk, on=as_of)
    return len({r["obligation_id"] for r in rows}), added
