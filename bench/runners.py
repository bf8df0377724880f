"""Benchmark: the certificate-batch flow (real Prefect, ephemeral API) on the default thread
pool against the same batch on a Dask LocalCluster (LADDER_TASK_RUNNER=dask), same awards,
same run. Rendering and signing are CPU-bound Python, so threads share one core under the
GIL while Dask's worker processes use them all; the ratio shows what that buys on this
machine (and what a LocalCluster costs to start).

    .venv/bin/python bench/runners.py                          # 1,000 awards, SQLite
    .venv/bin/python bench/runners.py --awards 2000 --database-url postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from typing import Any  # noqa: E402

from sqlalchemy import Engine, func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.certificates import AS_OF, seed_awards  # noqa: E402
from bench.sweep import write_roster  # noqa: E402
from definitions.loader import load_organisation  # noqa: E402
from definitions.settings import Settings  # noqa: E402
from notifications.signing import create_key  # noqa: E402
from notifications.sink import SmtpSink  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import Certificate  # noqa: E402


def seed(url: str, organisation: Any, roster: Path, awards: int, *, fresh: bool) -> Engine:
    if url.startswith("postgresql") and fresh:
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    seed_awards(engine, organisation, roster, awards)
    return engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, default=1000)
    parser.add_argument("--chunk-size", type=int, default=100)
    parser.add_argument("--dask-workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL whose public schema may be dropped"
    )
    args = parser.parse_args()
    organisation = load_organisation()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["PREFECT_HOME"] = str(folder / "prefect")
        write_roster(folder / "roster.csv", args.awards)
        sink = SmtpSink().start()  # a real SMTP server on loopback takes the mail
        os.environ.update(
            LADDER_SIGNING_KEY=str(create_key(folder / "keys" / "signing-key.pem")),
            LADDER_CERTIFICATE_CHUNK_SIZE=str(args.chunk_size),
            LADDER_SMTP_PORT=str(sink.port),
        )
        from prefect.task_runners import ThreadPoolTaskRunner

        from flows.certificates import certificate_batch
        from flows.runners import task_runner_for
        from tasks.runtime import dispose_runtimes

        runners = {
            "threads": ThreadPoolTaskRunner(),
            f"dask x{args.dask_workers}": task_runner_for(
                Settings(task_runner="dask", dask_workers=args.dask_workers)
            ),
        }
        timings: dict[str, tuple[float, int]] = {}
        for n, (name, runner) in enumerate(runners.items()):
            # The same awards, waiting, in a database of their own (events are append-only).
            url = args.database_url or f"sqlite:///{folder / f'bench-{n}.sqlite'}"
            engine = seed(url, organisation, folder / "roster.csv", args.awards, fresh=True)
            os.environ.update(LADDER_DATABASE_URL=url, LADDER_DATA_DIR=str(folder / f"var-{n}"))
            started = time.perf_counter()
            state = certificate_batch.with_options(task_runner=runner)(
                as_of=AS_OF, return_state=True
            )
            elapsed = time.perf_counter() - started
            assert state.is_completed(), state.message
            with Session(engine) as session:
                issued = int(session.scalar(select(func.count()).select_from(Certificate)) or 0)
            timings[name] = (elapsed, issued)
            dispose_runtimes()
            engine.dispose()
        sink.stop()
    backend = "PostgreSQL" if args.database_url else "SQLite"
    base = timings["threads"][0]
    print(f"{'runner':>10} | {'issued':>6} {'seconds':>8} {'certs/s':>8} | {'vs threads':>10}")
    for name, (elapsed, issued) in timings.items():
        print(
            f"{name:>10} | {issued:>6} {elapsed:>8.2f} {issued / elapsed:>8.1f} | "
            f"{base / elapsed:>9.2f}x"
        )
    print(
        f"({backend}; chunks of {args.chunk_size}; {os.cpu_count()} CPUs; wall time of the "
        "whole flow run, including the LocalCluster's start)"
    )


if __name__ == "__main__":
    main()
