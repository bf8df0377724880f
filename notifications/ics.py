"""iCalendar (RFC 5545) invitations for meetings, in the organisation's time zone.

Times are written as local times with a TZID and the matching VTIMEZONE, so a calendar
client shows 10:00 for a 10:00 meeting on either side of a clock change. One UID per
meeting; every change raises SEQUENCE, so clients update the event instead of adding one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import cast

from icalendar import Calendar, Event, vCalAddress, vText

from definitions.meetings import ends_at
from notifications.render import one_line

PRODID = "-//Ladder//Workforce progression//EN"


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str


def meeting_ics(
    *,
    uid: str,
    sequence: int,
    starts: datetime,
    minutes: int,
    summary: str,
    location: str,
    description: str,
    organiser: Attendee,
    attendees: list[Attendee],
    stamp: datetime,
    cancelled: bool = False,
) -> str:
    """The .ics text of one meeting: METHOD:REQUEST, or METHOD:CANCEL when `cancelled`.

    `starts` must be aware, in the organisation's zone (a ZoneInfo such as Europe/London)."""
    if starts.tzinfo is None:
        raise ValueError("a meeting's start must carry its time zone")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", starts)
    event.add("dtend", ends_at(starts, minutes))
    event.add("summary", one_line(summary))
    event.add("location", one_line(location))
    event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(organiser, organiser=True))
    for person in attendees:
        event.add("attendee", _address(person, organiser=False))
    cal.add_component(event)
    # The zone's rules for the meeting's year (and the next), not 1970-2038 of them.
    year = starts.date().year
    cal.add_missing_timezones(first_date=date(year, 1, 1), last_date=date(year + 2, 1, 1))
    return cast(bytes, cal.to_ical()).decode("utf-8")


def _address(person: Attendee, *, organiser: bool) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["cn"] = vText(one_line(person.name).replace('"', "'"))
    if not organiser:
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("NEEDS-ACTION")
        address.params["rsvp"] = vText("TRUE")
    return address
