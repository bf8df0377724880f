"""The heaviest batch work can run its tasks on Dask (LADDER_TASK_RUNNER=dask): the daily
sweep and the certificate batch on a LocalCluster give the same results as the default
thread pool."""

from __future__ import annotations

import asyncio
import shutil
from datetime import date
from pathlib import Path

import pytest
from certificate_world import completions
from prefect.task_runners import ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from definitions.settings import Settings
from flows.certificates import certificate_batch
from flows.daily import daily
from flows.runners import configured_task_runner, task_runner_for
from storage.models import Certificate, Notice, OutboxMessage, Worker
from tasks.runtime import dispose_runtimes

pytestmark = pytest.mark.integration
AWARDS = [
    ("W0035", "first_aid", "2026-04-17"),
    ("W0019", "cs_assessment", "2025-02-03"),
    ("W0020", "first_aid", "2026-03-02"),
    ("W0021", "cs_assessment", "2025-06-09"),
    ("W0022", "first_aid", "2026-01-12"),
]
DAYS = [date(2026, 4, 16), date(2026, 4, 27), date(2026, 5, 14)]


def test_the_setting_chooses_the_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LADDER_TASK_RUNNER", raising=False)
    assert isinstance(configured_task_runner(), ThreadPoolTaskRunner)
    monkeypatch.setenv("LADDER_TASK_RUNNER", "dask")
    monkeypatch.setenv("LADDER_DASK_WORKERS", "3")
    runner = configured_task_runner()
    assert isinstance(runner, DaskTaskRunner)
    assert runner.cluster_kwargs["n_workers"] == 3
    remote = task_runner_for(Settings(task_runner="dask", dask_address="tcp://10.0.0.5:8786"))
    assert remote.address == "tcp://10.0.0.5:8786"
    monkeypatch.setenv("LADDER_TASK_RUNNER", "spark")  # not a runner: threads, the run says why
    assert isinstance(configured_task_runner(), ThreadPoolTaskRunner)


def _outcome(url: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """What a run decided, by natural keys (ids differ between databases)."""
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            mails = session.execute(
                select(
                    Worker.external_id,
                    OutboxMessage.kind,
                    OutboxMessage.step,
                    OutboxMessage.subject,
                    OutboxMessage.status,
                ).join(Worker, Worker.id == OutboxMessage.recipient_id)
            ).all()
            notices = session.execute(
                select(Worker.external_id, Notice.step, Notice.due_date, Notice.status).join(
                    Worker, Worker.id == Notice.recipient_id
                )
            ).all()
            certificates = session.execute(
                select(Worker.external_id, Certificate.title).join(
                    Worker, Worker.id == Certificate.worker_id
                )
            ).all()
    finally:
        engine.dispose()
    return sorted(tuple(map(str, m)) for m in mails + notices), sorted(
        tuple(map(str, c)) for c in certificates
    )


def _year_so_far(runner: object) -> None:
    sweep = daily.with_options(task_runner=runner)
    for day in DAYS:
        state = asyncio.run(sweep(as_of=day, return_state=True))
        assert state.is_completed(), state.message
    batch = certificate_batch.with_options(task_runner=runner)
    state = batch(as_of=DAYS[-1], return_state=True)
    assert state.is_completed(), state.message


@pytest.mark.usefixtures("prefect_harness")
def test_dask_on_a_local_cluster_does_what_the_thread_pool_does(  # type: ignore[no-untyped-def]
    ladder_env,
    database_url: str,
    engine,
    organisation,
    import_roster_file,
    sqlite_template: Path,
    key_file: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # Small chunks so each run maps several tasks onto the cluster's two processes.
    monkeypatch.setenv("LADDER_SIGNING_KEY", str(key_file))
    monkeypatch.setenv("LADDER_CHUNK_SIZE", "7")
    monkeypatch.setenv("LADDER_CERTIFICATE_CHUNK_SIZE", "2")
    baseline = tmp_path / "threads.sqlite"
    shutil.copy(sqlite_template, baseline)
    baseline_url = f"sqlite:///{baseline}"
    for n, url in enumerate((database_url, baseline_url)):
        other = create_engine(url)
        import_roster_file(other, organisation, as_of=date(2026, 1, 1))
        folder = tmp_path / f"completions-{n}"
        folder.mkdir()
        completions(other, organisation, folder, AWARDS, today=DAYS[-1])
        other.dispose()

    monkeypatch.setenv("LADDER_DATABASE_URL", baseline_url)
    _year_so_far(ThreadPoolTaskRunner(max_workers=4))
    dispose_runtimes()
    monkeypatch.setenv("LADDER_DATABASE_URL", database_url)
    runner = task_runner_for(Settings(task_runner="dask", dask_workers=2))
    _year_so_far(runner)
    dispose_runtimes()

    on_dask, on_threads = _outcome(database_url), _outcome(baseline_url)
    mails, certificates = on_dask
    assert len(mails) > 10 and len(certificates) == 5
    assert on_dask == on_threads
