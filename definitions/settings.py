"""Ladder's configuration: LADDER_* environment variables, read once and passed down."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from definitions.delivery import RetryPolicy
from definitions.errors import BadInput
from definitions.loader import SAMPLE_ORGANISATION, load_organisation
from definitions.organisation import Organisation


class Settings(BaseSettings):
    """Every setting has a working embedded default: SQLite under var/, a local SMTP sink."""

    model_config = SettingsConfigDict(env_prefix="LADDER_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="where the SQLite file and mail live")
    database_url: str = Field(default="", description="SQLAlchemy URL; default SQLite in data_dir")
    organisation: Path = Field(default=SAMPLE_ORGANISATION, description="programme YAML folder")
    timezone: str | None = Field(default=None, description="overrides organisation.yaml's zone")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_timeout_seconds: float = 30.0
    smtp_ca_file: Path | None = Field(default=None, description="CA bundle for a private relay")
    sender_address: str | None = Field(default=None, description="overrides organisation.yaml")

    delivery_batch_size: int = Field(default=200, ge=1)
    delivery_retries: int = Field(default=2, ge=0)
    delivery_retry_delay_seconds: float = Field(default=20.0, ge=0)
    delivery_backoff_seconds: float = Field(
        default=300, ge=0, description="first wait after a server refused a message for now"
    )
    delivery_backoff_max_seconds: float = Field(default=6 * 3600, ge=0)
    delivery_max_attempts: int = Field(default=12, ge=1, description="then the message fails")
    delivery_lease_seconds: float = Field(
        default=900, gt=0, description="how long a delivery run holds the messages it sends"
    )
    chunk_size: int = Field(default=2000, ge=1, description="obligations per queueing task")

    signing_key: Path = Field(
        default_factory=lambda: Path.home() / ".config" / "ladder" / "signing-key.pem",
        description="the certificate signing key (RS256), outside the repository, mode 0600",
    )
    verify_url: str = Field(
        default="http://127.0.0.1:8000",
        description="the public address of the verification page (QR codes point here)",
    )
    allow_local_verify_url: bool = Field(
        default=False,
        description=(
            "issue certificates naming a loopback or plain-http verify_url: for the demo and "
            "tests only (such certificates cannot be checked by anyone else, ever)"
        ),
    )
    certificate_chunk_size: int = Field(default=500, ge=1, description="awards per batch task")

    flow_lease_seconds: float = Field(
        default=300,
        gt=0,
        description=(
            "a sweep's lease, renewed every third of it while the run works: how long a run "
            "that died on another machine keeps the next one waiting"
        ),
    )
    task_runner: Literal["threads", "dask"] = Field(
        default="threads",
        description="where a flow's mapped tasks run: threads in the flow's process, or Dask",
    )
    dask_address: str | None = Field(
        default=None,
        description="a running Dask scheduler (tcp://host:8786); default: a LocalCluster",
    )
    dask_workers: int = Field(default=2, ge=1, description="LocalCluster worker processes")
    smtp_password_block: str | None = Field(
        default=None,
        description="the name of a Prefect Secret block holding the SMTP password",
    )

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'ladder.sqlite'}"
        return self

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            first_delay=timedelta(seconds=self.delivery_backoff_seconds),
            longest_delay=timedelta(seconds=self.delivery_backoff_max_seconds),
            max_attempts=self.delivery_max_attempts,
        )

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    @property
    def certificate_dir(self) -> Path:
        return self.data_dir / "certificates"


def load_configured_organisation(settings: Settings) -> Organisation:
    """The organisation the settings point at, with LADDER_TIMEZONE applied when set."""
    organisation = load_organisation(settings.organisation)
    if settings.timezone:
        try:
            calendar = organisation.profile.calendar.model_validate(
                {**organisation.profile.calendar.model_dump(), "timezone": settings.timezone}
            )
        except ValidationError as exc:
            message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
            raise BadInput(f"LADDER_TIMEZONE: {message}") from None
        profile = organisation.profile.model_copy(update={"calendar": calendar})
        organisation = organisation.model_copy(update={"profile": profile})
    return organisation


def public_verify_url(settings: Settings) -> str:
    """The verification site's address to put in a certificate, which names it for good (in
    the PDF, its QR code and the signed credential's issuer and ids): an https address
    others can reach. A loopback or plain-http one is refused, except where
    LADDER_ALLOW_LOCAL_VERIFY_URL says this is a demo or a test."""
    from urllib.parse import urlsplit

    from definitions.errors import Misconfigured

    url = settings.verify_url.rstrip("/")
    if settings.allow_local_verify_url:
        return url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    local = host in ("localhost", "") or host.endswith(".localhost")
    try:
        import ipaddress

        address = ipaddress.ip_address(host)
        local = local or address.is_loopback or address.is_private or address.is_unspecified
    except ValueError:
        pass
    if parts.scheme != "https" or local:
        raise Misconfigured(
            f"LADDER_VERIFY_URL is {url}, which nobody else can reach; certificates name it "
            "for good (in the PDF, its QR code and the signed credential), so they are not "
            "issued with it. Set LADDER_VERIFY_URL to the public https address of Ladder's "
            "verification site, e.g. https://verify.your-council.gov.uk (for a demo only: "
            "LADDER_ALLOW_LOCAL_VERIFY_URL=true)"
        )
    return url
