"""A real Prefect server for deployment tests: flows/stack.Stack on a free loopback port with
a temporary SQLite database, and helpers to run deployments and wait for them."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flows.stack.processes import Stack, free_port, group_alive

FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def server_env(tmp_path: Path, database_url: str | None = None) -> dict[str, str]:
    """This process's environment (the test's LADDER_* settings) without its PREFECT_*
    settings, plus a Prefect home and database of the test's own (SQLite unless
    `database_url` names another)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PREFECT_") or k == "PREFECT_SERVER_ANALYTICS_ENABLED"
    }
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_API_DATABASE_CONNECTION_URL=database_url
        or f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_WORKER_PREFETCH_SECONDS="5",
    )
    return env


@contextmanager
def running_stack(tmp_path: Path, *, workers: int, deploy: bool) -> Iterator[Stack]:
    stack = Stack(
        home=tmp_path / "prefect-home",
        port=free_port(),
        workers=workers,
        env=server_env(tmp_path),
        say=lambda _: None,
    )
    stack.start(deploy=deploy)
    groups = [p.pid for p in stack.children.values()]
    try:
        yield stack
    finally:
        stack.stop()
        assert not any(group_alive(g) for g in groups), "a process outlived the test"


@contextmanager
def prefect_postgres_database() -> Iterator[str]:
    """A PostgreSQL database of its own for a Prefect server (asyncpg), dropped afterwards:
    the production path, and a server that stays quiet under concurrent runs, where a
    SQLite-backed one logs "database is locked" tracebacks."""
    from backends import PG_ADMIN_URL
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"prefect_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(PG_ADMIN_URL).set(drivername="postgresql+asyncpg", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_deployment(stack: Stack, name: str, parameters: dict[str, Any]) -> str:
    deployment = stack.api("GET", f"/deployments/name/{name}/{name}")
    created = stack.api(
        "POST",
        f"/deployments/{deployment['id']}/create_flow_run",
        # A retried request (a busy server) creates the run once.
        {"parameters": parameters, "idempotency_key": uuid.uuid4().hex},
    )
    return str(created["id"])


def wait_for(stack: Stack, run_ids: list[str], timeout: float = 300) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = [stack.api("GET", f"/flow_runs/{run_id}") for run_id in run_ids]
        if all(r["state"]["type"] in FINAL for r in runs):
            return runs
        time.sleep(1)
    logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in stack.logs.glob("*.log"))
    raise AssertionError(f"flow runs {run_ids} did not finish in {timeout} s:\n{logs}")
