"""Signed links: a mail that asks someone to record something (sign an outcome report)
carries a link to a page on Ladder's web app where that person, and only them, records it.

A token names its link row, the person, the action, the item and the last day it works,
and is signed with HMAC-SHA256 under a secret kept owner-only beside the data
(`<data_dir>/keys/link-secret`). Ladder keeps the link row, never the token. A token is
refused when its signature does not match (changed in any character), when it names
another person or item than its row, once it has been used, after its last day, and when
the person is no longer active. Using one marks it used in the same transaction as what it
records, with a guarded UPDATE, so two clicks record it once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from definitions.errors import Misconfigured, Refused
from definitions.organisation import Organisation
from definitions.settings import Settings, public_verify_url
from storage.files import make_private_folders
from storage.models import ActionLink, Worker, utcnow

LINK_DAYS = 30  # a link works for this many days after its mail
ACTIONS = ("sign_outcome",)


class LinkRefused(Refused):
    """The link cannot be used; the message says why, for the person who clicked it."""


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
        assert action in ACTIONS, action
        expires_on = today + timedelta(days=LINK_DAYS)
        link_id = session.execute(
            insert(ActionLink).returning(ActionLink.id),
            [
                {
                    "worker_id": person.id,
                    "action": action,
                    "target": target,
                    "expires_on": expires_on,
                }
            ],
        ).scalar_one()
        body = _encode(f"{link_id}.{person.id}.{action}.{target}.{expires_on}".encode())
        return f"{self.base_url.rstrip('/')}/act/{body}.{self._sign(body)}"

    def _sign(self, body: str) -> str:
        return _encode(hmac.new(self.secret, body.encode(), hashlib.sha256).digest())


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


@dataclass(frozen=True)
class OpenLink:
    id: int
    person: Worker
    action: str
    target: int
    expires_on: date


def read_link(session: Session, links: Links, token: str, *, today: date) -> OpenLink:
    """The link a token names, if it may be used today; LinkRefused says why not."""
    body, _, signature = token.partition(".")
    if not signature or not hmac.compare_digest(signature, links._sign(body)):
        raise LinkRefused(
            "this link is not complete or has been changed; open the link from your email "
            "again, or ask the sender for a new one"
        )
    try:
        link_id, person_id, action, target, expires = _decode(body).decode().split(".")
        row = session.get(ActionLink, int(link_id))
    except (ValueError, UnicodeDecodeError):
        raise LinkRefused("this link is not one Ladder made") from None
    if row is None or (str(row.worker_id), row.action, str(row.target), str(row.expires_on)) != (
        person_id,
        action,
        target,
        expires,
    ):
        raise LinkRefused("this link is not one Ladder made")
    if row.used_at is not None:
        raise LinkRefused(
            "this link has already been used, so what it records is recorded; each link works once"
        )
    if today > row.expires_on:
        raise LinkRefused(
            f"this link stopped working after {row.expires_on}; ask the sender for a new one"
        )
    person = session.get(Worker, row.worker_id)
    if person is None or person.status != "active":
        raise LinkRefused("this link was for someone who is no longer active in Ladder")
    return OpenLink(row.id, person, row.action, row.target, row.expires_on)


def use_link(session: Session, links: Links, token: str, *, today: date) -> OpenLink:
    """Read the link and mark it used, once: a second use (a double click, a replay) in any
    transaction is refused."""
    link = read_link(session, links, token, today=today)
    marked = session.execute(
        update(ActionLink)
        .where(ActionLink.id == link.id, ActionLink.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkRefused("this link has already been used; each link works once")
    return link


def what_it_records(session: Session, organisation: Organisation, link: OpenLink) -> str:
    """What the person is about to record, in words for them ("the outcome report of your
    progression panel on Monday 20 April 2026")."""
    from definitions.calendar import human_date
    from definitions.language import gettext_for
    from storage.models import Candidacy, Panel

    _ = gettext_for(organisation.profile.locale)
    candidacy = session.get(Candidacy, link.target)
    panel = session.get(Panel, candidacy.panel_id) if candidacy else None
    candidate = session.get(Worker, candidacy.worker_id) if candidacy else None
    if candidacy is None or panel is None or candidate is None:
        raise LinkRefused("what this link was for is no longer on record")
    day = human_date(panel.meets_on, organisation.profile.locale)
    if candidate.id == link.person.id:
        return _("the outcome report of your progression panel on {date}").format(date=day)
    return _("the outcome report of {name}'s progression panel on {date}").format(
        name=candidate.name, date=day
    )


def record_by_link(
    session: Session, organisation: Organisation, links: Links, token: str, *, today: date
) -> OpenLink:
    """Use the link and record what it is for, as its person, in the caller's transaction:
    the same use case as the command, under the channel `link:<id>`."""
    from storage.history import channel
    from storage.models import Candidacy
    from tasks.panels.follow_up import sign_outcome

    link = use_link(session, links, token, today=today)
    with channel(f"link:{link.id}"):
        candidacy = session.get(Candidacy, link.target)
        candidate = session.get(Worker, candidacy.worker_id) if candidacy else None
        if candidate is None:
            raise LinkRefused("what this link was for is no longer on record")
        sign_outcome(
            session,
            organisation,
            worker=candidate.external_id,
            actor=link.person.external_id,
            on=today,
            today=today,
        )
    return link
