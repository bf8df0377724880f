"""Loading programme YAML: the sample loads, and each bad file is reported so a person can fix it.

Each bad case copies definitions/sample/*.yaml into tmp_path and edits one file. Line numbers
below are those of the sample files (asye.yaml: `title` on line 2, `milestones` on line 6,
the second milestone's `- key: review_6` on line 12 and its `months: 6` on line 15).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from definitions.calendar import WorkingCalendar
from definitions.loader import SAMPLE_ORGANISATION, ProgrammeFileError, load_organisation


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "organisation"
    target.mkdir()
    for source in SAMPLE_ORGANISATION.glob("*.yaml"):
        shutil.copy(source, target / source.name)
    return target


def edit(folder: Path, name: str, old: str, new: str) -> None:
    """Replace `old` (which must occur exactly once) with `new` in one copied file."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def load_error(folder: Path) -> ProgrammeFileError:
    with pytest.raises(ProgrammeFileError) as caught:
        load_organisation(folder)
    return caught.value


# --- the sample -----------------------------------------------------------------------------


def test_sample_organisation_loads() -> None:
    org = load_organisation()
    assert org.name == "Sample Borough Council, Adults and Children's Services"
    assert org.service_keys == ("children", "adults")
    assert [r.key for r in org.asye.milestones] == [
        "review_3",
        "review_6",
        "review_9",
        "final_recommendation",
        "assessor_report",
    ]
    assert [r.months for r in org.asye.milestones] == [3, 6, 9, 11, 12]
    assert [s.key for s in org.policy("asye_milestone").steps] == [
        "before_14",
        "before_3",
        "due",
        "overdue_1",
        "overdue_14",
    ]
    assert org.asye.policy_for("review_3") == "asye_milestone"
    assert org.asye.policy_for("assessor_report") == "asye_report"
    assert org.delivery.daily_cap == 3
    assert org.delivery.mode("asye.review", "worker") == "direct"
    assert org.delivery.mode("asye.review", "manager") == "digest"
    assert org.delivery.mode("asye.report", "assessor") == "direct"
    assert org.delivery.mode("asye.review", "assessor") == "digest"
    assert org.working_calendar() == WorkingCalendar("Europe/London", "GB", "ENG", ())
    assert org.profile.max_catch_up_days == 31


def test_a_copied_sample_folder_loads_from_a_string_path(folder: Path) -> None:
    assert load_organisation(str(folder)).asye.reminder_policy == "asye_milestone"


def test_closure_days_are_read_as_dates(folder: Path) -> None:
    edit(folder, "organisation.yaml", "extra_closures: []", "extra_closures: [2026-12-24]")
    calendar = load_organisation(folder).working_calendar()
    assert calendar.extra_closures == (date(2026, 12, 24),)
    assert calendar.previous_working_day(date(2026, 12, 25)) == date(2026, 12, 23)


