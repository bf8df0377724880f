"""A real relay: STARTTLS or implicit TLS with a certificate to verify, and a login."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Literal

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from definitions.errors import Misconfigured
from notifications.message import build_email
from notifications.sink import SmtpSink
from notifications.transport import (
    DeliveryError,
    SmtpConfig,
    SmtpTransport,
    cleartext_login_refusal,
)

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, as a private relay might use."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "relay.pem", folder / "relay.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def send_one(config: SmtpConfig) -> None:
    message = build_email(
        sender_name="Ladder",
        sender_address="ladder@example.org",
        to_address="nqsw@example.org",
        subject="Your review",
        text="text",
        html="<p>html</p>",
        message_id="<1@example.org>",
    )
    with SmtpTransport(config, envelope_from="ladder@example.org") as transport:
        transport.send(message)


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "ssl"])
def test_a_relay_with_tls_and_login_takes_the_message(
    certificate: tuple[Path, Path], implicit: bool
) -> None:
    with SmtpSink(
        tls=server_tls(certificate), implicit_tls=implicit, credentials=("ladder", PASSWORD)
    ) as relay:
        send_one(
            SmtpConfig(
                host="127.0.0.1",
                port=relay.port,
                security="ssl" if implicit else "starttls",
                user="ladder",
                password=PASSWORD,
                ca_file=str(certificate[0]),
            )
        )
        assert relay.logins == ["ladder"]
        assert [r.recipients for r in relay.received] == [["nqsw@example.org"]]


def test_a_wrong_password_is_reported_without_the_password(
    certificate: tuple[Path, Path],
) -> None:
    with SmtpSink(tls=server_tls(certificate), credentials=("ladder", PASSWORD)) as relay:
        config = SmtpConfig(
            host="127.0.0.1",
            port=relay.port,
            security="starttls",
            user="ladder",
            password="hunter2-wrong",
            ca_file=str(certificate[0]),
        )
        with pytest.raises(DeliveryError) as caught:
            send_one(config)
        assert caught.value.connection and not caught.value.permanent
        assert "refused the login for user 'ladder'" in str(caught.value)
        assert "hunter2" not in str(caught.value) and "hunter2" not in repr(config)
        assert relay.received == []


def test_a_relay_whose_certificate_cannot_be_verified_is_not_trusted(
    certificate: tuple[Path, Path],
) -> None:
    with SmtpSink(tls=server_tls(certificate), credentials=("ladder", PASSWORD)) as relay:
        with pytest.raises(DeliveryError, match="did not prove who it is"):
            send_one(
                SmtpConfig(
                    host="127.0.0.1",
                    port=relay.port,
                    security="starttls",
                    user="ladder",
                    password=PASSWORD,
                )
            )  # no CA file given
        assert relay.logins == [] and relay.received == []


@pytest.mark.integration
@pytest.mark.usefixtures("ladder_env")
@pytest.mark.parametrize("source", ["environment", "secret-block"])
def test_the_daily_delivery_uses_the_relay_settings(
    certificate: tuple[Path, Path],
    engine,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
    request: pytest.FixtureRequest,
    source: str,
) -> None:
    """The relay's password from LADDER_SMTP_PASSWORD, or from a Prefect Secret block (the
    production path: the password lives on the Prefect server, not in the workers' env)."""
    from datetime import date

    from sqlalchemy.orm import Session

    from notifications.message import message_id_for
    from storage.outbox import enqueue
    from tasks.delivery.send import deliver_queued
    from tasks.runtime import current_runtime

    with Session(engine) as session, session.begin():
        enqueue(
            session,
            rows=[
                dict(
                    dedup_key="relay:1",
                    message_id=message_id_for("relay:1", "hr@example.org"),
                    kind="review_3",
                    step="before_14",
                    obligation_id=None,
                    recipient_id=None,
                    recipient_role="worker",
                    to_address="nqsw@example.org",
                    subject="Reminder",
                    body_text="text",
                    body_html="<p>html</p>",
                    send_on=date(2026, 11, 23),
                    status="queued",
                    attempts=0,
                )
            ],
        )
    with SmtpSink(tls=server_tls(certificate), credentials=("apikey", PASSWORD)) as relay:
        for key, value in {
            "LADDER_SMTP_PORT": str(relay.port),
            "LADDER_SMTP_SECURITY": "starttls",
            "LADDER_SMTP_USER": "apikey",
            "LADDER_SMTP_CA_FILE": str(certificate[0]),
        }.items():
            monkeypatch.setenv(key, value)
        if source == "environment":
            monkeypatch.setenv("LADDER_SMTP_PASSWORD", PASSWORD)
        else:
            request.getfixturevalue("prefect_harness")
            from prefect.blocks.system import Secret

            Secret(value=PASSWORD).save("ladder-smtp-relay", overwrite=True)
            monkeypatch.delenv("LADDER_SMTP_PASSWORD", raising=False)
            monkeypatch.setenv("LADDER_SMTP_PASSWORD_BLOCK", "ladder-smtp-relay")
        report = deliver_queued(current_runtime())
        assert report.sent == 1
        assert relay.logins == ["apikey"]
        assert PASSWORD not in repr(current_runtime().settings)


