"""The panel pack on a real database: a complete pack locked at the deadline, and one pack
PDF to every member, once."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from panel_world import (
    APRIL,
    ITEMS,
    OBSERVED,
    give,
    nominated,
    pdf_text,
    rows,
    steps,
    submitted,
)
from pypdf import PdfReader

from definitions.errors import Refused
from storage.models import (
    Candidacy,
    OutboxMessage,
    Panel,
)

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("staff")
def test_a_complete_pack_is_locked_and_every_member_gets_one_panel_pack(
    engine, organisation, document: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "var"
    submitted(engine, organisation, document, data)
    [candidacy] = rows(engine, Candidacy)
    assert (candidacy.status, candidacy.locked_on) == ("submitted", date(2026, 4, 3))
    manifest = {i["item"]: i for i in candidacy.pack["items"]}
    assert manifest["direct_observation_report"]["details"]["observations"] == [
        d.isoformat() for d in OBSERVED
    ]
    assert manifest["training_pathway"]["author"] == "training record"
    assert all(manifest[k]["sha256"] for k in ITEMS)
    # The January panel met before Ladder saw it: it sends no pack.
    assert [p.status for p in rows(engine, Panel, Panel.meets_on <= APRIL)] == ["past", "locked"]
    with pytest.raises(Refused, match="locked on 2026-04-03 \\(deadline 2026-04-02\\)"):
        give(
            engine,
            organisation,
            "W0019",
            "W0003",
            ["pe1_evidence"],
            document,
            data,
            on=date(2026, 4, 3),
        )
    assert steps(engine, organisation, date(2026, 4, 10), data)["pack_mails"] == 0
    assert steps(engine, organisation, date(2026, 4, 13), data)["pack_mails"] == 5
    assert steps(engine, organisation, date(2026, 4, 14), data)["pack_mails"] == 0
    packs = rows(engine, OutboxMessage, OutboxMessage.kind == "panel_pack")
    assert sorted(m.to_address.split(".")[0] for m in packs) == [
        "amara",
        "ben",
        "mina",
        "nikolai",
        "orla",
    ]
    assert len({m.attachment_path for m in packs}) == 1
    # Every member gets the meeting as a calendar invite with their pack: one event, all
    # of them attending, at 10:00 London time on the panel's day.
    [meeting] = {m.ics for m in packs}
    event = Calendar.from_ical(meeting).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime(
        2026, 4, 20, 10, 0, tzinfo=ZoneInfo("Europe/London")
    )
    assert len(event.get("attendee")) == 5
    # The candidate whose pack was complete is invited too, at the deadline.
    [invite] = rows(
        engine,
        OutboxMessage,
        OutboxMessage.kind == "panel_invite",
        OutboxMessage.recipient_role != "panel_member",
    )
    assert invite.to_address.startswith("sam.walsh")
    assert invite.subject == "Your progression panel: Monday 20 April 2026 at 10:00"
    assert "ladder " not in invite.body_text and invite.ics
    assert Calendar.from_ical(invite.ics).walk("VEVENT")[0].decoded("dtstart").date() == APRIL
    text = pdf_text(packs[0].attachment_path)
    for expected in (
        "Agenda",
        "Candidate: Sam Walsh, Social worker",
        "Item 2: Sam Walsh",
        "Head of service (chair)",
        "Ben Hughes",
        "Evidence index",
        "Progression direct observation report",
        "3 direct observations",
        "covers all 9 capabilities",
        "completed (training record)",
        "Children's services, north team",  # the team's name, not its key
        "Chloe Patel",  # the author and nominator by name, not id
    ):
        assert expected in text, expected
    assert "children-north" not in text and "W0003" not in text and "W0019" not in text
    assert "Tariq" not in text  # only submitted candidates
    # The evidence itself is in the pack: each document's pages follow the index, which
    # gives the page each starts on; the outline lists them by candidate and item.
    reader = PdfReader(packs[0].attachment_path)
    documents = [i for i in ITEMS if manifest[i]["file_name"]]
    report_pages = [
        n + 1
        for n, page in enumerate(reader.pages)
        if "A report written by a person" in (page.extract_text() or "")
    ]
    assert len(report_pages) == len(documents)
    for page in report_pages:
        assert f"page {page}" in text
    outline = [o.title for o in reader.outline if not isinstance(o, list)]
    assert outline == [f"Sam Walsh: {manifest[i]['title']}" for i in documents]


def member_mails(engine) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    return rows(
        engine,
        OutboxMessage,
        OutboxMessage.kind == "panel_invite",
        OutboxMessage.recipient_role == "panel_member",
    )


@pytest.mark.usefixtures("staff")
def test_members_are_invited_to_a_panel_once_it_has_a_candidate(
    engine, organisation, tmp_path: Path, document: Path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "var"
    # No candidate yet: the panels on the calendar trouble nobody.
    assert steps(engine, organisation, date(2026, 1, 30), data)["member_invites"] == 0
    # W0019 is nominated for April on 2 February: the next daily steps invite the five
    # members to that panel, once; later panels, with nobody nominated, wait.
    submitted(engine, organisation, document, data)
    invites = member_mails(engine)
    assert len(invites) == 5
    assert steps(engine, organisation, date(2026, 4, 6), data)["member_invites"] == 0
    assert [p.meets_on for p in rows(engine, Panel) if p.invited_on] == [APRIL]
    [chair] = [m for m in invites if m.to_address.startswith("ben")]
    assert chair.subject == "Progression panel: Monday 20 April 2026 at 10:00"
    text = " ".join(chair.body_text.split())
    assert (
        "You sit on the progression panel on Monday 20 April 2026 at 10:00, Council House, "
        "Committee Room 1, as Head of service (chair)." in text
    )
    assert "will reach you by email on Monday 13 April 2026" in text
    # The invite and, later, the pack are one calendar entry: the same UID.
    event = Calendar.from_ical(chair.ics).walk("VEVENT")[0]
    [april] = [p for p in rows(engine, Panel) if p.meets_on == APRIL]
    assert str(event.get("uid")).startswith(f"panel-{april.id}@")
    assert len(event.get("attendee")) == 5
    steps(engine, organisation, date(2026, 4, 13), data)
    [pack] = [
        m
        for m in rows(engine, OutboxMessage, OutboxMessage.kind == "panel_pack")
        if m.to_address == chair.to_address
    ]
    assert Calendar.from_ical(pack.ics).walk("VEVENT")[0].get("uid") == event.get("uid")


@pytest.mark.usefixtures("staff")
def test_members_invited_to_a_panel_left_with_no_candidate_get_it_cancelled(
    engine, organisation, tmp_path: Path, document: Path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "var"
    nominated(engine, organisation)
    steps(engine, organisation, date(2026, 2, 2), data)
    assert len(member_mails(engine)) == 5
    # No evidence by the deadline: W0019 moves to July, whose members are invited next;
    # April is left with nobody to decide, and on its pack day its meeting is cancelled.
    steps(engine, organisation, date(2026, 4, 3), data)
    steps(engine, organisation, date(2026, 4, 13), data)
    mails = member_mails(engine)
    cancelled = [m for m in mails if m.subject.startswith("Cancelled")]
    assert len(cancelled) == 5 and len(mails) == 15  # April, its cancellation, July
    [chair] = [m for m in cancelled if m.to_address.startswith("ben")]
    assert chair.subject == "Cancelled: progression panel on Monday 20 April 2026"
    assert "will not sit: no candidate's evidence pack was complete at the deadline" in (
        " ".join(chair.body_text.split())
    )
    event = Calendar.from_ical(chair.ics)
    assert event.get("method") == "CANCEL"
    assert event.walk("VEVENT")[0].get("sequence") == 1
    assert steps(engine, organisation, date(2026, 4, 14), data)["pack_mails"] == 0
    assert len(member_mails(engine)) == 15