# --- one bad file at a time -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "old", "new", "field", "line", "said"),
    [
        pytest.param(
            "asye.yaml",
            "    months: 6\n",
            "   months: 6\n",
            "",
            15,
            ["not valid YAML", "check indentation"],
            id="YAML syntax error: bad indentation",
        ),
        pytest.param(
            "reminders.yaml",
            "to: [worker, assessor, supervisor]",
            "to: [worker, assessor, supervisor]]",
            "",
            35,
            ["not valid YAML"],
            id="YAML syntax error: stray bracket",
        ),
        pytest.param(
            "asye.yaml",
            "title: Assessed and Supported Year in Employment\n",
            "",
            "title",
            1,
            ["field required", "add `title:` with a value"],
            id="missing required field points at the enclosing mapping",
        ),
        pytest.param(
            "asye.yaml",
            "months: 6",
            "months: three",
            "milestones[1].months",
            15,
            ["got 'three'", "write a whole number"],
            id="wrong type",
        ),
        pytest.param(
            "asye.yaml",
            "months: 6",
            "monts: 6",
            "milestones[1].monts",
            15,
            [
                "extra inputs are not permitted",
                "fix: did you mean `months`? rename `monts:` to `months:`",
            ],
            id="misspelt field is reported as the misspelt key",
        ),
        pytest.param(
            "asye.yaml",
            "    kind: review\n    months: 6\n",
            "    monts: 6\n",
            "milestones[1].monts",
            14,
            [
                "required `kind` is missing",
                "did you mean `months`?",
            ],
            id="misspelt key is matched to the closest of several missing fields",
        ),
        pytest.param(
            "asye.yaml",
            "months: 6",
            "duration: 6",
            "milestones[1].duration",
            15,
            [
                "extra inputs are not permitted",
                "remove it, or correct its spelling",
            ],
            id="unrelated extra key next to a missing field names both",
        ),
        pytest.param(
            "asye.yaml",
            "    months: 6\n    responsible: assessor",
            "    months: 6\n    responsibel: assessor",
            "milestones[1].responsibel",
            16,
            ["extra inputs are not permitted", "did you mean `responsible`?"],
            id="unknown field",
        ),
        pytest.param(
            "asye.yaml",
            "kind: recommendation",
            "kind: recomendation",
            "milestones[3].kind",
            24,
            [
                "got 'recomendation'",
                "'review', 'recommendation', 'report', 'completion' or 'evidence'",
            ],
            id="value not in the allowed list",
        ),
        pytest.param(
            "asye.yaml",
            "key: review_9",
            "key: review_6",
            "milestones",
            7,
            ["milestone keys must be unique", "review_6 appear twice"],
            id="duplicate milestone key",
        ),
        pytest.param(
            "organisation.yaml",
            "timezone: Europe/London",
            "timezone: Europe/Londn",
            "calendar.timezone",
            7,
            ["unknown time zone 'Europe/Londn'", "Europe/London"],
            id="bad time zone",
        ),
        pytest.param(
            "organisation.yaml",
            "extra_closures: []",
            "extra_closures: [christmas eve]",
            "calendar.extra_closures[0]",
            10,
            ["got 'christmas eve'", "YYYY-MM-DD"],
            id="closure day that is not a date",
        ),
        pytest.param(
            "reminders.yaml",
            "offset_days: 14",
            "offset_days: 400",
            "policies.asye_milestone.steps[4].offset_days",
            44,
            ["less than or equal to 365", "got 400", "allowed range"],
            id="offset out of range",
        ),
        pytest.param(
            "reminders.yaml",
            "to: [workforce_lead]",
            "to: [workforce_leed]",
            "policies.asye_milestone.steps[4].to[0]",
            45,
            ["goes to 'workforce_leed'", "did you mean `workforce_lead`?"],
            id="unknown recipient role",
        ),
        pytest.param(
            "asye.yaml",
            "months: 6",
            "months: [" + ", ".join(str(n) for n in range(100)) + "]",
            "milestones[1].months",
            15,
            ["(got [0, 1, 2, 3", "...)"],
            id="long bad value is cut short",
        ),
    ],
)
def test_bad_file_error_names_file_field_line_and_fix(
    folder: Path,
    name: str,
    old: str,
    new: str,
    field: str,
    line: int,
    said: list[str],
) -> None:
    edit(folder, name, old, new)
    error = load_error(folder)
    message = str(error)
    assert error.path == folder / name
    assert name in message
    assert (error.field, error.line) == (field, line)
    assert f"line {line}" in message
    if field:
        assert f"field {field}" in message
    assert "fix: " in message
    for text in said:
        assert text in message


def test_milestone_beyond_the_programme_length_is_reported_with_the_way_out(
    folder: Path,
) -> None:
    edit(folder, "asye.yaml", "    months: 12", "    months: 13")
    error = load_error(folder)
    message = str(error)
    assert error.path == folder / "asye.yaml"
    assert "asye.yaml" in message
    assert "milestones assessor_report fall after the programme's length of 12 months" in message
    assert "raise the programme's `length_months`" in message
    assert "fix: " in message


def test_milestone_beyond_the_programme_length_points_at_its_months(folder: Path) -> None:
    edit(folder, "asye.yaml", "    months: 12", "    months: 13")
    error = load_error(folder)
    assert error.field == "milestones[4].months"
    assert error.line == 31


