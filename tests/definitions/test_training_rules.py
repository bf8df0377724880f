"""Validity rules, credential status, pathway set rules and session allocation: pure."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from definitions.loader import load_organisation
from definitions.training import (
    ModuleSet,
    Pathway,
    SessionOffer,
    TrainingProgramme,
    Validity,
    choose_session,
    credential_status,
    expiry_for,
    pathway_progress,
)

TWO_YEARS_KEEP = Validity(
    mode="from_previous_expiry", months=24, early_renewal_days=90, renewal_window_days=90,
    grace_days=30,
)  # fmt: skip


# --- validity modes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completed", "expires"),
    [
        (date(2026, 3, 4), date(2028, 3, 4)),
        (date(2024, 2, 29), date(2026, 2, 28)),  # a leap day: two years on is 28 February
        (date(2026, 1, 31), date(2028, 1, 31)),
    ],
)
def test_from_completion_counts_calendar_months(completed: date, expires: date) -> None:
    validity = Validity(mode="from_completion", months=24)
    assert expiry_for(validity, completed).expires_on == expires


def test_first_aid_every_three_years_from_a_leap_day() -> None:
    validity = Validity(mode="from_completion", months=36)
    expiry = expiry_for(validity, date(2028, 2, 29))
    assert expiry.expires_on == date(2031, 2, 28)
    assert expiry.rule == (
        "completed 29 February 2028, valid for 36 months, so it expires on 28 February 2031"
    )


@pytest.mark.parametrize(
    ("renewed", "expires", "why"),
    [
        # renewed early but inside the window: the anniversary (4 March) is kept
        (
            date(2026, 1, 10),
            date(2028, 3, 4),
            "renewed 10 January 2026, within 90 days of the previous expiry on 4 March 2026, so "
            "it keeps the anniversary and expires 24 months after it, on 4 March 2028",
        ),
        (  # on the day
            date(2026, 3, 4),
            date(2028, 3, 4),
            "renewed 4 March 2026, within 90 days of the previous expiry on 4 March 2026, so it "
            "keeps the anniversary and expires 24 months after it, on 4 March 2028",
        ),
        (  # late, within grace
            date(2026, 3, 30),
            date(2028, 3, 4),
            "renewed 30 March 2026, in the 30 days of grace after the previous expiry on 4 "
            "March 2026, so it keeps the anniversary and expires 24 months after it, on 4 March "
            "2028",
        ),
        (
            date(2025, 11, 1),
            date(2027, 11, 1),
            "completed 1 November 2025, too early to keep the anniversary; valid for 24 months, "
            "so it expires on 1 November 2027",
        ),
        (
            date(2026, 4, 20),
            date(2028, 4, 20),
            "completed 20 April 2026, after the previous one lapsed; valid for 24 months, so it "
            "expires on 20 April 2028",
        ),
    ],
)
def test_from_previous_expiry_keeps_the_anniversary_inside_its_window(
    renewed: date, expires: date, why: str
) -> None:
    expiry = expiry_for(TWO_YEARS_KEEP, renewed, previous_expiry=date(2026, 3, 4))
    assert expiry.expires_on == expires
    assert expiry.rule == why


def test_from_previous_expiry_keeps_a_leap_day_anniversary_where_it_exists() -> None:
    # 29 Feb 2028 + 24 months = 28 Feb 2030 (no 29th), counted from the original date.
    expiry = expiry_for(TWO_YEARS_KEEP, date(2028, 2, 1), previous_expiry=date(2028, 2, 29))
    assert expiry.expires_on == date(2030, 2, 28)


def test_a_first_completion_under_from_previous_expiry_counts_from_completion() -> None:
    assert expiry_for(TWO_YEARS_KEEP, date(2026, 5, 5)).expires_on == date(2028, 5, 5)


@pytest.mark.parametrize(
    ("completed", "expires"),
    [
        (date(2026, 9, 1), date(2027, 3, 31)),  # 6 months on is 1 March: this 31 March
        (date(2026, 10, 5), date(2028, 3, 31)),  # 6 months on is 5 April: next year's
        (date(2026, 3, 31), date(2027, 3, 31)),
    ],
)
def test_fixed_date_keeps_a_minimum_active_period(completed: date, expires: date) -> None:
    validity = Validity(mode="fixed_date", fixed_on="03-31", min_active_months=6)
    assert expiry_for(validity, completed).expires_on == expires


def test_a_fixed_29_february_falls_on_28_february_in_other_years() -> None:
    validity = Validity(mode="fixed_date", fixed_on="02-29", min_active_months=1)
    assert expiry_for(validity, date(2026, 6, 1)).expires_on == date(2027, 2, 28)
    assert expiry_for(validity, date(2027, 6, 1)).expires_on == date(2028, 2, 29)
    assert expiry_for(validity, date(2026, 6, 1)).rule == (
        "completed 1 June 2026, so it expires on 28 February 2027, the first 28 February at "
        "least 1 month later"
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mode": "from_completion"}, "needs `months`"),
        ({"mode": "fixed_date"}, "needs `fixed_on`"),
        ({"mode": "fixed_date", "fixed_on": "02-30"}, "is not a day of the year"),
        ({"mode": "fixed_date", "fixed_on": "13-01"}, "names month 13, and months run 01 to 12"),
        ({"mode": "yearly", "months": 12}, "Input should be"),
    ],
)
def test_an_incomplete_validity_rule_is_refused(fields: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError, match=message):
        Validity.model_validate(fields)


@pytest.mark.parametrize(
    ("on", "status"),
    [
        (date(2025, 12, 3), "current"),
        (date(2025, 12, 4), "due_for_renewal"),  # 90 days before 4 March 2026
        (date(2026, 3, 4), "due_for_renewal"),  # valid through its expiry day
        (date(2026, 3, 5), "in_grace"),
        (date(2026, 4, 3), "in_grace"),  # 30 days of grace
        (date(2026, 4, 4), "expired"),
    ],
)
def test_credential_status_through_its_life(on: date, status: str) -> None:
    assert credential_status(TWO_YEARS_KEEP, date(2026, 3, 4), on) == status


# --- pathways ---------------------------------------------------------------------------------

PATHWAY = Pathway(
    key="p",
    title="P",
    level="para_social_worker",
    sets=(
        ModuleSet(rule="all_in_order", modules=("a", "b", "c")),
        ModuleSet(rule="any_order", modules=("d", "e")),
        ModuleSet(rule="at_least", n=2, modules=("f", "g", "h")),
    ),
)
D = date(2026, 1, 1)


def days(**offsets: int) -> dict[str, date]:
    return {m: D + timedelta(days=n) for m, n in offsets.items()}


def test_a_pathway_completes_on_the_day_its_last_set_is_met() -> None:
    progress = pathway_progress(PATHWAY, days(a=0, b=10, c=20, e=5, d=40, g=3, h=50, f=60))
    assert progress.complete
    # all sets: c on day 20, d on day 40, the 2nd of f/g/h on day 50
    assert progress.completed_on == D + timedelta(days=50)


def test_an_ordered_set_taken_out_of_order_is_not_met() -> None:
    progress = pathway_progress(PATHWAY, days(a=0, b=30, c=20, d=1, e=1, f=1, g=1))
    assert not progress.complete
    first = progress.sets[0]
    assert not first.done and first.missing == ("c",)
    assert "c was completed before the module it follows" in first.why


def test_credit_satisfies_an_ordered_set_in_any_order() -> None:
    progress = pathway_progress(
        PATHWAY, days(a=0, b=30, c=20, d=1, e=1, f=1, g=1), credited=frozenset({"c"})
    )
    assert progress.complete


def test_at_least_counts_and_names_what_is_missing() -> None:
    progress = pathway_progress(PATHWAY, days(a=0, b=1, c=2, d=3, e=4, f=5))
    assert not progress.complete
    assert progress.done_count == 2
    last = progress.sets[2]
    assert (last.done, last.missing, last.why) == (False, ("g", "h"), "1 of at least 2 done")


def test_a_set_rule_that_can_never_be_met_is_refused() -> None:
    with pytest.raises(ValidationError, match="can never be met"):
        ModuleSet(rule="at_least", n=4, modules=("a", "b", "c"))
    with pytest.raises(ValidationError, match="needs `n`"):
        ModuleSet(rule="at_least", modules=("a",))


def test_the_sample_ships_the_curriculum_pathways_and_refreshers() -> None:
    training = load_organisation().training
    assert training is not None
    curriculum = next(p for p in training.pathways if p.key == "para_social_worker_curriculum")
    assert len(curriculum.modules) == 6
    assert {p.service for p in training.pathways} == {None, "children", "adults"}
    every = {r.module: r for r in training.refreshers}
    assert training.module("safeguarding").validity.months == 24  # type: ignore[union-attr]
    assert training.module("first_aid").validity.months == 36  # type: ignore[union-attr]
    assert "care_worker" in every["first_aid"].roles


# --- sessions ---------------------------------------------------------------------------------

PROGRAMME = TrainingProgramme.model_validate(
    {
        "modules": [{"key": "sg", "title": "SG", "outcomes": ["x"]}],
        "districts": [
            {"key": "Central", "x_km": 0, "y_km": 0},
            {"key": "North", "x_km": 0, "y_km": 12},
            {"key": "East", "x_km": 14, "y_km": 0},
        ],
    }
)


def offer(i: int, day: int, district: str, capacity: int = 2, booked: int = 0) -> SessionOffer:
    return SessionOffer(i, D + timedelta(days=day), district, capacity, booked)


def place(sessions: list[SessionOffer], home: str = "North", latest: int = 90):  # type: ignore[no-untyped-def]
    return choose_session(
        PROGRAMME, sessions, home=home, earliest=D, latest=D + timedelta(days=latest)
    )


def test_own_district_first_even_when_a_nearer_date_is_elsewhere() -> None:
    placement = place([offer(1, 5, "Central"), offer(2, 40, "North")])
    assert (placement.session_id, placement.status) == (2, "booked")
    assert placement.why == "in their own district"


def test_then_the_nearest_district_with_space() -> None:
    placement = place(
        [offer(1, 5, "North", booked=2), offer(2, 10, "East"), offer(3, 20, "Central")]
    )
    assert (placement.session_id, placement.status) == (3, "booked")  # 12 km beats 18 km
    assert "nearest district with space (Central, 12 km)" in placement.why


def test_every_session_full_puts_the_worker_on_the_nearest_waiting_list() -> None:
    placement = place([offer(1, 5, "East", booked=2), offer(2, 10, "North", booked=2)])
    assert (placement.session_id, placement.status) == (2, "waitlisted")


def test_sessions_after_the_expiry_do_not_count() -> None:
    assert place([offer(1, 120, "North")], latest=90) is None


# --- training.yaml errors -------------------------------------------------------------------


def _edited(tmp_path, old: str, new: str):  # type: ignore[no-untyped-def]
    import shutil

    from definitions.loader import SAMPLE_ORGANISATION

    folder = tmp_path / "org"
    shutil.copytree(SAMPLE_ORGANISATION, folder)
    path = folder / "training.yaml"
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))
    return folder


def test_a_pathway_for_an_unknown_level_names_file_line_and_fix(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from definitions.loader import ProgrammeFileError

    folder = _edited(tmp_path, "level: para_social_worker\n", "level: para_socal_worker\n")
    with pytest.raises(ProgrammeFileError) as caught:
        load_organisation(folder)
    error = str(caught.value)
    assert "training.yaml, line" in error and "field pathways[0].level" in error
    assert "did you mean `para_social_worker`?" in error


def test_a_refresher_without_validity_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from definitions.loader import ProgrammeFileError

    folder = _edited(
        tmp_path, "  - module: first_aid\n    roles", "  - module: psw_foundations\n    roles"
    )
    with pytest.raises(ProgrammeFileError, match="has no validity, so it never needs renewing"):
        load_organisation(folder)


def test_a_validity_typo_is_named_with_its_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from definitions.loader import ProgrammeFileError

    folder = _edited(tmp_path, "      grace_days: 30\n", "      grace_dais: 30\n")
    with pytest.raises(ProgrammeFileError) as caught:
        load_organisation(folder)
    assert "did you mean `grace_days`?" in str(caught.value)
    assert "training.yaml, line" in str(caught.value)
