"""A local SMTP sink (aiosmtpd) that keeps every message it receives as an .eml file."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope

from notifications.files import write_new_private


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class MailSink:
    """Stores each message under `folder` (if given) and keeps it in memory for tests."""

    folder: Path | None = None
    received: list[Received] = field(default_factory=list)
    refuse_with: str | None = None  # e.g. "451 4.3.0 try later": a real refusal for tests
    refuse_recipients: dict[str, str] = field(default_factory=dict)  # address -> "550 ..."
    # address -> "554 ...": the message is read, then refused (content, size, policy)
    refuse_data_for: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0  # a slow server, so concurrent senders overlap in tests
    # The Nth message's DATA (counting from 1) drops the connection before any reply, once:
    # a relay that went away mid-message, which keeps nothing of it.
    drop_connection_at: int | None = None
    _data_seen: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self.refuse_recipients.get(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        self._data_seen += 1
        if self._data_seen == self.drop_connection_at:
            server.transport.close()
            return "421 4.4.2 connection dropped"  # never reaches the client
        if self.refuse_with:
            return self.refuse_with
        for address in envelope.rcpt_tos:
            if address in self.refuse_data_for:
                return self.refuse_data_for[address]
        raw = envelope.original_content or envelope.content
        data = raw if isinstance(raw, bytes) else str(raw).encode()
        msg = message_from_bytes(data, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        with self._lock:
            self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), msg))
            if self.folder is not None:  # mail holds names and addresses: owner-only
                name = hashlib.sha256(str(msg["Message-ID"]).encode()).hexdigest()[:16]
                eml = self.folder / f"{len(self.received):06d}-{name}.eml"
                with contextlib.suppress(FileExistsError):  # a restarted sink's numbering
                    write_new_private(eml, data)
        return "250 Message accepted for delivery"


class SmtpSink:
    """Run a MailSink on loopback in a background thread: `with SmtpSink(folder) as sink:`.

    Like a real relay, it can require STARTTLS (`tls`), or speak TLS from the first byte
    (`tls` with `implicit_tls`), and require a login (`credentials`).
    """

    def __init__(
        self,
        folder: Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        credentials: tuple[str, str] | None = None,
        smtputf8: bool = False,
    ) -> None:
        self.handler = MailSink(folder)
        self.host = host
        self._requested_port = port
        self._tls, self._implicit_tls, self._credentials = tls, implicit_tls, credentials
        self._smtputf8 = smtputf8  # offer SMTPUTF8 (addresses beyond ASCII); off, like many relays
        self.logins: list[str] = []
        self._controller: Controller | None = None

    @property
    def port(self) -> int:
        assert self._controller is not None and self._controller.server is not None
        server = cast(asyncio.Server, self._controller.server)  # typed as AbstractServer
        return int(server.sockets[0].getsockname()[1])

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> SmtpSink:
        smtp: dict[str, Any] = {"enable_SMTPUTF8": self._smtputf8}
        if self._tls is not None and not self._implicit_tls:
            smtp.update(tls_context=self._tls, require_starttls=True)
        if self._credentials is not None:
            smtp.update(
                auth_required=True,
                authenticator=self._authenticate,
                # Implicit TLS is TLS from the start; aiosmtpd only counts STARTTLS as TLS.
                auth_require_tls=self._tls is not None and not self._implicit_tls,
            )
        self._controller = Controller(
            self.handler,
            hostname=self.host,
            port=self._requested_port or _free_port(self.host),
            ssl_context=self._tls if self._implicit_tls else None,
            server_hostname="localhost",
            **smtp,
        )
        self._controller.start()
        return self

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        def text(value: Any) -> str:
            return value.decode(errors="replace") if isinstance(value, bytes) else str(value)

        given = (text(getattr(auth_data, "login", "")), text(getattr(auth_data, "password", "")))
        ok = self._credentials is not None and given == self._credentials
        if ok:
            self.logins.append(given[0])
        return AuthResult(success=ok, handled=False)

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
