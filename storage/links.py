"""Making signed links: a mail that asks someone to record something carries a link to a
page on Ladder's web app where that person, and only them, records it (tasks/links.py reads
and uses them).

A token names its link row (by a random nonce), the person, the action, the item and the
last day it works, and is signed with HMAC-SHA256 under a secret kept owner-only beside
the data (`<data_dir>/keys/link-secret`). Ladder keeps the link row, never the token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from definitions.errors import Misconfigured
from definitions.items import DueItem, SignedLink
from definitions.organisation import Organisation
from definitions.settings import Settings, public_verify_url
from storage.files import make_private_folders
from storage.models import ActionLink, Worker

LINK_DAYS = 30  # a link works for this many days after its mail
# What a link may record, and what its target is: sign_outcome a candidacy (the outcome
# report of its panel), action_done and record_step an open item (obligation).
ACTIONS = ("sign_outcome", "action_done", "record_step")


def link_secret(data_dir: Path) -> bytes:
    """The HMAC key for links, made on first use (32 random bytes, mode 0600)."""
    path = data_dir / "keys" / "link-secret"
    if not path.exists():
        make_private_folders(path.parent)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it a moment ago
            pass
        else:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(secrets.token_bytes(32))
    return path.read_bytes()


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Links:
    """What makes links: the secret and the web app's public address."""

    secret: bytes
    base_url: str

    def make(
        self, session: Session, *, person: Worker, action: str, target: int, today: date
    ) -> str:
        """A new link for `person` to do `action` on `target`, in the caller's transaction."""
        [link] = self.make_many(session, [(person.id, action, target)], today=today)
        return link.url

    def make_many(
        self, session: Session, wanted: Sequence[tuple[int, str, int]], *, today: date
    ) -> list[SignedLink]:
        """New links, one per (person id, action, target), in one statement batched by the
        driver, in the caller's transaction; in the same order, each with its last day."""
        if not wanted:
            return []
        assert all(action in ACTIONS for _, action, _ in wanted), wanted
        expires_on = today + timedelta(days=LINK_DAYS)
        rows = [
            {
                "nonce": secrets.token_urlsafe(16),
                "worker_id": person,
                "action": action,
                "target": target,
                "expires_on": expires_on,
            }
            for person, action, target in wanted
        ]
        session.execute(insert(ActionLink), rows)
        made = []
        for row in rows:
            fields = (row["nonce"], row["worker_id"], row["action"], row["target"], expires_on)
            body = _encode(".".join(str(f) for f in fields).encode())
            url = f"{self.base_url.rstrip('/')}/act/{body}.{self._sign(body)}"
            made.append(SignedLink(url, expires_on))
        return made

    def _sign(self, body: str) -> str:
        return _encode(hmac.new(self.secret, body.encode(), hashlib.sha256).digest())

    def fields(self, token: str) -> list[str] | None:
        """What a token names (nonce or id, person, action, target, last day), or None when
        its signature does not match its body: changed, or not complete. ValueError when
        it is signed but cannot be read."""
        body, _dot, signature = token.partition(".")
        if not signature or not hmac.compare_digest(signature, self._sign(body)):
            return None
        return _decode(body).decode().split(".")


def links_for(settings: Settings, organisation: Organisation) -> Links | None:
    """The organisation's links, or None where it turned them off (organisation.yaml
    `signed_links: false`) or the web app has no address others can reach: its mail then
    says whom to tell instead."""
    if not organisation.profile.signed_links:
        return None
    try:
        base = public_verify_url(settings)
    except Misconfigured:
        return None
    return Links(link_secret(settings.data_dir), base)


# Which reminders carry a link, to whom: the manager marks a deferral's action done, each
# signer signs the outcome report, and a programme step's assessor or manager records it.
RECORDED_STEPS = ("review", "recommendation", "report")


def reminder_link(item: DueItem, role: str, reader_id: int) -> tuple[str, int] | None:
    """The (action, target) of the link a reminder of `item` to this reader carries, if any."""
    programme, _dot, kind = item.kind.partition(".")
    if item.kind == "panel.action":
        if role == "manager" and item.manager is not None and item.manager.id == reader_id:
            return "action_done", item.obligation_id
        return None
    if item.kind == "panel.signature":
        signer = item.subject if item.milestone == "sign_worker" else item.manager
        if signer is not None and signer.id == reader_id and item.source.startswith("panel:"):
            return "sign_outcome", int(item.source.split(":")[1])
        return None
    if programme != "panel" and kind in RECORDED_STEPS and role in ("assessor", "manager"):
        holder = item.assessor if role == "assessor" else item.manager
        if holder is not None and holder.id == reader_id:
            return "record_step", item.obligation_id
    return None


def links_for_reminders(
    session: Session,
    links: Links | None,
    wanted: Sequence[tuple[DueItem, str, int]],
    *,
    today: date,
) -> dict[tuple[int, int], SignedLink]:
    """A new link for each (item, role, reader) whose reminder carries one, made in one
    statement: {(reader id, obligation id): the link}."""
    if links is None:
        return {}
    found: dict[tuple[int, int], tuple[str, int]] = {}
    for item, role, reader in wanted:
        action = reminder_link(item, role, reader)
        if action is not None:
            found.setdefault((reader, item.obligation_id), action)
    keys = sorted(found)
    made = links.make_many(
        session, [(reader, *found[(reader, oid)]) for reader, oid in keys], today=today
    )
    return dict(zip(keys, made, strict=True))
