"""The Prefect server a one-off command starts for itself: killed with the command (SIGKILL
mid-run leaves no server behind), an orphan proved to be Ladder's is stopped by the next
start and nothing else is, and a successful run prints nothing from Prefect's shutdown.

These run `ladder daily` as a user does, in a process of its own with no PREFECT_API_URL,
on a SQLite file: what is under test is the processes, not the database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.stack.ephemeral import APP, STATE, _start_ticks, reap_orphan
from flows.stack.processes import process_alive
from notifications.sink import SmtpSink

pytestmark = pytest.mark.integration
LADDER = str(Path(sys.executable).parent / "ladder")
SAMPLE = Path(__file__).resolve().parents[3] / "definitions" / "sample"


def _wait(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def user_env(tmp_path: Path, smtp_sink: SmtpSink) -> Iterator[dict[str, str]]:
    """A user's shell: Ladder on a SQLite file with the sample roster, mail to a real SMTP
    server, no Prefect server of their own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LADDER_"))}
    env |= {
        "LADDER_DATA_DIR": str(tmp_path / "var"),
        "LADDER_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'ladder.sqlite'}",
        "LADDER_SMTP_HOST": "127.0.0.1",
        "LADDER_SMTP_PORT": str(smtp_sink.port),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "240",
    }
    for command in (["db", "upgrade"], ["import", "workers", str(SAMPLE / "roster.csv")]):
        subprocess.run([LADDER, *command], env=env, check=True, capture_output=True)
    yield env


def _server_pid(home: Path) -> int | None:
    try:
        return int(json.loads((home / STATE).read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return None


def test_a_killed_daily_leaves_no_server_and_the_rerun_is_clean(
    user_env: dict[str, str], tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    home = tmp_path / "var" / "prefect"
    log = tmp_path / "killed.log"
    with log.open("w") as output:
        daily = subprocess.Popen(
            [LADDER, "daily", "--as-of", "2026-04-16"],
            env=user_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    _wait(lambda: "Beginning flow run" in log.read_text(), 240, "the flow run to start")
    server = _server_pid(home)
    assert server is not None and process_alive(server)
    daily.send_signal(signal.SIGKILL)  # mid-run: no goodbye, no cleanup
    daily.wait()
    _wait(lambda: not process_alive(server), 15, f"server pid {server} to die with its parent")

    rerun = subprocess.run(
        [LADDER, "daily", "--as-of", "2026-04-16"],
        env=user_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "sent:" in rerun.stdout
    for noise in ("Traceback", "CancelledError", "| ERROR", "Stopping temporary server"):
        assert noise not in rerun.stderr, rerun.stderr[-3000:]
    assert not (home / STATE).exists()
    assert _server_pid(home) is None
    ids = [str(r.message["Message-ID"]) for r in smtp_sink.received]
    assert ids and len(ids) == len(set(ids))  # what the killed run sent is not sent again
    # Prefect's files, like Ladder's, are the user's alone.
    assert (home.stat().st_mode & 0o777) == 0o700
    assert all((f.stat().st_mode & 0o077) == 0 for f in home.iterdir() if f.is_file())


def _lookalike(*arguments: str) -> subprocess.Popen[bytes]:
    """A real process whose command line names Prefect's server app (or not), in a
    process group of its own, as the server runs."""
    return subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", *arguments],
        start_new_session=True,
    )


def _record(home: Path, pid: int, ticks: int | None) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / STATE).write_text(json.dumps({"pid": pid, "start_ticks": ticks, "port": 1}))


def test_an_orphan_proved_ours_is_stopped_and_nothing_else_is(tmp_path: Path) -> None:
    orphan = _lookalike(APP)
    stranger = _lookalike("some-other-server")
    reused = _lookalike(APP)  # Prefect's server, but not the process the record names
    try:
        _record(tmp_path, orphan.pid, _start_ticks(orphan.pid))
        assert reap_orphan(tmp_path) == orphan.pid
        assert orphan.wait(timeout=15) is not None
        assert not (tmp_path / STATE).exists()

        _record(tmp_path, stranger.pid, _start_ticks(stranger.pid))
        assert reap_orphan(tmp_path) is None
        ticks = _start_ticks(reused.pid)
        assert ticks is not None
        _record(tmp_path, reused.pid, ticks - 1)  # a pid reused by a later process
        assert reap_orphan(tmp_path) is None
        time.sleep(0.5)
        assert stranger.poll() is None and reused.poll() is None
        (tmp_path / STATE).write_text("not json")
        assert reap_orphan(tmp_path) is None
    finally:
        for process in (orphan, stranger, reused):
            process.kill()
            process.wait()