@pytest.mark.parametrize(
    ("name", "old", "new", "said"),
    [
        pytest.param(
            "asye.yaml",
            "reminder_policy: asye_milestone",
            "reminder_policy: date_milestones",
            [
                "reminder_policy 'date_milestones' is not defined in reminders.yaml",
                "defined: asye_milestone",
            ],
            id="unknown reminder_policy",
        ),
        pytest.param(
            "ladder.yaml",
            "  - from_service: adults",
            "  - from_service: adult",
            ["lattice move names service 'adult'", "known: adults, children"],
            id="unknown service in the lattice",
        ),
        pytest.param(
            "asye.yaml",
            "eligible_roles: [nqsw]",
            "eligible_roles: [nqws]",
            ["eligible_roles 'nqws' is not a level or role in ladder.yaml"],
            id="unknown eligible role",
        ),
    ],
)
def test_cross_file_reference_error_names_the_file_holding_the_reference(
    folder: Path, name: str, old: str, new: str, said: list[str]
) -> None:
    edit(folder, name, old, new)
    error = load_error(folder)
    message = str(error)
    assert error.path == folder / name
    assert name in message
    for text in said:
        assert text in message


@pytest.mark.parametrize(
    ("name", "old", "new", "field"),
    [
        pytest.param(
            "asye.yaml",
            "reminder_policy: asye_milestone",
            "reminder_policy: date_milestones",
            "reminder_policy",
            id="unknown reminder_policy",
        ),
        pytest.param(
            "ladder.yaml",
            "  - from_service: adults",
            "  - from_service: adult",
            "lattice[1].from_service",
            id="unknown service in the lattice",
        ),
    ],
)
def test_cross_file_reference_error_gives_field_and_fix(
    folder: Path, name: str, old: str, new: str, field: str
) -> None:
    edit(folder, name, old, new)
    error = load_error(folder)
    assert f"field {field}" in str(error)
    assert "fix: " in str(error)


@pytest.mark.parametrize(
    ("name", "old", "new", "field", "line", "fix"),
    [
        pytest.param(
            "asye.yaml",
            "reminder_policy: asye_milestone",
            "reminder_policy: date_milestones",
            "reminder_policy",
            5,
            "did you mean `asye_milestone`? use one of: asye_milestone",
            id="unknown reminder_policy",
        ),
        pytest.param(
            "ladder.yaml",
            "  - from_service: adults",
            "  - from_service: adult",
            "lattice[1].from_service",
            53,
            "did you mean `adults`? use one of: adults, children",
            id="unknown service in the lattice",
        ),
        pytest.param(
            "ladder.yaml",
            "    to_service: adults",
            "    to_service: elders",
            "lattice[0].to_service",
            50,
            "use one of: adults, children",
            id="unknown service, nothing close",
        ),
        pytest.param(
            "asye.yaml",
            "eligible_roles: [nqsw]",
            "eligible_roles: [nqsw, nqws]",
            "eligible_roles[1]",
            3,
            "did you mean `nqsw`? use one of: care_worker,",
            id="unknown eligible role",
        ),
    ],
)
def test_cross_file_reference_error_points_at_the_reference(
    folder: Path, name: str, old: str, new: str, field: str, line: int, fix: str
) -> None:
    edit(folder, name, old, new)
    error = load_error(folder)
    assert error.path == folder / name
    assert (error.field, error.line) == (field, line)
    assert error.fix.startswith(fix)


def test_missing_file_says_where_to_copy_it_from(folder: Path) -> None:
    (folder / "reminders.yaml").unlink()
    error = load_error(folder)
    message = str(error)
    assert error.path == folder / "reminders.yaml"
    assert "reminders.yaml: file not found" in message
    assert f"fix: copy it from {SAMPLE_ORGANISATION / 'reminders.yaml'}" in message


@pytest.mark.parametrize("content", ["", "# only a comment\n", "- a list\n- not a mapping\n"])
def test_file_without_a_top_level_mapping_is_refused(folder: Path, content: str) -> None:
    (folder / "asye.yaml").write_text(content, encoding="utf-8")
    message = str(load_error(folder))
    assert "asye.yaml: expected a mapping of fields at the top level" in message
    assert "fix: start from" in message


def test_impossible_closure_date_is_reported_against_its_file(folder: Path) -> None:
    edit(folder, "organisation.yaml", "extra_closures: []", "extra_closures: [2026-02-30]")
    error = load_error(folder)
    assert "organisation.yaml" in str(error)
    assert "fix: " in str(error)


