"""The panel-decision deployment on a real Prefect server: started on loopback with its own
database, deployed from prefect.yaml with `prefect deploy`, run by a process worker, with
its parameter the PanelDecision model. A decision submitted twice is recorded once; the
second run fails with a clear message and changes nothing. Every process is stopped."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from panel_world import submitted
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Candidacy, Event, Obligation, OutboxMessage

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).parent / "prefect")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    # A process group of its own, so stopping it stops what it started (a worker's flow runs).
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


class Server:
    def __init__(self, url: str, env: dict[str, str], logs: Path) -> None:
        self.url, self.env, self.logs = url, env, logs

    def cli(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [PREFECT, "--no-prompt", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.url}{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def wait_for_run(self, run_id: str, timeout: float = 240) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.api("GET", f"/flow_runs/{run_id}")
            if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                return run  # type: ignore[no-any-return]
            time.sleep(1)
        logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in self.logs.glob("*.log"))
        raise AssertionError(f"flow run {run_id} did not finish in {timeout} s:\n{logs}")


@pytest.fixture
def prefect_server(tmp_path: Path, ladder_env: dict[str, str]) -> Iterator[Server]:
    """`prefect server start` on a free loopback port with a temporary SQLite database, a
    process work pool "ladder", and one worker; all stopped afterwards."""
    port = _free_port()
    home = tmp_path / "prefect-home"
    home.mkdir()
    logs = tmp_path / "logs"
    logs.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PREFECT_") or k == "PREFECT_SERVER_ANALYTICS_ENABLED"
    }
    env.update(ladder_env)
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_WORKER_PREFETCH_SECONDS="5",
    )
    server = _start(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env,
        logs / "server.log",
    )
    url = f"http://127.0.0.1:{port}/api"
    client_env = {**env, "PREFECT_API_URL": url}
    started: list[subprocess.Popen[bytes]] = [server]
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, (logs / "server.log").read_text()
            assert time.monotonic() < deadline, "the Prefect server did not start in 180 s"
            time.sleep(0.5)
        running = Server(url, client_env, logs)
        running.cli("work-pool", "create", "ladder", "--type", "process")
        worker = _start(
            [PREFECT, "worker", "start", "--pool", "ladder", "--name", "test-worker"],
            client_env,
            logs / "worker.log",
        )
        started.append(worker)
        yield running
    finally:
        for process in reversed(started):
            _stop(process)
        assert not any(_group_alive(p.pid) for p in started), "a process outlived the test"


def _decision(**change: Any) -> dict[str, Any]:
    decision = {
        "worker": "W0019",
        "panel": "2026-04-20",
        "outcome": "defer",
        "decided_by": "W0002",
        "reasons": "Leadership across the team is not yet evidenced",
        "further_work": "Lead case conferences",
        "actions": [
            {"title": "Chair two case conferences", "owner": "worker", "due": "2026-06-30"}
        ],
    }
    return {**decision, **change}


def _run(server: Server, decision: dict[str, Any]) -> dict[str, Any]:
    deployment = server.api("GET", "/deployments/name/panel-decision/panel-decision")
    created = server.api(
        "POST",
        f"/deployments/{deployment['id']}/create_flow_run",
        {"parameters": {"decision": decision}},
    )
    return server.wait_for_run(created["id"])


@pytest.mark.usefixtures("staff")
def test_a_decision_through_the_deployment_is_recorded_once(  # type: ignore[no-untyped-def]
    prefect_server: Server,
    engine,
    organisation,
    document: Path,
    ladder_env,  # noqa: F811
) -> None:
    submitted(engine, organisation, document, Path(ladder_env["LADDER_DATA_DIR"]))
    deployed = prefect_server.cli("deploy", "--name", "panel-decision")
    assert "panel-decision" in deployed.stdout
    deployment = prefect_server.api("GET", "/deployments/name/panel-decision/panel-decision")
    # The UI builds its form from this schema: the PanelDecision model and its fields.
    schema = deployment["parameter_openapi_schema"]
    model = schema["definitions"]["PanelDecision"]
    assert model["properties"]["outcome"]["enum"] == ["progress", "defer"]
    assert set(model["required"]) == {"worker", "panel", "outcome", "decided_by"}

    # An invalid form (a deferral with no action plan) fails the run and records nothing.
    bad = _run(prefect_server, _decision(actions=[]))
    assert bad["state"]["type"] == "FAILED"
    with Session(engine) as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Event).where(Event.kind == "panel.decided")
            )
            == 0
        )

    first = _run(prefect_server, _decision())
    assert first["state"]["type"] == "COMPLETED", first["state"]
    assert first["name"] == "panel-decision-W0019-2026-04-20"

    def effects() -> tuple[int, int, int]:
        with Session(engine) as session:
            return (
                int(session.scalar(select(func.count()).select_from(Event)) or 0),
                int(session.scalar(select(func.count()).select_from(Obligation)) or 0),
                int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0),
            )

    after_first = effects()
    second = _run(
        prefect_server, _decision(outcome="progress", actions=[], reasons="", further_work="")
    )
    assert second["state"]["type"] == "FAILED"
    assert "a panel decision is final" in second["state"]["message"]
    assert effects() == after_first
    with Session(engine) as session:
        [candidacy] = session.scalars(select(Candidacy)).all()
        assert (candidacy.status, candidacy.outcome) == ("deferred", "defer")
        decided = session.scalars(select(Event).where(Event.kind == "panel.decided")).all()
        assert [e.payload["outcome"] for e in decided] == ["defer"]
        actions = session.scalars(select(Obligation).where(Obligation.kind == "panel.action")).all()
        assert [(a.title, a.due_date) for a in actions] == [
            ("Chair two case conferences", date(2026, 6, 30))
        ]
        mailed = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "panel_outcome")
        ).all()
        assert {m.status for m in mailed} == {"sent"} and len(mailed) == 2
    # The run published its summary for the UI, with ids and no names.
    artifacts = prefect_server.api(
        "POST", "/artifacts/filter", {"artifacts": {"key": {"any_": ["panel-decision"]}}}
    )
    assert len(artifacts) == 1
    assert "W0019" in artifacts[0]["data"] and "Sam Walsh" not in json.dumps(artifacts)
