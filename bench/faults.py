"""Fault run: `ladder daily` killed with SIGKILL at random moments, then run again, as an
operator would after a crash. Reports what the kills did to the mail and the processes.

For each of `--days` days (a week apart, from 2026-03-18, when a synthetic cohort of
`--nqsws` newly qualified workers reaches its first reviews), `ladder daily --as-of DAY`
starts in a process of its own and is killed at a random moment between 1 s and the
length of an undisturbed run; then the same day is run again to the end. A real SMTP server
(aiosmtpd on loopback, answering each message after `--delay` s so that kills land
mid-delivery) receives everything.

It counts: messages queued; messages the server received, and how many of those it got
twice (the promise: at most the one in flight at each kill, under the same Message-ID);
messages lost (queued, never received, none left queued); Prefect servers left running
after a kill; reruns that failed or printed a traceback. The baseline is the same days run
once each with no kill, in the same run.

    .venv/bin/python bench/faults.py                  # 10 days, 240 workers
    .venv/bin/python bench/faults.py --days 17 --seed 7
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.sweep import write_roster  # noqa: E402
from flows.stack.processes import process_alive  # noqa: E402
from notifications.sink import SmtpSink  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.models import OutboxMessage  # noqa: E402

LADDER = str(Path(sys.executable).parent / "ladder")
FIRST_DAY = date(2026, 3, 18)


def _env(folder: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LADDER_"))}
    return env | {
        "LADDER_DATA_DIR": str(folder / "var"),
        "LADDER_DATABASE_URL": f"sqlite:///{folder / 'var' / 'ladder.sqlite'}",
        "LADDER_SMTP_HOST": "127.0.0.1",
        "LADDER_SMTP_PORT": str(port),
        "LADDER_DELIVERY_BATCH_SIZE": "25",
    }


def _prepare(folder: Path, port: int, nqsws: int) -> dict[str, str]:
    env = _env(folder, port)
    roster = folder / "roster.csv"
    write_roster(roster, nqsws)
    for command in (["db", "upgrade"], ["import", "workers", str(roster)]):
        subprocess.run([LADDER, *command], env=env, check=True, capture_output=True)
    return env


def _daily(env: dict[str, str], day: date) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LADDER, "daily", "--as-of", day.isoformat()],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _server_pid(env: dict[str, str]) -> int | None:
    record = Path(env["LADDER_DATA_DIR"]) / "prefect" / "server.json"
    try:
        return int(json.loads(record.read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return None


def _outbox(env: dict[str, str]) -> dict[str, int]:
    engine = make_engine(env["LADDER_DATABASE_URL"])
    with Session(engine) as session:
        counts = dict(
            session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ).all()
        )
    engine.dispose()
    return {s: int(n) for s, n in counts.items()}


def _received(sink: SmtpSink) -> Counter[str]:
    return Counter(str(r.message["Message-ID"]) for r in sink.received)


def baseline(days: list[date], nqsws: int, delay: float) -> tuple[float, int]:
    """The same days run once each, undisturbed: seconds a run, messages received."""
    with tempfile.TemporaryDirectory() as tmp, SmtpSink() as sink:
        sink.handler.delay_seconds = delay
        env = _prepare(Path(tmp), sink.port, nqsws)
        started = time.perf_counter()
        for day in days:
            assert _daily(env, day).returncode == 0
        return (time.perf_counter() - started) / len(days), len(sink.received)


def killed(days: list[date], nqsws: int, delay: float, seconds: float, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    figures: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp, SmtpSink() as sink:
        sink.handler.delay_seconds = delay
        env = _prepare(Path(tmp), sink.port, nqsws)
        for day in days:
            before = len(sink.received)
            run = subprocess.Popen(
                [LADDER, "daily", "--as-of", day.isoformat()],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(1.0, seconds))
            server = _server_pid(env)
            if run.poll() is None:
                run.send_signal(signal.SIGKILL)
                figures["kills"] += 1
                figures["kills mid-delivery"] += len(sink.received) > before
            run.wait()
            deadline = time.monotonic() + 10
            while server and process_alive(server) and time.monotonic() < deadline:
                time.sleep(0.1)
            figures["servers left running"] += bool(server and process_alive(server))
            rerun = _daily(env, day)
            figures["reruns failed"] += rerun.returncode != 0
            figures["reruns with a traceback"] += "Traceback" in rerun.stderr
        outbox = _outbox(env)
        received = _received(sink)
        figures["queued in all"] = sum(outbox.values())
        figures["left queued"] = outbox.get("queued", 0)
        figures["failed"] = outbox.get("failed", 0)
        figures["received"] = len(sink.received)
        figures["distinct received"] = len(received)
        figures["received twice"] = sum(n - 1 for n in received.values() if n > 1)
        figures["lost"] = (
            figures["queued in all"]
            - figures["distinct received"]
            - (figures["left queued"] + figures["failed"])
        )
    return dict(figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--nqsws", type=int, default=240)
    parser.add_argument("--delay", type=float, default=0.05, help="the server's seconds a message")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    days = [FIRST_DAY + timedelta(weeks=w) for w in range(args.days)]
    seconds, undisturbed = baseline(days, args.nqsws, args.delay)
    print(f"baseline: {len(days)} days, {undisturbed} messages, {seconds:.1f} s a run, no kill")
    figures = killed(days, args.nqsws, args.delay, seconds, args.seed)
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    print(
        f"received / baseline: {figures['distinct received']} / {undisturbed} "
        f"({figures['distinct received'] / max(undisturbed, 1):.3f}); duplicates per kill: "
        f"{figures['received twice'] / max(figures['kills'], 1):.2f} (promise: at most 1)"
    )


if __name__ == "__main__":
    main()
