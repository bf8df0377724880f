"""The full local stack, as a workforce team runs Ladder: a Prefect server (UI and API) on
loopback that asks who you are (basic authentication, with a login generated once and kept
owner-only under the data folder), the "ladder" process work pool, every deployment in
prefect.yaml, and process workers that run them. Each child runs in a process group of its
own and is stopped with its group, workers first, so nothing outlives the stack; the
groups are written to
`<PREFECT_HOME>/stack.json` so `ladder stack stop` can stop a stack from another shell."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from definitions.errors import LadderError

ROOT = Path(__file__).resolve().parents[2]  # the checkout holding prefect.yaml
PREFECT = str(Path(sys.executable).parent / "prefect")
POOL = "ladder"
LOGIN = "ladder"  # the user name of the stack's basic authentication


class StackError(LadderError):
    """The stack could not start; what started has been stopped again."""


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        # As the server will bind it: a port left in TIME_WAIT by a stopped server is free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a group of someone else's: not ours, so not alive for us
        return False
    return True


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_group(pgid: int, *, grace: float = 20) -> None:
    stop_groups([pgid], grace=grace)


def stop_groups(pgids: list[int], *, grace: float = 20) -> None:
    """SIGTERM process groups together, then SIGKILL whatever is left after `grace` s."""
    for pgid in pgids:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(group_alive(g) for g in pgids) and time.monotonic() < deadline:
        _reap()
        time.sleep(0.2)
    for pgid in pgids:
        if group_alive(pgid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
    while any(group_alive(g) for g in pgids) and time.monotonic() < deadline + 10:
        _reap()
        time.sleep(0.1)


def _default_signals() -> None:
    """In a child before exec: SIGINT and SIGTERM as a fresh process has them. An ignored
    signal is inherited across exec, and a Prefect worker stops its runs with SIGINT."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _reap() -> None:
    """Collect our exited children, so a stopped group does not linger as zombies."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


@dataclass
class Stack:
    home: Path
    host: str = "127.0.0.1"
    port: int = 4200
    workers: int = 1
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    say: Callable[[str], None] = print
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def state_file(self) -> Path:
        return self.home / "stack.json"

    @property
    def auth_file(self) -> Path:
        return self.home / "api-login"

    def auth_string(self) -> str:
        """`ladder:<secret>`, the login the server asks for: made once, on first start, in
        a file only its owner can read; the workers and the CLI are handed it."""
        if not self.auth_file.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.auth_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(f"{LOGIN}:{secrets.token_urlsafe(24)}\n")
        os.chmod(self.auth_file, 0o600)
        return self.auth_file.read_text().strip()

    def _auth(self) -> httpx.BasicAuth:
        user, _, password = self.auth_string().partition(":")
        return httpx.BasicAuth(user, password)

    def client_env(self) -> dict[str, str]:
        return {
            **self._base_env(),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_API_AUTH_STRING": self.auth_string(),
        }

    def server_env(self) -> dict[str, str]:
        return {**self._base_env(), "PREFECT_SERVER_API_AUTH_STRING": self.auth_string()}

    def _base_env(self) -> dict[str, str]:
        unset = ("PREFECT_API_URL", "PREFECT_API_AUTH_STRING", "PREFECT_SERVER_API_AUTH_STRING")
        env = {k: v for k, v in self.env.items() if k not in unset}
        env.setdefault("PREFECT_HOME", str(self.home))
        env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        env.setdefault("PREFECT_SERVER_API_HOST", self.host)
        # The UI calls the API at this address (the browser's view of it).
        env.setdefault("PREFECT_UI_API_URL", self.api_url)
        return env

    # --- starting -------------------------------------------------------------------------

    def start(self, *, deploy: bool = True) -> None:
        """Server, pool, deployments, workers; on any failure everything started is stopped."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        if not port_is_free(self.host, self.port):
            raise StackError(
                f"{self.host}:{self.port} is in use: is a stack or another Prefect server "
                "running? Stop it (`ladder stack stop`) or choose another --port"
            )
        try:
            self._spawn(
                "server",
                [PREFECT, "server", "start", "--host", self.host, "--port", str(self.port)],
                self.server_env(),
            )
            self._wait_healthy()
            self.say(f"Prefect server and UI on {self.ui_url}")
            self.prefect("work-pool", "create", POOL, "--type", "process", "--overwrite")
            if deploy:
                self.prefect("deploy", "--all", timeout=600)
                self.say(f"deployed {len(self.deployments())} deployment(s) from prefect.yaml")
            for n in range(1, self.workers + 1):
                self._spawn(
                    f"worker-{n}",
                    [PREFECT, "worker", "start", "--pool", POOL, "--name", f"{POOL}-worker-{n}"],
                    self.client_env(),
                )
            self._wait_workers()
            self._write_state(ready=True)
            self.say(f"{self.workers} process worker(s) on the '{POOL}' pool")
        except BaseException:
            self.stop()
            raise

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        self.children[name] = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_default_signals,
        )
        log.close()
        self._write_state()

    def _write_state(self, *, ready: bool = False) -> None:
        state = {
            "ready": ready,
            "api_url": self.api_url,
            "pid": os.getpid(),
            "groups": {name: p.pid for name, p in self.children.items()},
        }
        self.state_file.write_text(json.dumps(state, indent=2) + "\n")

    def _wait_healthy(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        server = self.children["server"]
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise StackError(f"the Prefect server exited; see {self.logs / 'server.log'}")
            try:
                health = httpx.get(f"{self.api_url}/health", timeout=2, auth=self._auth())
                if health.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise StackError(f"the Prefect server did not answer in {timeout:.0f} s")

    def _wait_workers(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.children.items():
                if name.startswith("worker") and process.poll() is not None:
                    raise StackError(f"{name} exited; see {self.logs / (name + '.log')}")
            online = [w for w in self.online_workers() if w.startswith(f"{POOL}-worker-")]
            if len(online) >= self.workers:
                return
            time.sleep(0.5)
        raise StackError(f"the workers did not come online in {timeout:.0f} s")

    # --- talking to it ----------------------------------------------------------------------

    def prefect(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [PREFECT, "--no-prompt", *args],
            cwd=ROOT,
            env=self.client_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise StackError(f"`prefect {' '.join(args)}` failed:\n{done.stdout}\n{done.stderr}")
        return done

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        # A busy server answers 503 (its SQLite database locked for a moment) or 429; Prefect's
        # own client tries again, and so does this.
        # A call that timed out is tried again too: reads are safe to repeat, and a flow run
        # is created under an idempotency key.
        for attempt in range(8):
            try:
                response = httpx.request(
                    method, f"{self.api_url}{path}", json=body, timeout=60, auth=self._auth()
                )
            except httpx.TimeoutException:
                if attempt == 7:
                    raise
                continue
            if response.status_code not in (429, 502, 503) or attempt == 7:
                break
            time.sleep(0.5 * 2**attempt)
        response.raise_for_status()
        return response.json()

    def deployments(self) -> list[dict[str, Any]]:
        return list(self.api("POST", "/deployments/filter", {}))

    def online_workers(self) -> list[str]:
        found = self.api("POST", f"/work_pools/{POOL}/workers/filter", {})
        return [w["name"] for w in found if w.get("status") == "ONLINE"]

    # --- stopping ---------------------------------------------------------------------------

    def stop(self) -> None:
        """All workers at once first (they hand back their runs), then the server."""
        workers = [p for name, p in self.children.items() if name != "server"]
        stop_groups([p.pid for p in workers])
        if "server" in self.children:
            stop_groups([self.children["server"].pid])
        for process in self.children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        self.children.clear()
        self.state_file.unlink(missing_ok=True)


def stop_recorded(home: Path) -> list[str]:
    """Stop a stack started elsewhere, from its state file: the groups it stopped."""
    state_file = home / "stack.json"
    if not state_file.exists():
        return []
    state = json.loads(state_file.read_text())
    owner = int(state.get("pid", 0))
    if owner and process_alive(owner):
        with contextlib.suppress(ProcessLookupError):
            os.kill(owner, signal.SIGTERM)  # the stack stops its own children, in order
        deadline = time.monotonic() + 60
        while state_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    groups = state["groups"]
    stop_groups([int(g) for name, g in groups.items() if name != "server"])
    stop_groups([int(g) for name, g in groups.items() if name == "server"])
    stopped = sorted(groups, key=lambda name: name == "server")
    state_file.unlink(missing_ok=True)
    return stopped
