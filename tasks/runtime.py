"""What every use case runs with: settings, the organisation, its calendar and the database,
built from LADDER_* settings once per process. The CLI, the decision forms and the flows all
open their unit of work through `Runtime.transaction()`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from definitions.calendar import WorkingCalendar
from definitions.errors import Misconfigured
from definitions.organisation import Organisation
from definitions.settings import Settings, load_configured_organisation
from notifications.render import template_problems
from notifications.transport import SmtpConfig
from storage.db import check_schema, make_engine

if TYPE_CHECKING:
    from storage.links import Links


class SmtpPasswordMissing(Misconfigured):
    """The SMTP password's Secret block is not on the Prefect server."""


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    organisation: Organisation
    calendar: WorkingCalendar
    engine: Engine

    def today(self) -> date:
        """Today's calendar date in the organisation's time zone."""
        return self.calendar.today()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: everything written in the block commits together, or nothing
        does. What it returns stays readable after the commit (expire_on_commit=False)."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def links(self) -> Links | None:
        """What makes the signed links the organisation's mail carries (None: turned off)."""
        from storage.links import links_for

        return links_for(self.settings, self.organisation)

    @property
    def sender_address(self) -> str:
        return self.settings.sender_address or self.organisation.profile.sender_address

    def smtp_password(self) -> str | None:
        """LADDER_SMTP_PASSWORD, or the Prefect Secret block LADDER_SMTP_PASSWORD_BLOCK names
        (read from the Prefect server at each delivery, so a rotated password is used at
        once). Never logged."""
        s = self.settings
        if s.smtp_password_block:
            # Prefect is loaded only for a password kept in Prefect (tasks/secrets.py).
            from tasks.secrets import read_secret_block

            value = read_secret_block(s.smtp_password_block)
            if value is None:
                raise SmtpPasswordMissing(
                    f"LADDER_SMTP_PASSWORD_BLOCK names the Secret block "
                    f"'{s.smtp_password_block}', which the Prefect server does not have; "
                    "create it in the UI (Blocks, Secret) or with Secret(value=...).save(name)"
                )
            return value
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


class TemplateError(Misconfigured):
    """An organisation's templates/ folder holds a file Ladder cannot use."""


def checked_organisation(settings: Settings) -> Organisation:
    """The configured organisation, its YAML and its own templates checked: a template
    that overrides nothing (a misspelt name) or does not compile is refused here, before
    anything is sent, rather than ignored or found out at the first mail."""
    organisation = load_configured_organisation(settings)
    if organisation.templates is not None:
        problems = template_problems(organisation.templates)
        if problems:
            raise TemplateError("; ".join(problems))
    return organisation


def open_runtime(settings: Settings) -> Runtime:
    """A runtime for `settings`: the organisation loaded and the schema checked (a bad
    programme file raises ProgrammeFileError, an unmigrated database SchemaOutOfDate)."""
    key = (settings.database_url, str(settings.organisation), settings.timezone)
    with _lock:
        runtime = _cache.get(key)
        if runtime is None or runtime.settings != settings:
            organisation = checked_organisation(settings)
            engine = runtime.engine if runtime else make_engine(settings.database_url)
            check_schema(engine)
            runtime = Runtime(settings, organisation, organisation.working_calendar(), engine)
            _cache[key] = runtime
        return runtime


def current_runtime() -> Runtime:
    """The runtime for the environment as it is now (tests change it between runs)."""
    return open_runtime(Settings())


def dispose_runtimes() -> None:
    with _lock:
        for runtime in _cache.values():
            runtime.engine.dispose()
        _cache.clear()
