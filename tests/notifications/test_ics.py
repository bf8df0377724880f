"""Calendar invites: written by Ladder, read back by two calendar parsers (vobject, and
icalendar's own reader), and carried by a message the way mail clients look for them."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from definitions.meetings import local_meeting_time
from notifications.ics import Attendee, meeting_ics
from notifications.message import build_email

LONDON = ZoneInfo("Europe/London")
HOSTILE = 'Eve "x" <script>\r\nATTENDEE:mailto:evil@x'


def invite(
    starts: datetime, *, cancelled: bool = False, sequence: int = 0, name: str = "Nia Newly"
) -> str:
    return meeting_ics(
        uid="5f0c@sample-borough.example",
        sequence=sequence,
        starts=starts,
        minutes=60,
        summary=f"3-month ASYE review: {name}",
        location="Room 2, Civic Centre; first floor",
        description="3-month ASYE review for Nia Newly (N1).\nBring your evidence.",
        organiser=Attendee("Ash Assessor", "assessor@example.org"),
        attendees=[
            Attendee(name, "nqsw@example.org"),
            Attendee("Ash Assessor", "assessor@example.org"),
        ],
        stamp=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        cancelled=cancelled,
    )


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        ("2026-03-27 10:00", datetime(2026, 3, 27, 10, 0, tzinfo=UTC)),  # GMT
        ("2026-03-30 10:00", datetime(2026, 3, 30, 9, 0, tzinfo=UTC)),  # BST, after the change
        ("2026-10-26 10:00", datetime(2026, 10, 26, 10, 0, tzinfo=UTC)),  # GMT again
    ],
)
def test_vobject_reads_the_meeting_at_the_right_moment(local: str, utc: datetime) -> None:
    text = invite(local_meeting_time(local, "Europe/London"))
    cal = vobject.readOne(text)
    assert cal.method.value == "REQUEST"
    event = cal.vevent
    assert event.dtstart.value.astimezone(UTC) == utc
    assert event.dtend.value - event.dtstart.value == timedelta(minutes=60)
    # Written as the local time on the wall, with the zone named (not converted to UTC).
    wall = datetime.fromisoformat(local).strftime("%Y%m%dT%H%M%S")
    assert f"DTSTART;TZID=Europe/London:{wall}\r\n" in text
    assert event.uid.value == "5f0c@sample-borough.example"
    assert event.sequence.value == "0"
    assert event.location.value == "Room 2, Civic Centre; first floor"
    assert event.description.value.splitlines() == [
        "3-month ASYE review for Nia Newly (N1).",
        "Bring your evidence.",
    ]
    attendees = sorted(a.value for a in event.attendee_list)
    assert attendees == ["mailto:assessor@example.org", "mailto:nqsw@example.org"]
    assert event.organizer.value == "mailto:assessor@example.org"
    # The zone travels with the invite: a client without Europe/London rules can place it.
    assert cal.vtimezone.tzid.value == "Europe/London"


def test_icalendar_reads_the_same_zone_rules_from_the_vtimezone() -> None:
    cal = icalendar.Calendar.from_ical(
        invite(local_meeting_time("2026-03-30 10:00", "Europe/London"))
    )
    (event,) = cal.walk("VEVENT")
    starts = event.decoded("dtstart")
    assert starts.utcoffset() == timedelta(hours=1)
    assert starts.astimezone(UTC) == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    (zone,) = cal.walk("VTIMEZONE")
    names = {str(c["TZNAME"]) for c in zone.subcomponents}
    assert names == {"GMT", "BST"}


def test_lines_are_crlf_and_folded_at_75_octets() -> None:
    text = invite(local_meeting_time("2026-05-01 10:00", "Europe/London"), name="N" * 200)
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    assert max(len(line.encode()) for line in text.split("\r\n")) <= 75
    assert vobject.readOne(text).vevent.summary.value == "3-month ASYE review: " + "N" * 200


def test_a_cancellation_keeps_the_uid_and_raises_the_sequence() -> None:
    starts = local_meeting_time("2026-05-01 10:00", "Europe/London")
    cal = vobject.readOne(invite(starts, cancelled=True, sequence=2))
    assert cal.method.value == "CANCEL"
    assert cal.vevent.status.value == "CANCELLED"
    assert cal.vevent.sequence.value == "2"
    assert cal.vevent.uid.value == "5f0c@sample-borough.example"


def test_a_hostile_name_cannot_add_properties_or_attendees() -> None:
    text = invite(local_meeting_time("2026-05-01 10:00", "Europe/London"), name=HOSTILE)
    cal = vobject.readOne(text)
    attendees = sorted(a.value for a in cal.vevent.attendee_list)
    assert attendees == ["mailto:assessor@example.org", "mailto:nqsw@example.org"]
    assert "\r\nATTENDEE:mailto:evil" not in text
    cn = next(a for a in cal.vevent.attendee_list if a.value == "mailto:nqsw@example.org")
    assert "\n" not in cn.params["CN"][0] and '"' not in cn.params["CN"][0]


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="must carry its time zone"):
        invite(datetime(2026, 5, 1, 10, 0))


def test_the_message_offers_the_invite_as_a_calendar_alternative_and_an_attachment() -> None:
    ics = invite(local_meeting_time("2026-05-01 10:00", "Europe/London"))
    msg = build_email(
        sender_name="Workforce",
        sender_address="workforce@sample-borough.example",
        to_address="nqsw@example.org",
        subject="Invitation",
        text="When: Friday 1 May 2026 at 10:00 (BST)",
        html="<p>When: Friday 1 May 2026 at 10:00 (BST)</p>",
        message_id="<x@sample-borough.example>",
        ics=ics,
    )
    parsed = email.message_from_bytes(bytes(msg), policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/mixed"
    alternative, attachment = parsed.iter_parts()
    assert [p.get_content_type() for p in alternative.iter_parts()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    calendar = list(alternative.iter_parts())[2]
    assert calendar.get_param("method") == "REQUEST"
    assert vobject.readOne(calendar.get_content()).vevent.uid.value == "5f0c@sample-borough.example"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_type() == "application/ics"
    assert vobject.readOne(attachment.get_content().decode()).method.value == "REQUEST"
