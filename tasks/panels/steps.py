"""The Prefect tasks that move panels on by date, each one step in its own transaction,
named and retried on its own; flows/panels.py runs them in order under one lease."""

from __future__ import annotations

from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.panels.calendar import sync_panels
from tasks.panels.deadline import lock_due_panels
from tasks.panels.pack import invite_members, send_panel_packs
from tasks.panels.pathway import close_pathway_items
from tasks.panels.placement import fill_vacancies
from tasks.runtime import current_runtime


@task(name="sync-panels", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def sync_panels_step(as_of: date) -> dict[str, int]:
    """Put the meetings panels.yaml lists on the calendar, and invite the members to each
    meeting new on it."""
    runtime = current_runtime()
    with runtime.transaction() as session:
        scheduled = sync_panels(session, runtime.organisation)
        invites = invite_members(
            session, runtime.organisation, as_of=as_of, sender=runtime.sender_address
        )
    return {"panels_scheduled": scheduled, "member_invites": invites}


@task(name="close-pathway-items", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def close_pathway_items_step(as_of: date) -> dict[str, int]:
    """Tick off the training-pathway item of packs whose candidate has done the pathway."""
    runtime = current_runtime()
    with runtime.transaction() as session:
        closed = close_pathway_items(session, runtime.organisation, as_of=as_of)
    return {"pathways_completed": closed}


@task(name="lock-panels", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def lock_panels_step(as_of: date) -> dict[str, int]:
    """At the end of a deadline day: lock complete packs, roll incomplete ones over."""
    runtime = current_runtime()
    with runtime.transaction() as session:
        result = lock_due_panels(
            session, runtime.organisation, as_of=as_of, sender=runtime.sender_address
        )
    return {
        "panels_locked": result.locked,
        "packs_submitted": result.submitted,
        "packs_rolled_over": result.rolled_over,
    }


@task(name="send-panel-packs", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def send_panel_packs_step(as_of: date) -> dict[str, int]:
    """The panel pack to every member, once, `pack_days_before` the meeting."""
    runtime = current_runtime()
    with runtime.transaction() as session:
        sent = send_panel_packs(
            session,
            runtime.organisation,
            as_of=as_of,
            sender=runtime.sender_address,
            data_dir=runtime.settings.data_dir,
        )
    return {"pack_mails": sent}


@task(name="fill-vacancies", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def fill_vacancies_step(as_of: date) -> dict[str, int]:
    """Slot waiting progressed candidates into vacant posts of their service."""
    runtime = current_runtime()
    with runtime.transaction() as session:
        return {"slotted": len(fill_vacancies(session, runtime.organisation, as_of=as_of))}
