"""Deliver the outbox through yagmail: one connection per batch, each message marked once sent."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from definitions.errors import Unavailable
from notifications.message import build_email
from notifications.transport import DeliveryError, SmtpTransport
from storage.outbox import (
    QueuedMessage,
    claim_batch,
    hold,
    leases_held,
    mark_refused,
    mark_sent,
    release,
)
from tasks.holders import gone_here, holder_name
from tasks.runtime import Runtime

log = logging.getLogger("ladder.delivery")


class MailServerUnavailable(Unavailable):
    """The SMTP server could not take messages now; they stay queued for the next attempt."""


@dataclass
class DeliveryReport:
    sent: int = 0
    failed_permanently: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "failed": self.failed_permanently, "deferred": self.deferred}


def delivery_token(run: str | None = None) -> str:
    """The name a delivery run puts on the messages it leases: `run` (a flow run's id, the
    same across the task's retries) or a fresh one, then this host and pid."""
    return holder_name(f"delivery {run or uuid4().hex[:12]}")


def deliver_queued(
    runtime: Runtime, *, now: datetime | None = None, token: str | None = None
) -> DeliveryReport:
    """Send every queued message that is due an attempt, batch by batch.

    A message the server refuses for now (4xx) waits out its backoff; one it refuses for good
    (5xx) fails and is not tried again. Raises MailServerUnavailable if the server cannot be
    reached: what was sent before stays sent, the rest stays queued for the next run.
    Messages leased by a delivery whose process is gone from this machine (killed mid-batch)
    are taken over at once. `token` names this run on its leases (see `delivery_token`);
    `now` fixes the clock for tests; by default it is the real time.
    """
    report = DeliveryReport()
    token = token or delivery_token()
    lease = timedelta(seconds=runtime.settings.delivery_lease_seconds)
    gone = _gone_holders(runtime, now or datetime.now(UTC), token)
    after_id = 0
    while True:
        moment = now or datetime.now(UTC)
        with runtime.transaction() as session:
            batch = claim_batch(
                session,
                limit=runtime.settings.delivery_batch_size,
                after_id=after_id,
                now=moment,
                lease_until=moment + lease,
                token=token,
                gone=gone,
            )
        if not batch:
            return report
        after_id = batch[-1].id
        pending = {m.id for m in batch}
        refused_after_data: list[tuple[QueuedMessage, DeliveryError]] = []
        sent_before = report.sent
        try:
            with SmtpTransport(
                runtime.smtp_config(), envelope_from=runtime.sender_address
            ) as transport:
                for queued in batch:
                    refusal = _deliver_one(runtime, transport, queued, token, lease, now, report)
                    if refusal is not None:
                        refused_after_data.append((queued, refusal))
                    else:
                        pending.discard(queued.id)
            if refused_after_data:
                _judge_refusals(runtime, refused_after_data, token, now, report, sent_before)
                pending.difference_update(q.id for q, _ in refused_after_data)
        except DeliveryError as exc:
            _release(runtime, pending, token, str(exc))
            report.deferred += len(pending)
            raise MailServerUnavailable(
                f"{exc}. {report.sent} message(s) sent in this attempt, {len(pending)} in this "
                "batch stay queued and will go out on the next attempt"
            ) from None
        except BaseException as exc:  # a bug, a lost database, a cancelled run: give them back
            _release(runtime, pending, token, f"delivery stopped: {type(exc).__name__}")
            raise


def _gone_holders(runtime: Runtime, now: datetime, token: str) -> tuple[str, ...]:
    """Holders of live leases whose process is gone from this machine: their messages are
    taken over now rather than when the lease runs out."""
    with runtime.transaction() as session:
        held = leases_held(session, now=now)
    gone = tuple(h.holder for h in held if h.holder != token and gone_here(h.holder))
    for h in held:
        if h.holder in gone:
            log.warning(
                "taking over %d message(s) leased by %s, whose process is gone",
                h.messages,
                h.holder,
            )
    return gone


def _judge_refusals(
    runtime: Runtime,
    refused: list[tuple[QueuedMessage, DeliveryError]],
    token: str,
    now: datetime | None,
    report: DeliveryReport,
    sent_before: int,
) -> None:
    """Messages the relay refused for good after reading them: each fails alone, with the
    server's reply, and the rest of the mail goes on. Only when the relay refused every
    message of the batch and took none is it refusing Ladder itself: then nothing fails,
    everything stays queued, and the run says so (raises DeliveryError)."""
    first = refused[0][1]
    if report.sent == sent_before and first.after_data:
        raise DeliveryError(first.after_data, permanent=False, connection=True)
    moment = now or datetime.now(UTC)
    for queued, exc in refused:
        _refused(runtime, queued, token, exc, moment, report)


def _deliver_one(
    runtime: Runtime,
    transport: SmtpTransport,
    queued: QueuedMessage,
    token: str,
    lease: timedelta,
    now: datetime | None,
    report: DeliveryReport,
) -> DeliveryError | None:
    """Send one message and record what the server said; a refusal after DATA is returned
    for the batch to judge (this message's fault, or the relay refusing everything)."""
    moment = now or datetime.now(UTC)
    with runtime.transaction() as session:
        # Renew the lease right before sending: if a slow batch outlived it and another run
        # took the message over, this run must not send it too.
        if not hold(session, message_id=queued.id, token=token, until=moment + lease):
            return None
    org = runtime.organisation.profile
    try:
        email = build_email(
            sender_name=org.sender_name,
            sender_address=runtime.sender_address,
            to_address=queued.to_address,
            subject=queued.subject,
            text=queued.body_text,
            html=queued.body_html,
            message_id=queued.message_id,
            ics=queued.ics,
            attachment=_attachment(queued),
        )
        transport.send(email)
    except DeliveryError as exc:
        if exc.connection:
            raise
        if exc.after_data:
            return exc
        _refused(runtime, queued, token, exc, moment, report)
    except (ValueError, TypeError, UnicodeError) as exc:  # a message that cannot be built
        failure = DeliveryError(
            f"cannot build the message: {type(exc).__name__}: {exc}",
            permanent=True,
            connection=False,
        )
        _refused(runtime, queued, token, failure, moment, report)
    else:
        # Marked sent right after the server accepted it: a crash here resends at most this
        # one message, under the same Message-ID.
        with runtime.transaction() as session:
            mark_sent(session, message_id=queued.id, token=token, at=datetime.now(UTC))
        report.sent += 1
    return None


def _attachment(queued: QueuedMessage) -> tuple[str, bytes] | None:
    """The file a message carries (a certificate's PDF), read at sending time."""
    if not queued.attachment_path:
        return None
    try:
        content = Path(queued.attachment_path).read_bytes()
    except OSError as exc:
        raise ValueError(
            f"its attachment {Path(queued.attachment_path).name} cannot be read "
            f"({exc.strerror}); reissue the certificate"
        ) from None
    return (queued.attachment_name or Path(queued.attachment_path).name, content)


def _refused(
    runtime: Runtime,
    queued: QueuedMessage,
    token: str,
    exc: DeliveryError,
    moment: datetime,
    report: DeliveryReport,
) -> None:
    attempts = queued.attempts + 1
    policy = runtime.settings.retry_policy()
    retry_at = None if exc.permanent else policy.next_attempt(attempts, moment)
    with runtime.transaction() as session:
        mark_refused(
            session,
            message_id=queued.id,
            token=token,
            attempts=attempts,
            error=str(exc),
            retry_at=retry_at,
        )
    report.failed_permanently += retry_at is None
    report.deferred += retry_at is not None
    outcome = f"retry after {retry_at:%Y-%m-%d %H:%M} UTC" if retry_at else "failed, not retried"
    report.errors.append(f"message {queued.id}: {exc} ({outcome})")


def _release(runtime: Runtime, ids: set[int], token: str, error: str) -> None:
    with runtime.transaction() as session:
        release(session, message_ids=sorted(ids), token=token, error=error)