@pytest.mark.parametrize(
    ("old", "new", "field", "line", "said", "fix"),
    [
        pytest.param(
            "extra_closures: []",
            "extra_closures: [2026-12-24, 2026-02-30]",
            "calendar.extra_closures[1]",
            10,
            "'2026-02-30' is not a real calendar date (day is out of range for month)",
            "February 2026 has 28 days; use a day that exists, e.g. 2026-02-28",
            id="30 February",
        ),
        pytest.param(
            "max_catch_up_days: 31",
            "max_catch_up_days: 2026-13-01",
            "max_catch_up_days",
            17,
            "'2026-13-01' is not a real calendar date (month must be in 1..12)",
            "there is no month 13; months run 01 to 12",
            id="month 13 where a number belongs",
        ),
    ],
)
def test_impossible_date_names_its_field_line_and_fix(
    folder: Path, old: str, new: str, field: str, line: int, said: str, fix: str
) -> None:
    edit(folder, "organisation.yaml", old, new)
    error = load_error(folder)
    assert error.path == folder / "organisation.yaml"
    assert (error.field, error.line) == (field, line)
    assert said in str(error)
    assert error.fix == fix


def test_long_bad_value_is_echoed_in_at_most_80_characters(folder: Path) -> None:
    edit(folder, "asye.yaml", "title: Assessed", "title: [" + "x, " * 200 + "y]\n# Assessed")
    message = str(load_error(folder))
    got = message.split("(got ", 1)[1].split(")", 1)[0]
    assert len(got) == 80
    assert got.startswith("['x', 'x',")
    assert got.endswith("...")


# --- the calendar: any country ---------------------------------------------------------------


def test_a_country_without_subdivisions_loads_with_none_written(folder: Path) -> None:
    edit(folder, "organisation.yaml", "timezone: Europe/London", "timezone: Africa/Kinshasa")
    edit(folder, "organisation.yaml", "country: GB", "country: CD")
    lines = (folder / "organisation.yaml").read_text().splitlines()
    kept = [line for line in lines if not line.strip().startswith("subdivision:")]
    (folder / "organisation.yaml").write_text("\n".join(kept) + "\n")
    calendar = load_organisation(folder).working_calendar()
    assert (calendar.country, calendar.subdivision) == ("CD", None)
    assert calendar.holiday_name(date(2026, 6, 30)) is not None  # Independence Day


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        (
            "subdivision: ENG",
            "subdivision: XX",
            "calendar.subdivision",
            "country GB has no subdivision 'XX'; use one of ENG, NIR, SCT, WLS",
        ),
        (
            "country: GB",
            "country: GX",
            "calendar.country",
            "no bank holidays known for country 'GX'",
        ),
        (
            "timezone: Europe/London",
            "timezone: Europe/Londn",
            "calendar.timezone",
            "did you mean Europe/London",
        ),
    ],
)
def test_a_calendar_error_points_at_its_own_line(
    folder: Path, old: str, new: str, field: str, words: str
) -> None:
    edit(folder, "organisation.yaml", old, new)
    line = next(
        n
        for n, text in enumerate((folder / "organisation.yaml").read_text().splitlines(), 1)
        if new in text
    )
    error = load_error(folder)
    assert (error.field, error.line) == (field, line)
    assert words in str(error)


def test_an_organisation_without_the_default_deciders_must_name_its_own(folder: Path) -> None:
    text = (folder / "ladder.yaml").read_text()
    start = text.index("decided_by:")
    (folder / "ladder.yaml").write_text(
        text[:start].replace("workforce_lead, head_of_service, ", "")
    )
    error = load_error(folder)
    assert error.path == folder / "ladder.yaml"
    assert error.field == "decided_by.asye[0]"
    assert "decided_by.asye names 'workforce_lead', not a role in ladder.yaml" in str(error)


def test_deciders_may_be_any_role_of_the_ladder(folder: Path) -> None:
    edit(folder, "ladder.yaml", "  asye: [workforce_lead, head_of_service]", "  asye: [hr_advisor]")
    assert load_organisation(folder).ladder.decided_by.asye == ("hr_advisor",)


