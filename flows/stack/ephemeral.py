"""The Prefect API server a one-off command (`ladder daily`, `ladder demo`, `ladder
certificates batch`) runs its flows against when no PREFECT_API_URL is set.

Prefect's own ephemeral mode starts one as an unowned child: a command killed with SIGKILL
leaves it running, and its shutdown prints tracebacks to the user's terminal. Here Ladder
starts the same server itself, so that:

- the server dies with the command: the kernel sends it SIGTERM when its parent dies
  (Linux's parent-death signal), and a next start stops an orphan it can prove is its own
  (the pid and the process's start time, recorded in `<PREFECT_HOME>/server.json`, both
  match, and its command line is Prefect's server);
- it writes only to `<PREFECT_HOME>/server.log`, never to the terminal, and creates its
  files owner-only (umask 077)."""

from __future__ import annotations

import contextlib
import ctypes
import inspect
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from definitions.errors import Unavailable
from flows.stack.processes import free_port, process_alive, stop_groups

APP = "prefect.server.api.server:create_app"
STATE = "server.json"
LOG = "server.log"
_PR_SET_PDEATHSIG = 1


class PrefectServerUnavailable(Unavailable):
    """Prefect's local server did not start; nothing ran."""


def _start_ticks(pid: int) -> int | None:
    """When process `pid` started (clock ticks since boot, /proc/PID/stat field 22): with
    the pid, it names one process for good, since a reused pid starts later."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[19])


def _command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def reap_orphan(home: Path) -> int | None:
    """Stop the server a killed command left running, if `home`'s record proves it is the
    one Ladder started there; returns its pid, or None when there was none to stop. A
    process that merely reuses the pid, or is not Prefect's server, is left alone."""
    record = home / STATE
    try:
        recorded = json.loads(record.read_text())
        pid, ticks = int(recorded["pid"]), int(recorded["start_ticks"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    ours = False
    with contextlib.suppress(ProcessLookupError):  # it may end while we look
        ours = (
            process_alive(pid)
            and _start_ticks(pid) == ticks
            and APP in _command_line(pid)
            and os.getpgid(pid) == pid
        )
    if ours:
        stop_groups([pid], grace=10)
    record.unlink(missing_ok=True)
    return pid if ours else None


def _in_child() -> None:
    """Before exec, in the server's process: die with the parent, keep files private."""
    os.umask(0o077)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _wait_healthy(process: subprocess.Popen[bytes], url: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = log.read_text(errors="replace")[-2000:].strip()
                raise PrefectServerUnavailable(
                    f"Prefect's local server stopped as it started (exit {process.returncode}); "
                    f"its log {log} ends: {tail or '(empty)'}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if client.get(f"{url}/health").status_code == 200:
                    return
            time.sleep(0.2)
    raise PrefectServerUnavailable(
        f"Prefect's local server did not answer within {timeout:.0f} s; see {log}, or raise "
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
    )


def _drain_prefect() -> None:
    """Send the logs and events this process still holds to the server before it stops:
    left to Prefect's exit handlers, they would retry against a stopped server for a
    minute, and then print errors. (Prefect's own test harness does the same.)"""
    if "prefect" not in sys.modules:
        return
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        with contextlib.suppress(RuntimeError):  # never started
            logs = APILogWorker.instance().drain()
            if inspect.isawaitable(logs):
                await logs
        events = EventsWorker.drain_all()
        if inspect.isawaitable(events):
            await events

    run_coro_as_sync(drain())


@contextlib.contextmanager
def owned_prefect_server(home: Path) -> Iterator[str]:
    """Run Prefect's API server on a free loopback port for the block, as this process's
    child; sets PREFECT_API_URL for the block (call before Prefect is imported) and yields
    it. The server is stopped, silently, when the block ends or this process dies."""
    reap_orphan(home)
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    log = home / LOG
    descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    env = {
        **os.environ,
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
    }
    env.pop("PREFECT_API_URL", None)
    with os.fdopen(descriptor, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", APP, "--host", "127.0.0.1"]
            + ["--port", str(port), "--log-level", "error", "--lifespan", "on"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: the terminal's Ctrl-C reaches us, not it
            preexec_fn=_in_child,
        )
    record = home / STATE
    ticks = _start_ticks(process.pid)
    record.write_text(json.dumps({"pid": process.pid, "start_ticks": ticks, "port": port}))
    previous = os.environ.get("PREFECT_API_URL")
    try:
        timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", 180))
        _wait_healthy(process, url, log, timeout)
        os.environ["PREFECT_API_URL"] = url
        yield url
    finally:
        _drain_prefect()
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous
        stop_groups([process.pid], grace=10)
        with contextlib.suppress(ChildProcessError):
            process.wait(timeout=1)
        record.unlink(missing_ok=True)
