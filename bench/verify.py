"""Benchmark: the verification site's requests per second against a static page it serves.

A real uvicorn server on loopback serves `create_app()` over a SQLite database of issued
certificates. One client sends `--requests` requests, one after another, to each of: the
form page (`/verify`, a rendered template with no database or key: the baseline), a
certificate's page (`/verify/SERIAL`: a database read and a signature check) and the key set
(`/.well-known/jwks.json`). The ratio to the baseline shows what checking a certificate
costs; the last line shows what reading the signing key on every request (as the site did
before it kept the key set) would add to each.

    .venv/bin/python bench/verify.py                 # 300 requests a path
    .venv/bin/python bench/verify.py --requests 1000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.certificates import AS_OF, seed_awards  # noqa: E402
from bench.sweep import write_roster  # noqa: E402
from definitions.loader import load_organisation  # noqa: E402
from definitions.settings import Settings  # noqa: E402
from flows.stack.processes import free_port  # noqa: E402
from notifications.signing import create_key, load_key  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import Certificate  # noqa: E402
from tasks.certificates.issue import issue_awards  # noqa: E402
from tasks.runtime import Runtime, dispose_runtimes  # noqa: E402


def _rate(client: httpx.Client, url: str, requests: int) -> float:
    """Requests per second for `requests` sequential GETs of `url` (each must succeed)."""
    client.get(url)  # warm: the first request loads templates and the key set
    started = time.perf_counter()
    for _ in range(requests):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return requests / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests a path (1-100000)")
    args = parser.parse_args()
    if not 1 <= args.requests <= 100_000:
        parser.error("--requests must be between 1 and 100000")
    organisation = load_organisation()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'bench.sqlite'}"
        upgrade(url)
        engine = make_engine(url)
        write_roster(folder / "roster.csv", 20)
        seed_awards(engine, organisation, folder / "roster.csv", 20)
        key_path = create_key(folder / "keys" / "signing-key.pem")
        settings = Settings(data_dir=folder / "var", database_url=url, signing_key=key_path)
        runtime = Runtime(settings, organisation, organisation.working_calendar(), engine)
        with Session(engine) as session, session.begin():
            issue_awards(session, runtime, load_key(key_path), award_ids=(1, 10**9), as_of=AS_OF)
        with Session(engine) as session:
            serial = session.scalars(select(Certificate.serial)).first()
        assert serial is not None
        engine.dispose()

        os.environ.update(
            LADDER_DATABASE_URL=url,
            LADDER_SIGNING_KEY=str(key_path),
            LADDER_DATA_DIR=str(folder / "var"),
        )
        dispose_runtimes()
        from flows.web.app import create_app

        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(today=lambda: date(2026, 11, 24)),
                host="127.0.0.1",
                port=port,
                log_level="warning",
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "the site did not start"
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(timeout=30) as client:
                rates = {
                    "form page /verify (baseline)": _rate(client, f"{base}/verify", args.requests),
                    "certificate /verify/SERIAL": _rate(
                        client, f"{base}/verify/{serial}", args.requests
                    ),
                    "key set /.well-known/jwks.json": _rate(
                        client, f"{base}/.well-known/jwks.json", args.requests
                    ),
                }
        finally:
            server.should_exit = True
            thread.join(timeout=30)
        started = time.perf_counter()
        reads = 5
        for _ in range(reads):
            load_key(key_path).jwks()
        per_read = (time.perf_counter() - started) / reads
        dispose_runtimes()
    baseline = rates["form page /verify (baseline)"]
    print(f"{'path':<32} {'req/s':>8} {'ms/req':>7} {'vs baseline':>11}")
    for name, rate in rates.items():
        print(f"{name:<32} {rate:>8.1f} {1000 / rate:>7.2f} {rate / baseline:>10.2f}x")
    print(
        f"reading the signing key once: {per_read * 1000:.0f} ms, which the site no longer pays "
        f"per request ({args.requests} sequential requests a path, one client, "
        f"{os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    main()
