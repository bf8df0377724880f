"""Imports as a Prefect task: one CSV file in one transaction, its counts logged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from definitions.forms import ImportKind
from tasks.imports.files import import_one
from tasks.runtime import current_runtime


# No retries: a bad file stays bad; the database being down is worth a second try, but a
# re-run of the whole flow does that without re-reading a half-understood failure.
@task(name="import-csv", task_run_name="import-{kind}", cache_policy=NO_CACHE)
def import_csv(kind: ImportKind, path: str, actor: str) -> dict[str, Any]:
    runtime = current_runtime()
    file = Path(path)
    with runtime.transaction() as session:
        counts = import_one(session, kind, file, actor=actor)
    get_run_logger().info(
        "%s %s: %s", kind, file.name, ", ".join(f"{k} {v}" for k, v in counts.items())
    )
    return counts
