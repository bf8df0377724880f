"""The weekly report for the workforce team, published in the Prefect UI as table artifacts
and a markdown summary: open items by team and kind, ASYE enrolments, credentials expiring,
panel candidacies, certificates issued, training needs and the mail outbox."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from flows.forms import dated_run_name
from storage.obligations import open_by_team
from storage.outbox import status_counts
from storage.reports import (
    asye_by_team,
    candidacies_by_panel,
    certificates_issued,
    credentials_expiring,
    open_training_needs,
    programmes_by_team,
)
from tasks.runtime import current_runtime

HORIZON_DAYS = 90


@task(name="gather-report", cache_policy=NO_CACHE)
def gather(as_of: date) -> dict[str, list[dict[str, Any]]]:
    runtime = current_runtime()
    horizon = as_of + timedelta(days=HORIZON_DAYS)
    week = (as_of - timedelta(days=6), as_of)
    with Session(runtime.engine) as session:
        return {
            "open items": [
                {"team": t, "kind": k, f"due by {horizon}": d, "overdue": o}
                for t, k, d, o in open_by_team(session, as_of=as_of, horizon=horizon)
            ],
            "asye": [{"team": t, "status": s, "NQSWs": n} for t, s, n in asye_by_team(session)],
            "other programmes": [
                {"programme": p, "team": t, "status": s, "people": n}
                for p, t, s, n in programmes_by_team(session)
                if p != "asye"
            ],
            "credentials expiring": [
                {"team": t, "module": m, f"expiring by {horizon}": n}
                for t, m, n in credentials_expiring(session, start=as_of, end=horizon)
            ],
            "panels": [
                {"panel": str(d), "status": s, "candidates": n}
                for d, s, n in candidacies_by_panel(session, since=as_of - timedelta(days=365))
            ],
            "certificates": [
                {"kind": k, f"issued {week[0]} to {week[1]}": n, "revoked since": r}
                for k, n, r in certificates_issued(session, start=week[0], end=week[1])
            ],
            "training needs": [
                {"team": t, "level": lv, "open": n} for t, lv, n in open_training_needs(session)
            ],
            "outbox": [
                {"status": s, "messages": n} for s, n in sorted(status_counts(session).items())
            ],
        }


@flow(name="weekly-report", flow_run_name=dated_run_name("weekly-report"))
def weekly_report(as_of: date | None = None) -> dict[str, int]:
    """Publish the week's figures for `as_of` (default: today in the organisation's zone)."""
    as_of = as_of or current_runtime().calendar.today()
    sections = gather(as_of)
    for title, rows in sections.items():
        create_table_artifact(
            key=f"report-{title.replace(' ', '-')}",
            table=rows or [{title: "(none)"}],
            description=f"Weekly report {as_of}: {title}",
        )
    overdue = sum(r["overdue"] for r in sections["open items"])
    failed = sum(r["messages"] for r in sections["outbox"] if r["status"] == "failed")
    create_markdown_artifact(
        key="weekly-report",
        markdown=(
            f"# Weekly report {as_of}\n\n"
            + "".join(f"- {title}: {len(rows)} row(s)\n" for title, rows in sections.items())
            + f"\n**Overdue items: {overdue}. Mails failed for good: {failed}.**\n"
        ),
        description="The weekly report's summary",
    )
    return {title: len(rows) for title, rows in sections.items()} | {
        "overdue": overdue,
        "failed_mail": failed,
    }
