"""Progression panel rules: deadlines around bank holidays, evidence checks, what a decision
must say, and panels.yaml errors that name the file, line, field and fix. Pure."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from definitions.loader import SAMPLE_ORGANISATION, ProgrammeFileError, load_organisation
from definitions.panels import (
    ACTIVE,
    DECIDED,
    CandidacyStatus,
    EvidenceFiles,
    OpenPost,
    PanelDecision,
    choose_post,
    evidence_file_problem,
    evidence_problems,
    nomination_closed,
    nomination_refusal,
    pack_day,
    preparation_day,
    resubmission_refusal,
    signature_due,
    submission_deadline,
)

ORG = load_organisation()
CAL = ORG.working_calendar()
PANELS = ORG.panels
assert PANELS is not None


@pytest.mark.parametrize(
    ("meets_on", "deadline", "because"),
    [
        # Easter 2026: 6 April is Easter Monday, 3 April Good Friday.
        (date(2026, 4, 20), date(2026, 4, 2), ["Easter Monday", "Good Friday"]),
        # Christmas 2026: 28 December is Boxing Day (substitute), 25 December Christmas Day.
        (date(2027, 1, 11), date(2026, 12, 24), ["Boxing Day", "Christmas Day"]),
        (date(2027, 1, 8), date(2026, 12, 24), ["Christmas Day"]),
        # Easter 2027: 29 March is Easter Monday, so a 12 April panel's deadline moves back
        # over the Easter weekend to Thursday 25 March.
        (date(2027, 4, 12), date(2027, 3, 25), ["Easter Monday", "Good Friday"]),
        # No holiday: exactly fourteen days before.
        (date(2026, 7, 20), date(2026, 7, 6), []),
        (date(2026, 10, 19), date(2026, 10, 5), []),
        (date(2027, 3, 16), date(2027, 3, 2), []),
    ],
)
def test_the_deadline_is_fourteen_days_before_or_the_working_day_before_that(
    meets_on: date, deadline: date, because: list[str]
) -> None:
    found = submission_deadline(meets_on, 14, CAL)
    assert found.on == deadline
    assert CAL.is_working_day(found.on)
    for reason in because:
        assert reason in found.rule
    if not because:
        assert "working day before" not in found.rule


def test_a_deadline_on_a_weekend_moves_to_the_friday() -> None:
    # With a 15-day rule, a Monday 23 November 2026 panel's nominal deadline is Sunday 8
    # November: it moves back over the weekend to Friday 6 November.
    found = submission_deadline(date(2026, 11, 23), 15, CAL)
    assert found.on == date(2026, 11, 6)
    assert found.rule == (
        "15 days before the panel on Monday 23 November 2026 is Sunday 8 November 2026; Saturday "
        "and Sunday are not working days, so the deadline is the working day before them, "
        "Friday 6 November 2026"
    )


@pytest.mark.parametrize(
    ("meets_on", "said"),
    [
        (
            date(2026, 4, 20),
            "14 days before the panel on Monday 20 April 2026 is Monday 6 April 2026; Good "
            "Friday, Saturday, Sunday and Easter Monday are not working days, so the deadline is "
            "the working day before them, Thursday 2 April 2026",
        ),
        (
            date(2027, 1, 8),
            "14 days before the panel on Friday 8 January 2027 is Friday 25 December 2026; "
            "Christmas Day is not a working day, so the deadline is the working day before, "
            "Thursday 24 December 2026",
        ),
        (date(2026, 7, 20), "14 days before the panel on Monday 20 July 2026"),
    ],
)
def test_the_deadline_names_each_closed_day_once_in_one_sentence(meets_on: date, said: str) -> None:
    assert submission_deadline(meets_on, 14, CAL).rule == said


def test_pack_and_preparation_days_fall_on_working_days() -> None:
    # 7 days before Monday 11 January 2027 is Monday 4 January: a working day.
    assert pack_day(date(2027, 1, 11), 7, CAL) == date(2027, 1, 4)
    # 7 days before Monday 13 April 2026 (Easter Monday 6 April) is moved to Thursday 2 April.
    assert pack_day(date(2026, 4, 13), 7, CAL) == date(2026, 4, 2)
    prep = preparation_day(date(2026, 4, 2), 10, CAL)
    assert prep.on == date(2026, 3, 23)
    assert "preparation" in prep.rule


def test_the_observation_report_needs_three_observations_made_before_it() -> None:
    item = PANELS.item("direct_observation_report")
    two = (date(2026, 1, 5), date(2026, 2, 1))
    assert any(
        "records 2 direct observation(s); at least 3" in p
        for p in evidence_problems(item, PANELS, dated=date(2026, 2, 10), observations=two)
    )
    # The same date given twice counts once.
    twice = (*two, date(2026, 2, 1))
    assert evidence_problems(item, PANELS, dated=date(2026, 2, 10), observations=twice)
    later = (*two, date(2026, 3, 1))
    problems = evidence_problems(item, PANELS, dated=date(2026, 2, 10), observations=later)
    assert any("after the report's date" in p for p in problems)
    three = (*two, date(2026, 2, 9))
    assert evidence_problems(item, PANELS, dated=date(2026, 2, 10), observations=three) == []


def test_the_team_managers_report_covers_every_capability() -> None:
    item = PANELS.item("team_manager_report")
    keys = PANELS.capability_keys
    assert len(keys) == 9  # the nine PCF domains
    assert evidence_problems(item, PANELS, dated=date(2026, 2, 1), capabilities=keys) == []
    short = evidence_problems(item, PANELS, dated=date(2026, 2, 1), capabilities=keys[:-1])
    assert short == [
        f"the {item.title} must cover each capability; missing: professional_leadership"
    ]
    typo = evidence_problems(
        item, PANELS, dated=date(2026, 2, 1), capabilities=(*keys, "leadershp")
    )
    assert any("'leadershp' is not a capability" in p for p in typo)


def test_a_deferral_needs_reasons_further_work_and_an_action_plan() -> None:
    with pytest.raises(ValidationError, match="missing: reasons, further_work, actions"):
        PanelDecision(worker="W0019", panel=date(2026, 4, 20), outcome="defer", decided_by="W0002")
    with pytest.raises(ValidationError, match="no action plan"):
        PanelDecision(
            worker="W0019",
            panel=date(2026, 4, 20),
            outcome="progress",
            decided_by="W0002",
            actions=[{"title": "More work", "owner": "worker", "due": "2026-06-01"}],
        )
    with pytest.raises(ValidationError, match="not after the decision"):
        PanelDecision(
            worker="W0019",
            panel=date(2026, 4, 20),
            outcome="defer",
            decided_by="W0002",
            reasons="r",
            further_work="w",
            actions=[{"title": "Late already", "owner": "worker", "due": "2026-04-20"}],
        )
    with pytest.raises(ValidationError, match="owner"):
        PanelDecision.model_validate(
            {
                "worker": "W0019",
                "panel": "2026-04-20",
                "outcome": "defer",
                "decided_by": "W0002",
                "reasons": "r",
                "further_work": "w",
                "actions": [{"title": "Observe", "owner": "assessor", "due": "2026-06-01"}],
            }
        )
    ok = PanelDecision.model_validate(
        {
            "worker": "W0019",
            "panel": "2026-04-20",
            "outcome": "defer",
            "decided_by": "W0002",
            "reasons": "Not yet enough evidence of leadership",
            "further_work": "Lead two case conferences",
            "actions": [
                {"title": "Lead a case conference", "owner": "worker", "due": "2026-07-01"}
            ],
        }
    )
    assert ok.day == date(2026, 4, 20)


def test_the_decision_model_is_a_form_schema_for_the_prefect_ui() -> None:
    schema = PanelDecision.model_json_schema()
    assert schema["properties"]["outcome"]["enum"] == ["progress", "defer"]
    assert set(schema["required"]) == {"worker", "panel", "outcome", "decided_by"}
    assert "description" in schema["properties"]["actions"]


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "org"
    shutil.copytree(SAMPLE_ORGANISATION, folder)
    return folder


def test_a_misspelt_level_in_panels_yaml_names_the_file_line_and_a_fix(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / "panels.yaml"
    path.write_text(
        path.read_text().replace("to_level: senior_social_worker", "to_level: senior_socal_worker")
    )
    with pytest.raises(ProgrammeFileError) as caught:
        load_organisation(folder)
    err = caught.value
    assert err.path == path and err.field == "to_level"
    lines = path.read_text().splitlines()
    assert lines[(err.line or 0) - 1].startswith("to_level:")
    assert "did you mean `senior_social_worker`" in err.fix


def test_two_chairs_or_an_unknown_policy_are_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / "panels.yaml"
    original = path.read_text()
    path.write_text(
        original.replace(
            "title: Workforce development lead",
            "title: Workforce development lead\n    chair: true",
        )
    )
    with pytest.raises(ProgrammeFileError, match="exactly one member needs `chair: true`"):
        load_organisation(folder)
    path.write_text(original.replace("action: panel_action", "action: panel_actions"))
    with pytest.raises(ProgrammeFileError) as caught:
        load_organisation(folder)
    assert caught.value.field == "reminder_policies.action"
    assert "did you mean `panel_action`" in caught.value.fix


def test_an_organisation_without_panels_yaml_loads_without_panels(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "panels.yaml").unlink()
    assert load_organisation(folder).panels is None


# --- candidacies, nomination, signatures and posts ----------------------------------------------


def test_candidacy_statuses_are_the_strings_the_database_keeps() -> None:
    assert [s.value for s in CandidacyStatus] == [
        "nominated",
        "submitted",
        "rolled_over",
        "progressed",
        "deferred",
    ]
    assert ACTIVE == ("nominated", "submitted")
    assert DECIDED == ("progressed", "deferred")
    assert f"{CandidacyStatus.ROLLED_OVER}" == "rolled_over"


@pytest.mark.parametrize(
    ("status", "role", "refusal"),
    [
        ("active", "social_worker", None),
        ("left", "social_worker", "W0019 has left the organisation"),
        # Having left is said first, whatever the role.
        ("left", "nqsw", "W0019 has left the organisation"),
        (
            "active",
            "nqsw",
            "W0019 is a nqsw; the Progression to senior social worker is for social_worker",
        ),
        (
            "active",
            "senior_social_worker",
            "W0019 is a senior_social_worker; the Progression to senior social worker is for "
            "social_worker",
        ),
    ],
)
def test_only_a_social_worker_still_here_may_be_nominated(
    status: str, role: str, refusal: str | None
) -> None:
    assert nomination_refusal("W0019", status=status, role=role, programme=PANELS) == refusal


@pytest.mark.parametrize(
    ("panel_status", "deadline", "today", "closed"),
    [
        # The deadline day is whole: nominations are taken until it ends.
        ("scheduled", date(2026, 4, 2), date(2026, 2, 2), False),
        ("scheduled", date(2026, 4, 2), date(2026, 4, 2), False),
        ("scheduled", date(2026, 4, 2), date(2026, 4, 3), True),
        # Locked (or past) before the deadline passed by the calendar: closed all the same.
        ("locked", date(2026, 4, 2), date(2026, 3, 1), True),
        ("past", date(2026, 1, 5), date(2026, 1, 2), True),
    ],
)
def test_a_panel_takes_nominations_until_its_deadline_day_ends(
    panel_status: str, deadline: date, today: date, closed: bool
) -> None:
    assert nomination_closed(panel_status=panel_status, deadline=deadline, today=today) is closed


@pytest.mark.parametrize(
    ("previous", "open_actions", "refusal"),
    [
        (None, (), None),
        ("rolled_over", (), None),
        ("deferred", (), None),
        ("progressed", (), "W0019 already progressed at the panel on 2026-04-20"),
        (
            "deferred",
            ("Chair two case conferences",),
            "W0019's action plan from the panel on 2026-04-20 has 1 open item(s) (Chair two "
            "case conferences); resubmit when every item is done",
        ),
        (
            "deferred",
            ("Chair two case conferences", "Review progress in supervision"),
            "W0019's action plan from the panel on 2026-04-20 has 2 open item(s) (Chair two "
            "case conferences; Review progress in supervision); resubmit when every item is done",
        ),
    ],
)
def test_a_new_candidacy_waits_for_the_last_ones_action_plan(
    previous: str | None, open_actions: tuple[str, ...], refusal: str | None
) -> None:
    found = resubmission_refusal(
        "W0019",
        previous=previous,
        previous_panel=date(2026, 4, 20) if previous else None,
        open_actions=open_actions,
    )
    assert found == refusal


@pytest.mark.parametrize(
    ("decided_on", "sign_by"),
    [
        # 14 days after Monday 20 April 2026 is Monday 4 May, the Early May bank holiday.
        (date(2026, 4, 20), date(2026, 5, 1)),
        # 14 days after Friday 3 July 2026 is Friday 17 July, a working day.
        (date(2026, 7, 3), date(2026, 7, 17)),
        # 14 days after Saturday 4 July is Saturday 18 July: the Friday before.
        (date(2026, 7, 4), date(2026, 7, 17)),
        # 14 days after Saturday 12 December 2026 is Boxing Day: Thursday 24 December.
        (date(2026, 12, 12), date(2026, 12, 24)),
    ],
)
def test_the_outcome_report_is_signed_within_the_days_on_a_working_day(
    decided_on: date, sign_by: date
) -> None:
    assert signature_due(decided_on, 14, CAL) == sign_by


NORTH, SOUTH, EAST = 1, 2, 3  # teams: north and south in children's (1), east in adults' (2)
SERVICE = {NORTH: 1, SOUTH: 1, EAST: 2}


def post(post_id: int, team_id: int, opened_on: date) -> OpenPost:
    return OpenPost(post_id, team_id, SERVICE[team_id], opened_on)


@pytest.mark.parametrize(
    ("posts", "team_id", "chosen"),
    [
        ([], NORTH, None),
        # Another service's post is never offered.
        ([post(1, EAST, date(2026, 3, 1))], NORTH, None),
        # Own team first, even when another team's post has been open longer.
        ([post(1, SOUTH, date(2026, 3, 1)), post(2, NORTH, date(2026, 4, 1))], NORTH, 2),
        # Otherwise the longest open post of the service.
        ([post(1, SOUTH, date(2026, 4, 1)), post(2, SOUTH, date(2026, 3, 1))], NORTH, 2),
        # Opened the same day: the earlier post.
        ([post(5, SOUTH, date(2026, 4, 1)), post(3, SOUTH, date(2026, 4, 1))], NORTH, 3),
        # Own team's longest open of several.
        (
            [
                post(1, NORTH, date(2026, 4, 2)),
                post(2, NORTH, date(2026, 4, 1)),
                post(3, EAST, date(2026, 1, 1)),
            ],
            NORTH,
            2,
        ),
    ],
)
def test_a_waiting_candidate_gets_their_own_teams_post_then_the_longest_open(
    posts: list[OpenPost], team_id: int, chosen: int | None
) -> None:
    found = choose_post(posts, service_id=SERVICE[team_id], team_id=team_id)
    assert (found.post_id if found else None) == chosen


@pytest.mark.parametrize(
    ("name", "size", "head", "problem", "kind"),
    [
        ("report.pdf", 10, b"%PDF-1.7\n", "", "pdf"),
        ("Report.PDF", 10, b"%PDF-1.4\n", "", "pdf"),
        ("report.docx", 10, b"PK\x03\x04rest", "", "docx"),
        ("photo.jpeg", 10, b"\xff\xd8\xff\xe0", "", "jpg"),
        ("notes.txt", 10, "café notes".encode(), "", "txt"),
        ("notes.txt", 10, "caf\u00e9".encode()[:-1], "", "txt"),  # a character cut at the end
        ("report.pdf", 10, b"hello", "is named as a PDF file but its content is not one", None),
        ("report.docx", 10, b"%PDF-", "is named as a Word (.docx) file", None),
        ("notes.txt", 10, b"\x00\x01", "does not read as plain text", None),
        ("report.exe", 10, b"MZ", "a .exe file is not taken as evidence", None),
        ("passwd", 10, b"root:x", "a file with no type in its name is not taken", None),
        ("report.pdf", 0, b"", "is empty", None),
        ("report.pdf", 26 * 1024 * 1024, b"%PDF-", "is 26.0 MB, over the 25 MB limit", None),
    ],
)
def test_an_evidence_file_is_judged_by_its_name_its_content_and_its_size(
    name: str, size: int, head: bytes, problem: str, kind: str | None
) -> None:
    found, found_kind = evidence_file_problem(name, size, head, EvidenceFiles())
    assert (problem in found if problem else found == "") and found_kind == kind


def test_a_panel_may_take_fewer_types() -> None:
    only_pdf = EvidenceFiles(types=("pdf",), max_megabytes=5)
    found, kind = evidence_file_problem("scan.png", 10, b"\x89PNG\r\n\x1a\n", only_pdf)
    assert found == "scan.png: a .png file is not taken as evidence; panels.yaml allows .pdf"
    assert kind is None
