"""The panel pack: agenda, a summary and an evidence index per submitted candidate, one PDF
to every member, once, `pack_days_before` the meeting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from babel.dates import format_date
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from definitions.calendar import human_date
from definitions.language import gettext_for
from definitions.organisation import Organisation
from definitions.panels import CandidacyStatus, PanelProgramme, pack_day
from notifications import panel_pdf
from storage.dialect import in_batches
from storage.files import write_atomically
from storage.history import record_event
from storage.models import Candidacy, Evidence, Panel, Team, Worker
from storage.outbox import enqueue
from storage.panels import (
    active_workers_with_roles,
    candidacies_at,
    candidacies_of,
    panels_in_status,
    set_panel,
)
from tasks.panels.common import panel_invite, panel_mail, programme_of


def _members(session: Session, programme: PanelProgramme) -> list[tuple[str, Worker]]:
    titles = {m.role: m.title for m in programme.members}
    order = {m.role: i for i, m in enumerate(programme.members)}
    people = active_workers_with_roles(session, roles=programme.member_roles)
    return sorted(
        ((titles[w.role], w) for w in people), key=lambda tw: (order[tw[1].role], tw[1].external_id)
    )


def _pack_view(session: Session, organisation: Organisation, panel: Panel) -> panel_pdf.PackView:
    programme = programme_of(organisation)
    locale = organisation.profile.locale
    _ = gettext_for(locale)
    what_happened = {
        CandidacyStatus.NOMINATED: _("nominated"),
        CandidacyStatus.SUBMITTED: _("submitted"),
        CandidacyStatus.ROLLED_OVER: _("moved to a later panel (pack not complete)"),
        CandidacyStatus.PROGRESSED: _("progressed"),
        CandidacyStatus.DEFERRED: _("deferred"),
    }
    teams = dict(session.execute(select(Team.id, Team.key)).tuples().all())
    candidates = []
    for candidacy, worker in candidacies_at(
        session, panel_id=panel.id, status=CandidacyStatus.SUBMITTED
    ):
        previous = [
            f"{human_date(p.meets_on, locale)}: {what_happened[CandidacyStatus(c.status)]}"
            + (f" ({c.reasons})" if c.reasons else "")
            for c, p in candidacies_of(session, worker_id=worker.id)
            if c.id != candidacy.id and c.id < candidacy.id
        ]
        manifest = (candidacy.pack or {}).get("items", [])
        stored = _stored_files(session, [i["evidence"] for i in manifest if i.get("evidence")])
        names = _names(session, [i["author"] for i in manifest] + [candidacy.nominated_by])
        items = [
            panel_pdf.PackItem(
                title=i["title"],
                author=(
                    _("training record")
                    if i["author"] == "training record"
                    else names.get(i["author"], i["author"])
                ),
                dated=date.fromisoformat(i["dated"]) if i["dated"] else None,
                file_name=i["file_name"] or "",
                sha256=i["sha256"] or "",
                note=_item_note(i, _, locale),
                file_path=stored.get(i.get("evidence") or 0, ""),
            )
            for i in manifest
        ]
        candidates.append(
            panel_pdf.PackCandidate(
                name=worker.name,
                external_id=worker.external_id,
                role=organisation.ladder.role_title(worker.role),
                team=organisation.profile.team_title(teams.get(worker.team_id, "")),
                nominated_by=names.get(candidacy.nominated_by, candidacy.nominated_by),
                history=tuple(previous),
                items=tuple(items),
            )
        )
    return panel_pdf.PackView(
        organisation=organisation.name,
        title=programme.title,
        meets_on=panel.meets_on,
        starts_at=panel.starts_at,
        venue=panel.venue,
        deadline=panel.deadline,
        members=tuple((title, w.name) for title, w in _members(session, programme)),
        candidates=tuple(candidates),
        locale=organisation.profile.locale,
    )


def _stored_files(session: Session, evidence_ids: list[int]) -> dict[int, str]:
    """The stored document of each piece of evidence (a candidate's pack has a handful)."""
    found: dict[int, str] = {}
    for part in in_batches(evidence_ids):
        rows = session.execute(select(Evidence.id, Evidence.file_path).where(Evidence.id.in_(part)))
        found.update({i: path for i, path in rows if path})
    return found


def _names(session: Session, external_ids: list[str]) -> dict[str, str]:
    """Roster names of the ids among `external_ids` (an author may be an outside
    professional, named as given)."""
    found: dict[str, str] = {}
    for part in in_batches(list(dict.fromkeys(external_ids))):
        rows = session.execute(
            select(Worker.external_id, Worker.name).where(Worker.external_id.in_(part))
        )
        found.update(dict(rows.tuples().all()))
    return found


def _item_note(item: dict[str, Any], _: Callable[[str], str], locale: str) -> str:
    details = item.get("details") or {}
    if "observations" in details:
        dates = [
            format_date(date.fromisoformat(d), "medium", locale=locale.replace("-", "_"))
            for d in details["observations"]
        ]
        return _("{n} direct observations: {dates}").format(n=len(dates), dates=", ".join(dates))
    if "capabilities" in details:
        return _("covers all {n} capabilities").format(n=len(details["capabilities"]))
    if not item.get("file_name"):
        return _("completed (training record)")
    return ""


def member_uid(panel: Panel, sender: str) -> str:
    """The members' calendar entry for a panel: the invite and the pack carry the same."""
    return f"panel-{panel.id}@{sender.rpartition('@')[2]}"


def invite_members(
    session: Session, organisation: Organisation, *, as_of: date, sender: str
) -> int:
    """Every member a calendar invite to each coming panel once it has a candidate, once,
    so they keep the time free long before the pack arrives (the pack's invite is the same
    entry). A panel nobody is nominated for does not trouble them."""
    if organisation.panels is None:
        return 0
    has_candidate = select(Candidacy.id).where(Candidacy.panel_id == Panel.id).exists()
    stmt = select(Panel).where(Panel.invited_on.is_(None), Panel.meets_on > as_of, has_candidate)
    sent = 0
    for panel in session.scalars(stmt.order_by(Panel.meets_on)).all():
        marked = session.execute(
            update(Panel)
            .where(Panel.id == panel.id, Panel.invited_on.is_(None))
            .values(invited_on=as_of)
        )
        if marked.rowcount == 1:  # type: ignore[attr-defined]  # else: invited just now
            sent += _members_invite(session, organisation, panel, as_of=as_of, sender=sender)
    return sent


def _mail_members(
    session: Session,
    organisation: Organisation,
    panel: Panel,
    *,
    kind: str,
    key: str,
    context: dict[str, Any],
    as_of: date,
    sender: str,
    cancelled: bool = False,
    **values: Any,
) -> tuple[int, int]:
    """One mail of `kind` about `panel` to every member, each carrying the members' calendar
    entry (cancelled, when it is off): (mails queued now, members)."""
    programme = programme_of(organisation)
    members = _members(session, programme)
    invite = panel_invite(
        organisation,
        panel,
        uid=member_uid(panel, sender),
        sequence=1 if cancelled else 0,
        attendees=[member for _title, member in members],
        sender=sender,
        on=as_of,
        cancelled=cancelled,
    )
    about = {
        "panel": panel.meets_on,
        "starts_at": panel.starts_at,
        "venue": panel.venue,
        "title": programme.title,
        **context,
    }
    rows = [
        panel_mail(
            organisation,
            sender,
            kind=kind,
            key=f"{key}:{panel.id}:{member.id}",
            person=member,
            role="panel_member",
            context={**about, "member_title": title},
            send_on=as_of,
            ics=invite,
            **values,
        )
        for title, member in members
    ]
    return enqueue(session, rows=rows), len(rows)


def _members_invite(
    session: Session,
    organisation: Organisation,
    panel: Panel,
    *,
    as_of: date,
    sender: str,
    cancelled: bool = False,
) -> int:
    """The members' calendar invite to `panel`, or its cancellation, each member once."""
    programme = programme_of(organisation)
    pack_on = pack_day(panel.meets_on, programme.pack_days_before, organisation.working_calendar())
    queued, _members_told = _mail_members(
        session,
        organisation,
        panel,
        kind="panel_invite",
        key="panel-cancel" if cancelled else "panel-invite",
        context={"cancelled": cancelled, "pack_on": pack_on},
        as_of=as_of,
        sender=sender,
        cancelled=cancelled,
    )
    return queued


def send_panel_packs(
    session: Session, organisation: Organisation, *, as_of: date, sender: str, data_dir: Path
) -> int:
    """The panel pack (agenda, a summary and an evidence index per candidate) to every
    member, once, `pack_days_before` the meeting."""
    if organisation.panels is None:
        return 0
    programme = organisation.panels
    calendar = organisation.working_calendar()
    sent = 0
    for panel in panels_in_status(session, status="locked"):
        if as_of < pack_day(panel.meets_on, programme.pack_days_before, calendar):
            continue
        if as_of > panel.meets_on:  # first seen after it met (Ladder started later): no pack
            set_panel(session, panel_id=panel.id, was="locked", status="past")
            continue
        view = _pack_view(session, organisation, panel)
        if not view.candidates:  # nothing to decide: no pack, and members are not troubled
            set_panel(session, panel_id=panel.id, was="locked", status="empty", packed_on=as_of)
            if panel.invited_on is not None:  # they were invited: the meeting is off
                sent += _members_invite(
                    session, organisation, panel, as_of=as_of, sender=sender, cancelled=True
                )
            record_event(
                session,
                kind="panel.no_candidates",
                actor="system",
                occurred_on=as_of,
                payload={"panel": panel.meets_on.isoformat()},
            )
            continue
        path = data_dir / "panels" / f"panel-pack-{panel.meets_on}.pdf"
        write_atomically(path, panel_pdf.panel_pack(view))
        if not set_panel(
            session,
            panel_id=panel.id,
            was="locked",
            status="packed",
            packed_on=as_of,
            pack_path=str(path),
        ):
            continue
        queued, members = _mail_members(
            session,
            organisation,
            panel,
            kind="panel_pack",
            key="panel-pack",
            context={"candidates": [c.name for c in view.candidates]},
            as_of=as_of,
            sender=sender,
            attachment_path=str(path),
            attachment_name=path.name,
        )
        sent += queued
        record_event(
            session,
            kind="panel.pack_sent",
            actor="system",
            occurred_on=as_of,
            payload={
                "panel": panel.meets_on.isoformat(),
                "candidates": [c.external_id for c in view.candidates],
                "members": members,
            },
        )
    return sent
