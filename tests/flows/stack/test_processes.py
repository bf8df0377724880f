"""The README's local stack, as a workforce team runs it: `ladder stack start` brings up a
real Prefect server on loopback (temporary database), every deployment from prefect.yaml
(`prefect deploy --all`), the process pool and two workers. The daily and certificate
deployments, each triggered twice at once, complete; their artifacts are there; nothing is
done or sent twice; the schedules have produced runs at London times; Ctrl-C stops every
process the stack started."""

from __future__ import annotations

import contextlib
import json
import signal
import stat
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from backends import BACKENDS
from certificate_world import completions
from prefect_server import prefect_postgres_database, run_deployment, server_env, wait_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flows.stack.processes import Stack, free_port, group_alive, process_alive, stop_recorded
from notifications.sink import SmtpSink
from storage.models import Award, Certificate, OutboxMessage, SweepRun

pytestmark = pytest.mark.integration
LADDER = str(Path(sys.executable).parent / "ladder")
DAY = date(2026, 4, 16)
AWARDS = [
    ("W0035", "first_aid", "2026-04-01"),
    ("W0019", "cs_assessment", "2025-02-03"),
    ("W0020", "first_aid", "2026-03-02"),
]


@pytest.fixture
def stack_context() -> Iterator[contextlib.ExitStack]:
    with contextlib.ExitStack() as resources:
        yield resources


def _wait_started(process: subprocess.Popen[str], state_file: Path, workers: int) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + 400
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        if state_file.exists():
            state = json.loads(state_file.read_text())
            if state["ready"] and f"worker-{workers}" in state["groups"]:
                return state  # type: ignore[no-any-return]
        time.sleep(0.5)
    raise AssertionError("the stack did not start in 400 s")


def test_the_local_stack_runs_the_deployments_on_two_workers_once(  # type: ignore[no-untyped-def]
    stack_context: contextlib.ExitStack,
    tmp_path: Path,
    ladder_env,
    engine,
    organisation,
    import_roster_file,
    smtp_sink: SmtpSink,
    key_file: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import_roster_file(engine, organisation, as_of=date(2026, 1, 1))
    completions(engine, organisation, tmp_path, AWARDS, today=DAY)
    monkeypatch.setenv("LADDER_SIGNING_KEY", str(key_file))
    port = free_port()
    # Prefect on PostgreSQL as in production; on SQLite when the run has no PostgreSQL.
    prefect_db = (
        prefect_postgres_database() if "postgresql" in BACKENDS else contextlib.nullcontext()
    )
    database = stack_context.enter_context(prefect_db)
    env = server_env(tmp_path, database)
    env.pop("PREFECT_HOME")  # the stack keeps its own under the data folder
    process = subprocess.Popen(
        [LADDER, "stack", "start", "--port", str(port), "--workers", "2", "--no-sink"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    home = Path(ladder_env["LADDER_DATA_DIR"]).resolve() / "prefect-stack"
    groups: list[int] = []
    try:
        state = _wait_started(process, home / "stack.json", workers=2)
        groups = list(state["groups"].values())
        stack = Stack(home=home, port=port, env={**env, "PREFECT_HOME": str(home)})
        assert sorted(stack.online_workers()) == ["ladder-worker-1", "ladder-worker-2"]

        deployments = {d["name"]: d for d in stack.deployments()}
        assert len(deployments) == 10 and {"daily", "certificate-batch"} <= set(deployments)

        # The server asks who you are: without the login, nothing can be read or run (not
        # a Secret block's value, not a form); the login is the owner's alone.
        api = stack.api_url
        for method, path, body in (
            ("POST", "/block_documents/filter", {"include_secrets": True}),
            ("POST", "/deployments/filter", {}),
            ("POST", f"/deployments/{deployments['daily']['id']}/create_flow_run", {}),
        ):
            bare = httpx.request(method, f"{api}{path}", json=body, timeout=30)
            assert bare.status_code == 401, (path, bare.status_code)
            wrong = httpx.request(
                method, f"{api}{path}", json=body, timeout=30, auth=("ladder", "guess")
            )
            assert wrong.status_code == 401, (path, wrong.status_code)
        assert stat.S_IMODE(stack.auth_file.stat().st_mode) == 0o600
        login = stack.auth_string()
        assert login.startswith("ladder:") and len(login) > 30

        # Each batch twice at once, as two schedules or two impatient people might.
        runs = [
            run_deployment(stack, name, {"as_of": DAY.isoformat()})
            for name in ("daily", "daily", "certificate-batch", "certificate-batch")
        ]
        finished = wait_for(stack, runs, timeout=400)
        assert [r["state"]["type"] for r in finished] == ["COMPLETED"] * 4, [
            r["state"] for r in finished
        ]

        with Session(engine) as session:
            # The day was swept once; the second run found nothing new to sweep.
            sweeps = session.scalars(select(SweepRun)).all()
            assert [(s.window_start, s.window_end) for s in sweeps] == [(DAY, DAY)]
            # One certificate per award, however many batches ran.
            issued = Counter(session.scalars(select(Certificate.award_id)))
            assert len(issued) == len(AWARDS) and set(issued.values()) == {1}
            assert not session.scalar(
                select(func.count()).select_from(Award).where(Award.status == "waiting")
            )
            sent = int(
                session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status == "sent")
                )
                or 0
            )
        # Every message reached the SMTP server exactly once.
        ids = Counter(r.message["Message-ID"] for r in smtp_sink.received)
        assert sent > len(AWARDS) and len(ids) == sent and set(ids.values()) == {1}

        # What the team sees in the UI: the runs' tables and summaries.
        keys = {a["key"] for a in stack.api("POST", "/artifacts/filter", {}) if a.get("key")}
        assert {
            "daily-summary",
            "daily-due-by-team",
            "daily-mail",
            "certificate-batch-summary",
            "certificate-batch-progress",
        } <= keys

        # The scheduler has laid out the coming runs at London wall-clock times.
        scheduled = stack.api(
            "POST",
            "/flow_runs/filter",
            {
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                "deployments": {"id": {"any_": [deployments["daily"]["id"]]}},
            },
        )
        london = ZoneInfo("Europe/London")
        starts = [
            datetime.fromisoformat(r["expected_start_time"]).astimezone(london) for r in scheduled
        ]
        assert starts and {(t.hour, t.minute) for t in starts} == {(7, 0)}
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            output, _ = process.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            stop_recorded(home)  # what the stack did not stop, so the test leaves nothing
    assert process.returncode == 0, output
    assert "nothing left running" in output
    # The login is shown once, to the person who started the stack, and to nobody else.
    assert f"sign in with {login}" in output
    for log in (home / "logs").glob("*.log"):
        assert login.partition(":")[2] not in log.read_text(errors="replace"), log.name
    assert not process_alive(process.pid)
    assert groups and not any(group_alive(g) for g in groups), "a process outlived the stack"
    assert not (home / "stack.json").exists()
    # A clean run and a clean shutdown: no tracebacks from the server or the workers.
    for log in (home / "logs").glob("*.log"):
        assert "Traceback" not in log.read_text(errors="replace"), log.name
