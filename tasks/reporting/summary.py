"""The daily run's summary as tables and a markdown page: what the team should see (ids, no
names). Read here; published as Prefect artifacts by tasks/reporting/steps.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from definitions.organisation import Organisation
from storage.obligations import open_by_team, overdue_by_kind, overdue_items
from storage.outbox import day_counts, status_counts
from storage.supervision import compliance_by_team

DUE_HORIZON_DAYS = 30
OVERDUE_ROWS = 500  # the overdue artifact lists this many items; its description says the rest


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
    session: Session,
    *,
    as_of: date,
    window: tuple[date, date],
    counts: dict[str, Any],
    organisation: Organisation,
) -> DailySummary:
    """Open items by team and kind, the day's mails, each overdue item (by team and kind,
    with the worker's id), and what the sweep did; where the organisation has a supervision
    schedule, supervision compliance per team. Column headers are the same every day."""
    supervised = organisation.supervision.roles if organisation.supervision else ()
    kind = organisation.item_kind
    overdue = overdue_by_kind(session, as_of=as_of)
    late_items = overdue_items(session, as_of=as_of, limit=OVERDUE_ROWS)
    total_late = sum(overdue.values())
    outbox = status_counts(session)
    horizon = as_of + timedelta(days=DUE_HORIZON_DAYS)
    teams = open_by_team(session, as_of=as_of, horizon=horizon)
    mails = day_counts(session, send_on=as_of)
    tables = [
        Table(
            key="daily-due-by-team",
            rows=[
                {"team": t, "kind": kind(k), "due within 30 days": d, "overdue": o}
                for t, k, d, o in teams
            ]
            or [{"team": "(none)", "kind": "", "due within 30 days": 0, "overdue": 0}],
            description=(
                f"Open items by team and kind on {as_of}: due by {horizon} (within "
                f"{DUE_HORIZON_DAYS} days), and past their due date"
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
            rows=[
                {
                    "team": t,
                    "kind": kind(k),
                    "worker": w,
                    "was due": d.isoformat(),
                    "days overdue": (as_of - d).days,
                }
                for t, k, w, d in late_items
            ]
            or [{"team": "(none)", "kind": "", "worker": "", "was due": "", "days overdue": 0}],
            description=(
                f"Open items past their due date on {as_of}, by team and kind, longest "
                f"overdue first: {total_late} in all"
                + (
                    f"; the first {OVERDUE_ROWS} are listed (`ladder explain WORKER` shows "
                    "each person's)"
                    if total_late > len(late_items)
                    else ""
                )
            ),
        ),
    ]
    if "refresher_without_session" in counts:
        tables.append(
            Table(
                key="daily-refreshers-without-session",
                rows=list(counts["refresher_without_session"])
                or [{"worker": "(none)", "module": "", "expires": ""}],
                description=(
                    f"Workers due a refresher on {as_of} with no session to go to before it "
                    "runs out (or, once it has, in the weeks ahead): add a session, or book "
                    "them elsewhere"
                ),
            )
        )
    if supervised:
        compliance = compliance_by_team(session, roles=supervised, as_of=as_of)
        tables.append(
            Table(
                key="daily-supervision-by-team",
                rows=[
                    {
                        "team": team,
                        "workers supervised": n,
                        "up to date": n - late,
                        "overdue": late,
                        "up to date %": round(100 * (n - late) / n) if n else 100,
                    }
                    for team, n, late in compliance
                ]
                or [{"team": "(none)", "workers supervised": 0, "up to date": 0, "overdue": 0}],
                description=(
                    f"Supervision by team on {as_of}: workers a schedule covers, and whether "
                    "their next supervision is still in time"
                ),
            )
        )
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
    if counts.get("caught_up"):
        lines.append(
            f"- backlog: {counts['caught_up']} item(s) already overdue when Ladder first saw "
            "them got one catch-up notice in the digest of the people responsible\n"
        )
    if "refresher_required_items" in counts:
        lines.append(
            f"- required training never done: {counts['refresher_required_items']} new item(s)\n"
        )
    if counts.get("cpd_items"):
        lines.append(f"- registration: {counts['cpd_items']} CPD item(s) for a new cycle\n")
    if "supervision_items" in counts:
        lines.append(f"- supervision: {counts['supervision_items']} next supervision(s) dated\n")
    if "refresher_booked" in counts:
        lines.append(
            f"- refresher places booked: {counts['refresher_booked']}, waitlisted: "
            f"{counts.get('refresher_waitlisted', 0)}, no session to go to: "
            f"{counts.get('refresher_no_session', 0)} (listed in daily-refreshers-without-"
            f"session), places released after an early renewal: "
            f"{counts.get('refresher_released', 0)}\n"
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
