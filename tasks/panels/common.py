"""What several panel steps share: the route, obligation rows a candidacy makes and settles,
people by id, the candidacy still on its way, and the mails a panel sends."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.errors import Misconfigured
from definitions.organisation import Organisation
from definitions.panels import ACTIVE, PanelProgramme
from notifications.render import render
from storage.history import record_event
from storage.models import Candidacy, Obligation, Panel, Worker
from storage.obligations import close_obligation
from storage.panels import candidacies_of
from tasks.reminders.compose import outbox_row


def programme_of(organisation: Organisation) -> PanelProgramme:
    if organisation.panels is None:
        raise Misconfigured(
            "this organisation has no progression panels: add panels.yaml to its programme "
            "folder (copy definitions/sample/panels.yaml)"
        )
    return organisation.panels


def source(candidacy_id: int, part: str) -> str:
    return f"panel:{candidacy_id}:{part}"


def obligation_row(
    candidacy_id: int,
    part: str,
    *,
    subject_id: int,
    kind: str,
    milestone: str,
    title: str,
    due_date: date,
    responsible_role: str,
    reminder_policy: str,
    rule: str,
) -> dict[str, Any]:
    """An obligation row a candidacy makes: its source is `panel:<candidacy>:<part>`."""
    return dict(
        source=source(candidacy_id, part),
        subject_id=subject_id,
        enrolment_id=None,
        kind=kind,
        milestone=milestone,
        title=title,
        due_date=due_date,
        responsible_role=responsible_role,
        reminder_policy=reminder_policy,
        rule=rule,
        status="open",
    )


def settle(
    session: Session,
    obligation: Obligation | None,
    *,
    kind: str,
    actor: str,
    on: date,
    subject_id: int,
    payload: dict[str, Any],
) -> bool:
    """Record what happened and close the obligation it settles (if any), on the same day;
    False when the obligation was no longer open."""
    event_id = record_event(
        session,
        kind=kind,
        actor=actor,
        occurred_on=on,
        subject_id=subject_id,
        obligation_id=obligation.id if obligation is not None else None,
        payload=payload,
    )
    if obligation is None:
        return False
    return close_obligation(session, obligation_id=obligation.id, event_id=event_id, closed_on=on)


def active_candidacy(session: Session, worker_id: int) -> tuple[Candidacy, Panel] | None:
    """The worker's candidacy still on its way to a decision, with its panel."""
    for candidacy, panel in reversed(candidacies_of(session, worker_id=worker_id)):
        if candidacy.status in ACTIVE:
            return candidacy, panel
    return None


def refusal_to_act(organisation: Organisation, actor: Worker, subject: Worker, what: str) -> str:
    """Why `actor` may not `what` for `subject`: neither them, their manager nor a decider."""
    return (
        f"{actor.external_id} is neither {subject.external_id} nor their team manager, nor a "
        f"{' or '.join(organisation.ladder.decided_by.panels)}; only they may {what}"
    )


def people_by_id(session: Session, ids: list[int | None]) -> dict[int, Worker]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {w.id: w for w in session.scalars(select(Worker).where(Worker.id.in_(wanted)))}


def panel_mail(
    organisation: Organisation,
    sender: str,
    *,
    kind: str,
    key: str,
    person: Worker,
    role: str,
    context: dict[str, Any],
    send_on: date,
    **values: Any,
) -> dict[str, Any]:
    """An outbox row for one of a panel's own mails (packs, roll-overs, outcome reports)."""
    message = render(
        kind,
        {"recipient_name": person.name, "role": role, **context},
        organisation.voice,
    )
    return outbox_row(
        key,
        sender,
        person,
        role,
        message,
        send_on=send_on,
        kind=kind,
        step=kind,
        channel="panel",  # panel packs, roll-overs and outcome reports: not reminders
        **{"obligation_id": None, **values},
    )


def panel_invite(
    organisation: Organisation,
    panel: Panel,
    *,
    uid: str,
    sequence: int,
    attendees: list[Worker],
    sender: str,
    on: date,
    cancelled: bool = False,
) -> str:
    """The .ics of a panel meeting: its day, time and venue in the organisation's zone.
    A candidate's invite keeps one UID across panels, so a move updates it in place."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from definitions.calendar import human_date
    from definitions.language import gettext_for
    from notifications.ics import Attendee, meeting_ics

    programme = programme_of(organisation)
    hours, minutes = (int(part) for part in panel.starts_at.split(":"))
    zone = ZoneInfo(organisation.profile.calendar.timezone)
    starts = datetime.combine(panel.meets_on, time(hours, minutes), tzinfo=zone)
    _ = gettext_for(organisation.profile.locale)
    return meeting_ics(
        uid=uid,
        sequence=sequence,
        starts=starts,
        minutes=programme.meeting_minutes,
        summary=programme.title,
        location=panel.venue,
        description=_("{title}: the panel of {date}. Arranged by {team} of {org}.").format(
            title=programme.title,
            date=human_date(panel.meets_on, organisation.profile.locale),
            team=organisation.profile.team_name,
            org=organisation.name,
        ),
        organiser=Attendee(organisation.profile.sender_name, sender),
        attendees=[Attendee(p.name, p.email) for p in attendees],
        stamp=datetime.combine(on, time(0, 0), tzinfo=zone),
        cancelled=cancelled,
    )


def candidate_uid(worker: Worker, sender: str) -> str:
    """One invite per candidate, moved from panel to panel (its SEQUENCE rises)."""
    return f"panel-candidate-{worker.id}@{sender.rpartition('@')[2]}"
