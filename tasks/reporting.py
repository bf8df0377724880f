"""Publish, from inside a flow run, what the team should see in the Prefect UI (ids, no names)."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from sqlalchemy.orm import Session

from storage.obligations import overdue_by_kind
from storage.outbox import status_counts
from tasks.runtime import current_runtime


async def publish_summary(as_of: date, window: tuple[date, date], counts: dict[str, Any]) -> None:
    runtime = current_runtime()
    with Session(runtime.engine) as session:
        overdue = overdue_by_kind(session, as_of=as_of)
        outbox = status_counts(session)
    await acreate_table_artifact(
        key="daily-overdue",
        table=[{"milestone": k, "overdue": v} for k, v in sorted(overdue.items())]
        or [{"milestone": "(none)", "overdue": 0}],
        description=f"Open items past their due date on {as_of}",
    )
    start, end = window
    swept = "nothing new" if start > end else f"{start} to {end}"
    await acreate_markdown_artifact(
        key="daily-summary",
        markdown=(
            f"# Daily sweep {as_of}\n\n"
            f"- dates swept: {swept}\n"
            f"- NQSWs enrolled: {counts.get('enrolled', 0)}\n"
            f"- notices decided: {counts.get('noticed', 0)}; mails queued: "
            f"{counts.get('queued', 0)}, of them {counts.get('digests', 0)} digest(s), "
            f"holding {counts.get('folded', 0)} item(s) over the daily cap\n"
            f"- refresher places booked: {counts.get('refresher_booked', 0)}, waitlisted: "
            f"{counts.get('refresher_waitlisted', 0)}, no session before expiry: "
            f"{counts.get('refresher_no_session', 0)}\n"
            f"- panels: {counts.get('panels_locked', 0)} locked at their deadline, "
            f"{counts.get('packs_submitted', 0)} pack(s) submitted, "
            f"{counts.get('packs_rolled_over', 0)} moved to the next panel, "
            f"{counts.get('pack_mails', 0)} panel pack mail(s), "
            f"{counts.get('slotted', 0)} slotted into a post\n"
            f"- mail sent: {counts.get('sent', 0)}, failed: {counts.get('failed', 0)}, "
            f"still queued: {outbox.get('queued', 0)}\n"
            f"- overdue items: {sum(overdue.values())}\n"
        ),
        description="What the daily sweep did",
    )
