"""The daily run's summary as tables and a markdown page: what the team should see (ids, no
names). Read here; published as Prefect artifacts by tasks/reporting/steps.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from storage.obligations import open_by_team, overdue_by_kind
from storage.outbox import day_counts, status_counts

DUE_HORIZON_DAYS = 30


@dataclass(frozen=True)
class Table:
    key: str
    rows: list[dict[str, Any]]
    description: str


@dataclass(frozen=True)
class DailySummary:
    tables: list[Table]
    markdown: str


def _mail_table(rows: list[tuple[str, str, str, int]]) -> list[dict[str, Any]]:
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for channel, kind, status, n in rows:
        row = table.setdefault(
            (channel, kind), {"channel": channel, "kind": kind, "sent": 0, "failed": 0, "queued": 0}
        )
        row[status] = row.get(status, 0) + n
    return list(table.values())


def daily_summary(
    session: Session, *, as_of: date, window: tuple[date, date], counts: dict[str, Any]
) -> DailySummary:
    """Open items by team, the day's mails, what is overdue, and what the sweep did."""
    overdue = overdue_by_kind(session, as_of=as_of)
    outbox = status_counts(session)
    horizon = as_of + timedelta(days=DUE_HORIZON_DAYS)
    teams = open_by_team(session, as_of=as_of, horizon=horizon)
    mails = day_counts(session, send_on=as_of)
    tables = [
        Table(
            key="daily-due-by-team",
            rows=[
                {"team": t, "kind": k, f"due by {horizon}": d, "overdue": o} for t, k, d, o in teams
            ]
            or [{"team": "(none)", "kind": "", f"due by {horizon}": 0, "overdue": 0}],
            description=(
                f"Open items by team and kind on {as_of}: due in the next {DUE_HORIZON_DAYS} "
                "days, and past their due date"
            ),
        ),
        Table(
            key="daily-mail",
            rows=_mail_table(mails) or [{"channel": "(none)", "kind": "", "sent": 0}],
            description=(
                f"The mails of {as_of} by channel and kind: sent, failed (refused for good) and "
                "still queued (waiting for a retry)"
            ),
        ),
        Table(
            key="daily-overdue",
            rows=[{"milestone": k, "overdue": v} for k, v in sorted(overdue.items())]
            or [{"milestone": "(none)", "overdue": 0}],
            description=f"Open items past their due date on {as_of}",
        ),
    ]
    start, end = window
    swept = "nothing new" if start > end else f"{start} to {end}"
    # A line per lifecycle the run had: an organisation without one reads nothing of it.
    skipped = counts.get("catch_up_skipped")
    lines = [f"- dates swept: {swept}\n"]
    if skipped:
        lines.append(
            f"- **dates skipped: {skipped}**: the catch-up reaches back at most "
            "`max_catch_up_days` (organisation.yaml), so reminders due then were not sent\n"
        )
    if "enrolled" in counts:
        lines.append(f"- NQSWs enrolled: {counts['enrolled']}\n")
    lines.append(
        f"- notices decided: {counts.get('noticed', 0)}; mails queued: "
        f"{counts.get('queued', 0)}, of them {counts.get('digests', 0)} digest(s), "
        f"holding {counts.get('folded', 0)} item(s) over the daily cap\n"
    )
    if "refresher_booked" in counts:
        lines.append(
            f"- refresher places booked: {counts['refresher_booked']}, waitlisted: "
            f"{counts.get('refresher_waitlisted', 0)}, no session before expiry: "
            f"{counts.get('refresher_no_session', 0)}\n"
        )
    if "panels_locked" in counts:
        lines.append(
            f"- panels: {counts['panels_locked']} locked at their deadline, "
            f"{counts.get('packs_submitted', 0)} pack(s) submitted, "
            f"{counts.get('packs_rolled_over', 0)} moved to the next panel, "
            f"{counts.get('pack_mails', 0)} panel pack mail(s), "
            f"{counts.get('slotted', 0)} slotted into a post\n"
        )
    markdown = (
        f"# Daily sweep {as_of}\n\n"
        + "".join(lines)
        + f"- mail sent: {counts.get('sent', 0)}, failed: {counts.get('failed', 0)}, "
        f"still queued: {outbox.get('queued', 0)}; failed for good so far: "
        f"{outbox.get('failed', 0)} (`ladder mail status` lists them)\n"
        f"- overdue items: {sum(overdue.values())}\n"
    )
    return DailySummary(tables, markdown)
