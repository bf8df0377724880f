"""What a task needs at run time, built from LADDER_* settings once per process."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from definitions.calendar import WorkingCalendar
from definitions.organisation import Organisation
from definitions.settings import Settings, load_configured_organisation
from notifications.transport import SmtpConfig
from storage.db import check_schema, make_engine


class SmtpPasswordMissing(RuntimeError):
    """The SMTP password's Secret block is not on the Prefect server."""


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    organisation: Organisation
    calendar: WorkingCalendar
    engine: Engine

    @property
    def sender_address(self) -> str:
        return self.settings.sender_address or self.organisation.profile.sender_address

    def smtp_password(self) -> str | None:
        """LADDER_SMTP_PASSWORD, or the Prefect Secret block LADDER_SMTP_PASSWORD_BLOCK names
        (read from the Prefect server at each delivery, so a rotated password is used at
        once). Never logged."""
        s = self.settings
        if s.smtp_password_block:
            from prefect.blocks.system import Secret

            try:
                secret = Secret.load(s.smtp_password_block)
            except ValueError:
                raise SmtpPasswordMissing(
                    f"LADDER_SMTP_PASSWORD_BLOCK names the Secret block "
                    f"'{s.smtp_password_block}', which the Prefect server does not have; "
                    "create it in the UI (Blocks, Secret) or with Secret(value=...).save(name)"
                ) from None
            return str(secret.get())
        return s.smtp_password.get_secret_value() if s.smtp_password else None

    def smtp_config(self) -> SmtpConfig:
        s = self.settings
        return SmtpConfig(
            host=s.smtp_host,
            port=s.smtp_port,
            security=s.smtp_security,
            user=s.smtp_user,
            password=self.smtp_password(),
            timeout_seconds=s.smtp_timeout_seconds,
            ca_file=str(s.smtp_ca_file) if s.smtp_ca_file else None,
        )


_lock = threading.Lock()
_cache: dict[tuple[str, str, str | None], Runtime] = {}


def current_runtime() -> Runtime:
    """The runtime for the environment as it is now (tests change it between runs)."""
    settings = Settings()
    key = (settings.database_url, str(settings.organisation), settings.timezone)
    with _lock:
        runtime = _cache.get(key)
        if runtime is None or runtime.settings != settings:
            organisation = load_configured_organisation(settings)
            engine = runtime.engine if runtime else make_engine(settings.database_url)
            check_schema(engine)
            runtime = Runtime(settings, organisation, organisation.working_calendar(), engine)
            _cache[key] = runtime
        return runtime


def dispose_runtimes() -> None:
    with _lock:
        for runtime in _cache.values():
            runtime.engine.dispose()
        _cache.clear()


def task_runner_for(settings: Settings) -> Any:
    """Where a flow's mapped tasks run (LADDER_TASK_RUNNER): threads in the flow's own process
    (the default), or a Dask cluster through prefect-dask, either the scheduler at
    LADDER_DASK_ADDRESS or a LocalCluster of LADDER_DASK_WORKERS processes made per run."""
    if settings.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

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
