"""The panel calendar: the meetings panels.yaml lists, meetings added by hand, and finding
the panel that meets on a day."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.errors import BadInput, NotFound, Refused
from definitions.organisation import Organisation
from definitions.panels import submission_deadline
from storage.history import record_event
from storage.models import Panel
from storage.panels import add_panels, panel_on
from tasks import people
from tasks.panels.common import programme_of


def _panel_row(
    organisation: Organisation, meets_on: date, at: str, where: str, actor: str
) -> dict[str, Any]:
    programme = programme_of(organisation)
    deadline = submission_deadline(
        meets_on, programme.submission_days_before, organisation.working_calendar()
    )
    return dict(
        meets_on=meets_on,
        starts_at=at,
        venue=where,
        deadline=deadline.on,
        deadline_rule=deadline.rule,
        status="scheduled",
        scheduled_by=actor,
    )


def sync_panels(session: Session, organisation: Organisation) -> int:
    """Put the meetings panels.yaml lists on the calendar (those already there are kept)."""
    if organisation.panels is None:
        return 0
    rows = [
        _panel_row(organisation, m.meets_on, m.at, m.where, "panels.yaml")
        for m in organisation.panels.meetings
    ]
    return add_panels(session, rows=rows)


def schedule_panel(
    session: Session,
    organisation: Organisation,
    *,
    meets_on: date,
    at: str,
    where: str,
    actor: str,
    today: date,
) -> Panel:
    """Add a panel meeting; its submission deadline follows from the date."""
    calendar = organisation.working_calendar()
    people.require_role(
        session, actor, roles=organisation.ladder.decided_by.panels, may="schedule a panel"
    )
    if meets_on <= today:
        raise BadInput(f"the panel date {meets_on} is not in the future")
    why = calendar.why_not_working(meets_on)
    if why:
        raise BadInput(f"a panel meets on a working day; {why}")
    try:
        hours, minutes = (int(x) for x in at.split(":"))
        if not (0 <= hours < 24 and 0 <= minutes < 60):
            raise ValueError
    except ValueError:
        raise BadInput(f"--at '{at}' is not a time; write HH:MM, e.g. 10:00") from None
    sync_panels(session, organisation)
    if panel_on(session, meets_on) is not None:
        raise Refused(f"a panel is already scheduled on {meets_on}")
    add_panels(
        session,
        rows=[_panel_row(organisation, meets_on, f"{hours:02d}:{minutes:02d}", where, actor)],
    )
    panel = panel_on(session, meets_on)
    assert panel is not None
    record_event(
        session,
        kind="panel.scheduled",
        actor=actor,
        occurred_on=today,
        payload={"panel": meets_on.isoformat(), "deadline": panel.deadline.isoformat()},
    )
    return panel


def panel_meeting(session: Session, meets_on: date) -> Panel:
    """The panel that meets on `meets_on`, or NotFound listing those scheduled. A read only:
    a caller that needs panels.yaml's meetings on the calendar first calls sync_panels."""
    panel = panel_on(session, meets_on)
    if panel is None:
        known = session.scalars(select(Panel.meets_on).order_by(Panel.meets_on)).all()
        listed = ", ".join(d.isoformat() for d in known) or "none yet"
        raise NotFound(
            f"no panel meets on {meets_on}; scheduled: {listed} (add one with "
            "`ladder panel schedule`)"
        )
    return panel
