"""The career ladder's promotion rule: a higher rank on the same track, nothing else."""

from __future__ import annotations

import pytest

from definitions.loader import load_organisation

LADDER = load_organisation().ladder


@pytest.mark.parametrize(
    ("old_role", "new_role", "expected"),
    [
        (
            "para_social_worker",
            "senior_para_social_worker",
            ("para_social_worker", "senior_para_social_worker"),
        ),
        ("community_caregiver", "para_supervisor", ("community_caregiver", "para_supervisor")),
        ("nqsw", "social_worker", ("nqsw", "social_worker")),
        ("social_worker", "team_manager", ("social_worker", "team_manager")),
        ("social_worker", "social_worker", None),  # no move
        ("senior_social_worker", "social_worker", None),  # down the track
        ("para_supervisor", "nqsw", None),  # another track, even a lower rank
        ("care_worker", "social_worker", None),  # another track, a higher rank
        ("social_worker", "practice_educator", None),  # off the ladder
        ("workforce_lead", "team_manager", None),  # from off the ladder
    ],
)
def test_a_promotion_is_a_higher_rank_on_the_same_track(
    old_role: str, new_role: str, expected: tuple[str, str] | None
) -> None:
    promotion = LADDER.promotion(old_role, new_role)
    assert (promotion and (promotion[0].key, promotion[1].key)) == expected