@pytest.mark.usefixtures("prefect_harness", "ladder_env")
def test_a_missing_secret_block_is_named_and_how_to_make_it(
    engine,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    from tasks.runtime import SmtpPasswordMissing, current_runtime

    monkeypatch.setenv("LADDER_SMTP_PASSWORD_BLOCK", "no-such-block")
    with pytest.raises(SmtpPasswordMissing, match="'no-such-block', which the Prefect server"):
        current_runtime().smtp_config()


def test_an_unusable_ca_file_is_named_as_the_problem(tmp_path: Path) -> None:
    not_a_certificate = tmp_path / "ca.pem"
    not_a_certificate.write_text("this is not a certificate")
    for ca_file in (tmp_path / "missing.pem", not_a_certificate):
        with pytest.raises(DeliveryError, match="LADDER_SMTP_CA_FILE .* cannot be used"):
            send_one(
                SmtpConfig(
                    host="127.0.0.1",
                    port=1,
                    security="starttls",
                    user="ladder",
                    password=PASSWORD,
                    ca_file=str(ca_file),
                )
            )


@pytest.mark.parametrize(
    ("host", "security", "user", "refused"),
    [
        ("relay.invalid", "none", "ladder", True),
        ("10.1.2.3", "none", "ladder", True),
        ("smtp.sample-borough.example", "none", "ladder", True),
        ("relay.invalid", "starttls", "ladder", False),
        ("relay.invalid", "ssl", "ladder", False),
        ("relay.invalid", "none", None, False),  # no login: nothing secret on the wire
        ("127.0.0.1", "none", "ladder", False),  # this machine: never on a network
        ("127.8.9.10", "none", "ladder", False),
        ("::1", "none", "ladder", False),
        ("localhost", "none", "ladder", False),
    ],
)
def test_a_login_in_clear_text_is_refused_except_on_this_machine(
    host: str, security: Literal["none", "starttls", "ssl"], user: str | None, refused: bool
) -> None:
    config = SmtpConfig(host=host, port=25, security=security, user=user, password="s3cret")
    assert (cleartext_login_refusal(config) is not None) == refused


def test_the_transport_refuses_a_clear_text_login_before_it_connects() -> None:
    config = SmtpConfig(host="relay.invalid", port=25, user="ladder", password="s3cret")
    with (
        pytest.raises(Misconfigured, match="LADDER_SMTP_SECURITY=starttls") as caught,
        SmtpTransport(config, envelope_from="workforce@sample-borough.example"),
    ):
        pass
    assert "relay.invalid in clear text" in str(caught.value)
    assert "s3cret" not in str(caught.value)
