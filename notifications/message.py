"""Build the MIME message for a queued reminder: text and HTML alternatives, stable Message-ID."""

from __future__ import annotations

import hashlib
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

from notifications.render import one_line

_NO_FOLDING = policy.SMTP.clone(max_line_length=998)


def message_id_for(dedup_key: str, sender_address: str) -> str:
    """The Message-ID for a dedup key: the same key always gives the same id.

    A resend after a crash therefore carries the same Message-ID, which lets mail clients
    and servers drop the duplicate.
    """
    digest = hashlib.sha256(dedup_key.encode("utf-8")).hexdigest()[:40]
    domain = sender_address.rpartition("@")[2] or "ladder.invalid"
    return f"<{digest}@{domain}>"


def build_email(
    *,
    sender_name: str,
    sender_address: str,
    to_address: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    ics: str | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> EmailMessage:
    """A multipart/alternative of text and HTML. With an invite, the calendar part joins the
    alternatives (text/calendar; method=REQUEST or CANCEL, which Outlook and Gmail act on) and
    the same invite is attached as invite.ics for clients that only show attachments."""
    # Python folds a long Subject onto a continuation line right after "Subject:", which some
    # clients show with a leading space; subjects are capped at 250 characters, so don't fold.
    msg = EmailMessage(policy=_NO_FOLDING)
    msg["From"] = Address(display_name=one_line(sender_name), addr_spec=sender_address)
    msg["To"] = to_address
    msg["Subject"] = one_line(subject)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    if ics:
        method = _ics_method(ics)
        msg.add_alternative(ics, subtype="calendar", params={"method": method})
        msg.add_attachment(
            ics.encode("utf-8"), maintype="application", subtype="ics", filename="invite.ics"
        )
    if attachment:
        name, content = attachment
        msg.add_attachment(content, maintype="application", subtype="pdf", filename=name)
    return msg


def _ics_method(ics: str) -> str:
    for line in ics.splitlines():
        if line.upper().startswith("METHOD:"):
            return line.partition(":")[2].strip().upper()
    raise ValueError("an invite must say its METHOD (REQUEST or CANCEL)")
