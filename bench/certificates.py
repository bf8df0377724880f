"""Benchmark: a certificate batch of N awards against a bare loop that only renders the PDFs.

Ladder's batch does, per certificate, what the nightly flow's tasks do (without Prefect's
orchestration): render the PDF and write it atomically, sign the RS256 credential, insert the
certificate, mark the award issued and queue the mail with the PDF attached, in chunks of
`--chunk-size` per transaction. The baseline in the same run renders the same PDFs in a
loop and nothing else, so the ratio shows what signing, storing and queueing cost on top.

    .venv/bin/python bench/certificates.py                 # 10,000 awards, SQLite
    .venv/bin/python bench/certificates.py --awards 2000 --database-url postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.sweep import write_roster  # noqa: E402
from definitions.loader import load_organisation  # noqa: E402
from definitions.organisation import Organisation  # noqa: E402
from definitions.settings import Settings  # noqa: E402
from notifications.certificate_pdf import CertificateFace, render_certificate  # noqa: E402
from notifications.signing import create_key, load_key  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import Award, Certificate, OutboxMessage, Worker  # noqa: E402
from tasks.certificates.issue import issue_awards  # noqa: E402
from tasks.roster.roster_import import import_roster  # noqa: E402
from tasks.runtime import Runtime  # noqa: E402

AS_OF = date(2026, 11, 23)


def seed_awards(engine: Engine, organisation: Organisation, roster: Path, awards: int) -> None:
    """The roster's NQSWs, each with one first-aid award waiting for its certificate."""
    with Session(engine) as session, session.begin():
        import_roster(session, organisation, roster, as_of=AS_OF, actor="bench")
        workers = list(session.scalars(select(Worker.id).where(Worker.role == "nqsw")))
        session.execute(
            insert(Award),
            [
                dict(
                    worker_id=w,
                    kind="module",
                    key="first_aid",
                    achieved_on=AS_OF,
                    expires_on=date(2029, 11, 23),
                    status="waiting",
                )
                for w in workers[:awards]
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, default=10_000)
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL whose public schema may be dropped"
    )
    args = parser.parse_args()
    organisation = load_organisation()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'bench.sqlite'}"
        if args.database_url:
            engine = make_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()
        upgrade(url)
        engine = make_engine(url)
        write_roster(folder / "roster.csv", args.awards)
        seed_awards(engine, organisation, folder / "roster.csv", args.awards)
        key = load_key(create_key(folder / "keys" / "signing-key.pem"))
        settings = Settings(
            data_dir=folder / "var",
            database_url=url,
            signing_key=folder / "keys" / "signing-key.pem",
        )
        runtime = Runtime(settings, organisation, organisation.working_calendar(), engine)

        render_certificate(
            CertificateFace(
                "WARM-1",
                "Warm Up",
                "First aid at work",
                "Module",
                AS_OF,
                AS_OF,
                None,
                "x",
                "http://x",
            )
        )
        started = time.perf_counter()
        with Session(engine) as session:
            ids = list(session.scalars(select(Award.id).order_by(Award.id)))
        issued = 0
        for i in range(0, len(ids), args.chunk_size):
            part = ids[i : i + args.chunk_size]
            with Session(engine) as session, session.begin():
                issued += len(
                    issue_awards(session, runtime, key, award_ids=(part[0], part[-1]), as_of=AS_OF)
                )
        batch = time.perf_counter() - started

        with Session(engine) as session:
            faces = [
                CertificateFace(
                    c.serial,
                    name,
                    c.title,
                    "Module",
                    c.achieved_on,
                    c.issued_on,
                    c.expires_on,
                    c.issuer,
                    f"{settings.verify_url}/verify/{c.serial}",
                )
                for c, name in session.execute(
                    select(Certificate, Worker.name).join(
                        Worker, Worker.id == Certificate.worker_id
                    )
                ).all()
            ]
            mails = session.scalar(select(text("count(*)")).select_from(OutboxMessage))
        started = time.perf_counter()
        for face in faces:
            render_certificate(face)
        bare = time.perf_counter() - started
        engine.dispose()
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{'awards':>7} | {'batch s':>8} {'certs/s':>8} {'mails':>6} | {'bare PDF s':>10} "
        f"{'PDFs/s':>7} | {'batch/bare':>10}"
    )
    print(
        f"{issued:>7} | {batch:>8.2f} {issued / batch:>8.1f} {mails:>6} | {bare:>10.2f} "
        f"{len(faces) / bare:>7.1f} | {batch / bare:>9.2f}x"
    )
    print(f"({backend}; chunks of {args.chunk_size}; one process; {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
