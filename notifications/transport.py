"""SMTP delivery through yagmail: one connection per batch, errors sorted into retry or give up."""

from __future__ import annotations

import ipaddress
import logging
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType
from typing import Literal

import yagmail

from definitions.errors import Misconfigured, Unavailable

# yagmail logs every message at INFO with the recipient's address: keep addresses out of logs.
logging.getLogger("yagmail").setLevel(logging.WARNING)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: Literal["none", "starttls", "ssl"] = "none"
    user: str | None = None
    password: str | None = None
    timeout_seconds: float = 30.0
    ca_file: str | None = None  # a private relay's CA; the system's CAs otherwise

    def __repr__(self) -> str:  # the password never reaches a log or traceback
        return (
            f"SmtpConfig(host={self.host!r}, port={self.port}, security={self.security!r}, "
            f"user={self.user!r}, password={'***' if self.password else None})"
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cleartext_login_refusal(config: SmtpConfig) -> str | None:
    """Why Ladder will not log in to this relay (None when it may): a login over a connection
    with no TLS would send the password in clear, so it is refused except to this machine."""
    if config.user is None or config.security != "none" or _is_loopback(config.host):
        return None
    return (
        f"LADDER_SMTP_USER is set but LADDER_SMTP_SECURITY is 'none': the password would cross "
        f"the network to {config.host} in clear text, so Ladder did not connect; set "
        "LADDER_SMTP_SECURITY=starttls (usually port 587) or ssl (port 465)"
    )


_ADDRESS = re.compile(r"[^\s<>()\[\]@,;:\"']+@[^\s<>()\[\],;:\"']+")


class DeliveryError(Unavailable):
    """A message or connection failed. `permanent` failures are not worth retrying.

    Server replies often quote the recipient's address; it is masked, so the error can go to
    logs and the Prefect UI (the outbox row says whom the message was for).
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        connection: bool,
        after_data: str | None = None,
    ) -> None:
        super().__init__(_ADDRESS.sub("<address>", message))
        self.permanent = permanent
        self.connection = connection
        # A 5xx to this message's content (after DATA): this message's fault, unless the relay
        # gives every message the same answer; then it is this, about the relay refusing us.
        self.after_data = _ADDRESS.sub("<address>", after_data) if after_data else None


def classify(exc: BaseException, config: SmtpConfig) -> DeliveryError:
    """Turn an SMTP or socket error into a DeliveryError a person can act on."""
    where = f"{config.host}:{config.port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return _server_fault(
            f"SMTP server {where} refused the login for user {config.user!r} "
            f"({exc.smtp_code}); check LADDER_SMTP_USER and LADDER_SMTP_PASSWORD"
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        permanent = all(500 <= c < 600 for c in codes)
        replies = "; ".join(f"{c} {_text(m)}" for c, m in exc.recipients.values())
        return DeliveryError(
            f"recipient refused by {where}: {replies}", permanent=permanent, connection=False
        )
    if isinstance(exc, smtplib.SMTPDataError) and 500 <= exc.smtp_code < 600:
        reply = _text(exc.smtp_error)
        return DeliveryError(
            f"{where} refused the message after reading it ({exc.smtp_code} {reply})",
            permanent=True,
            connection=False,
            after_data=f"{where} refuses mail from this sender ({exc.smtp_code} {reply}); check "
            "LADDER_SENDER_ADDRESS and that the relay accepts Ladder's host and login",
        )
    if isinstance(exc, smtplib.SMTPResponseException) and _refuses_us(exc):
        reply = _text(exc.smtp_error)
        # Not this message's fault: the server will not take mail from us at all (sender,
        # relay or policy refusal). Every message stays queued; the run fails visibly.
        return _server_fault(
            f"{where} refuses mail from this sender ({exc.smtp_code} {reply}); check "
            "LADDER_SENDER_ADDRESS and that the relay accepts Ladder's host and login"
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = _text(exc.smtp_error)
        permanent = 500 <= exc.smtp_code < 600
        return DeliveryError(
            f"{where} answered {exc.smtp_code} {reply}",
            permanent=permanent,
            connection=not permanent and exc.smtp_code == 421,
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return _server_fault(f"{where} closed the connection ({exc}); will retry")
    if isinstance(exc, ConnectionRefusedError):
        return _server_fault(
            f"cannot connect to SMTP server {where}: connection refused; is it "
            "running? (LADDER_SMTP_HOST / LADDER_SMTP_PORT)"
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _server_fault(
            f"SMTP server {where} did not prove who it is ({exc.verify_message}); if it uses "
            "a private CA, set LADDER_SMTP_CA_FILE"
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return _server_fault(
            f"SMTP server {where} does not offer what LADDER_SMTP_SECURITY asks for ({exc})"
        )
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return _server_fault(f"SMTP server {where} timed out")
    if isinstance(exc, OSError):
        return _server_fault(f"cannot reach SMTP server {where}: {exc.strerror or exc}")
    return _server_fault(f"unexpected error while sending through {where}: {type(exc).__name__}")


def _server_fault(message: str) -> DeliveryError:
    """A fault of the server or the connection, not of one message: it stays queued."""
    return DeliveryError(message, permanent=False, connection=True)


def _refuses_us(exc: smtplib.SMTPResponseException) -> bool:
    """A 5xx about the sender or the relay (5.7.x policy, 554 'relay access denied', 530/535
    authentication), as opposed to one about this message or recipient."""
    return (
        isinstance(exc, smtplib.SMTPSenderRefused)
        or exc.smtp_code in (530, 535, 554)
        or (500 <= exc.smtp_code < 600 and _text(exc.smtp_error).lstrip().startswith("5.7."))
    )


def _text(reply: bytes | str) -> str:
    """An SMTP server's reply as text (smtplib gives bytes)."""
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


class SmtpTransport:
    """A yagmail connection opened once and reused for a whole batch of messages."""

    def __init__(self, config: SmtpConfig, *, envelope_from: str) -> None:
        self.config = config
        self.envelope_from = envelope_from
        self._yag: yagmail.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        c = self.config
        refusal = cleartext_login_refusal(c)
        if refusal:
            raise Misconfigured(refusal)
        try:
            # smtplib verifies no certificate by default: a relay must prove who it is.
            tls = ssl.create_default_context(cafile=c.ca_file) if c.security != "none" else None
        except (OSError, ssl.SSLError) as exc:
            raise _server_fault(
                f"LADDER_SMTP_CA_FILE {c.ca_file} cannot be used as a CA certificate "
                f"({getattr(exc, 'strerror', None) or exc}); give a PEM file of the relay's CA"
            ) from None
        try:
            self._yag = yagmail.SMTP(
                user=c.user or self.envelope_from,
                password=c.password,
                host=c.host,
                port=c.port,
                smtp_ssl=c.security == "ssl",
                smtp_starttls={"context": tls} if c.security == "starttls" else False,
                smtp_skip_login=c.user is None,
                soft_email_validation=False,
                timeout=c.timeout_seconds,
                **({"context": tls} if c.security == "ssl" else {}),
            )
            if c.user:
                # yagmail appends "@gmail.com" to a user name without "@"; relays use plain
                # user names (and API-key logins), so log in with the name as configured.
                self._yag.user = c.user
            self._yag.login()
        except Exception as exc:
            raise classify(exc, c) from None
        return self

    def send(self, message: EmailMessage) -> None:
        """Hand one message to the server; raises DeliveryError unless it was accepted."""
        assert self._yag is not None, "use SmtpTransport as a context manager"
        try:
            # yagmail derives the text part from the HTML and hashes From/To/Subject into the
            # Message-ID; we need our own alternatives and id, so we send our own message on
            # the connection yagmail opened.
            refused = self._yag.smtp.send_message(message, from_addr=self.envelope_from)
        except smtplib.SMTPNotSupportedError:
            # smtplib asks before sending anything: the connection is fine for the next one.
            raise DeliveryError(
                f"{self.config.host}:{self.config.port} does not offer SMTPUTF8, so it cannot "
                "take an address with characters outside ASCII; correct the address in the "
                "roster (or use a relay that offers SMTPUTF8)",
                permanent=True,
                connection=False,
            ) from None
        except Exception as exc:
            raise classify(exc, self.config) from None
        if refused:
            raise DeliveryError(f"recipient refused: {refused}", permanent=True, connection=False)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._yag is not None:
            self._yag.close()
            self._yag = None
