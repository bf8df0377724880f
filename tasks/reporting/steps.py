"""Publish, from inside a flow run, the daily summary as Prefect artifacts (ids, no names)."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from sqlalchemy.orm import Session

from tasks.reporting.summary import daily_summary
from tasks.runtime import current_runtime


async def publish_summary(as_of: date, window: tuple[date, date], counts: dict[str, Any]) -> None:
    runtime = current_runtime()
    with Session(runtime.engine) as session:
        summary = daily_summary(
            session,
            as_of=as_of,
            window=window,
            counts=counts,
            organisation=runtime.organisation,
        )
    for table in summary.tables:
        await acreate_table_artifact(key=table.key, table=table.rows, description=table.description)
    await acreate_markdown_artifact(
        key="daily-summary", markdown=summary.markdown, description="What the daily sweep did"
    )
