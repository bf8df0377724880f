"""Where a flow's mapped tasks run: threads in the flow's process, or a Dask cluster."""

from __future__ import annotations

from typing import Any

from definitions.settings import Settings


def task_runner_for(settings: Settings) -> Any:
    """Where a flow's mapped tasks run (LADDER_TASK_RUNNER): threads in the flow's own process
    (the default), or a Dask cluster through prefect-dask, either the scheduler at
    LADDER_DASK_ADDRESS or a LocalCluster of LADDER_DASK_WORKERS processes made per run."""
    if settings.task_runner == "dask":
        from prefect_dask.task_runners import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        return DaskTaskRunner(
            cluster_class="distributed.LocalCluster",
            cluster_kwargs={
                "n_workers": settings.dask_workers,
                "threads_per_worker": 1,
                "dashboard_address": None,
            },
        )
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner()


def configured_task_runner() -> Any:
    """The task runner the environment asks for, read when a flow module is imported (a
    worker imports the flow for each run). Settings that do not validate fall back to
    threads here; the run then fails on them with a clear message."""
    try:
        return task_runner_for(Settings())
    except ValueError:
        return task_runner_for(Settings.model_construct(task_runner="threads"))