def _line_holding(folder: Path, name: str, text: str) -> int:
    lines = (folder / name).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def test_a_pathway_naming_an_unknown_module_is_reported_at_the_name(folder: Path) -> None:
    edit(
        folder,
        "training.yaml",
        "modules: [psw_foundations, psw_child_development, psw_child_protection]",
        "modules: [psw_foundations, psw_child_developmnt, psw_child_protection]",
    )
    error = load_error(folder)
    assert error.field == "pathways[0].sets[0].modules[1]"
    assert error.line == _line_holding(folder, "training.yaml", "psw_child_developmnt")
    assert error.fix.startswith("did you mean `psw_child_development`?")


def test_a_fixed_date_that_is_no_day_is_reported_at_its_line(folder: Path) -> None:
    edit(folder, "training.yaml", 'fixed_on: "03-31"', 'fixed_on: "02-30"')
    error = load_error(folder)
    assert error.field.endswith("validity.fixed_on")
    assert error.line == _line_holding(folder, "training.yaml", '"02-30"')
    assert error.fix == "February has at most 29 days; use 02-29 for its last day"


def test_a_locale_is_a_bcp_47_tag_babel_knows(folder: Path) -> None:
    edit(folder, "organisation.yaml", "\nservices:", "\nlocale: fr-CD\nservices:")
    assert load_organisation(folder).voice.locale == "fr-CD"
    edit(folder, "organisation.yaml", "locale: fr-CD", "locale: frnch")
    error = load_error(folder)
    assert error.field == "locale"
    assert error.line == _line_holding(folder, "organisation.yaml", "locale: frnch")
    assert "unknown locale 'frnch'" in str(error) and "did you mean" in str(error)


def test_who_corrects_certificates_and_applies_policy_must_be_roles(folder: Path) -> None:
    edit(
        folder,
        "ladder.yaml",
        "  certificates: [workforce_lead, head_of_service]",
        "  certificates: [workforce_leed]",
    )
    error = load_error(folder)
    assert error.field == "decided_by.certificates[0]"
    assert "names 'workforce_leed', not a role in ladder.yaml" in str(error)
    assert "the roles that may revoke and reissue certificates" in str(error)
    assert "workforce_lead" in error.fix


# --- programmes.yaml: dated programmes besides the ASYE --------------------------------------


def test_a_programme_closed_by_a_module_training_yaml_lacks_names_the_line_and_the_fix(
    folder: Path,
) -> None:
    edit(
        folder,
        "programmes.yaml",
        "closes_with: {module: data_protection}",
        "closes_with: {module: data_protecton}",
    )
    error = load_error(folder)
    assert error.path == folder / "programmes.yaml"
    assert (error.field, error.line) == (
        "programmes.induction.milestones[1].closes_with.module",
        36,
    )
    assert "module 'data_protecton' is not a module in training.yaml" in str(error)
    assert "did you mean `data_protection`?" in str(error)


def test_a_first_milestone_dated_after_the_one_before_it_is_refused(folder: Path) -> None:
    edit(folder, "programmes.yaml", "        at: {weeks: 1}\n", "        after: {weeks: 1}\n")
    error = load_error(folder)
    assert error.path == folder / "programmes.yaml"
    assert "the first milestone, first_week, has no milestone before it" in str(error)
    assert "give it `at`" in str(error)


def test_a_milestone_with_two_dates_is_refused(folder: Path) -> None:
    edit(
        folder,
        "programmes.yaml",
        "        at: {weeks: 1}\n",
        "        at: {weeks: 1}\n        months: 1\n",
    )
    error = load_error(folder)
    assert "first_week needs exactly one of `months`, `at`" in str(error)
    assert "it has months and at" in str(error)


def test_the_asye_is_not_written_in_programmes_yaml(folder: Path) -> None:
    edit(folder, "programmes.yaml", "programmes:\n  induction:\n", "programmes:\n  asye:\n")
    error = load_error(folder)
    assert "the ASYE year has its own file" in str(error)


def test_a_programme_for_a_role_the_ladder_lacks_is_refused(folder: Path) -> None:
    edit(
        folder,
        "programmes.yaml",
        "    starters_from: 2026-01-01       #",
        "    recorded_by: [hr_advisr]\n    starters_from: 2026-01-01       #",
    )
    error = load_error(folder)
    assert error.field == "programmes.induction.recorded_by[0]"
    assert "did you mean `hr_advisor`?" in str(error)
