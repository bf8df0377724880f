"""Routing (direct or digest) and the daily cap: pure rules, no database."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from definitions.loader import SAMPLE_ORGANISATION, ProgrammeFileError, load_organisation
from definitions.reminders import Delivery, Notice, fold_for_cap

DAY = date(2026, 4, 30)


def notice(n: int, *, due: date = DAY, mode: str = "direct", escalation: bool = False) -> Notice:
    return Notice(
        id=n, recipient_id=1, obligation_id=100 + n, due=due, mode=mode, escalation=escalation
    )  # type: ignore[arg-type]


def ids(notices: list[Notice]) -> list[int]:
    return [n.id for n in notices]


def test_under_the_cap_everything_goes_direct() -> None:
    sent, folded = fold_for_cap([notice(1), notice(2)], cap=3)
    assert (ids(sent), ids(folded)) == ([1, 2], [])


def test_over_the_cap_the_most_urgent_go_direct_and_the_rest_fold() -> None:
    notices = [
        notice(1, due=DAY + timedelta(days=14)),
        notice(2, due=DAY - timedelta(days=3), escalation=True),
        notice(3, due=DAY),
        notice(4, due=DAY, escalation=True),
        notice(5, due=DAY + timedelta(days=3)),
    ]
    sent, folded = fold_for_cap(notices, cap=3)
    # earliest due first; on the same date an escalation before a reminder
    assert ids(sent) == [2, 4, 3]
    assert ids(folded) == [5, 1]


def test_a_mass_event_never_makes_more_than_cap_direct_mails() -> None:
    notices = [notice(n) for n in range(400)]
    sent, folded = fold_for_cap(notices, cap=3)
    assert len(sent) == 3 and len(folded) == 397
    assert set(ids(sent)) | set(ids(folded)) == set(range(400))


def test_mails_already_sent_today_count_against_the_cap() -> None:
    sent, folded = fold_for_cap([notice(1), notice(2)], cap=3, already_direct=2)
    assert (ids(sent), ids(folded)) == ([1], [2])
    sent, folded = fold_for_cap([notice(1)], cap=3, already_direct=5)
    assert (ids(sent), ids(folded)) == ([], [1])


def test_digest_routed_notices_always_fold_whatever_the_cap() -> None:
    sent, folded = fold_for_cap([notice(1, mode="digest"), notice(2)], cap=10)
    assert (ids(sent), ids(folded)) == ([2], [1])


def test_a_cap_of_zero_sends_everything_as_a_digest() -> None:
    sent, folded = fold_for_cap([notice(1), notice(2)], cap=0)
    assert (ids(sent), ids(folded)) == ([], [1, 2])


def test_routing_by_kind_overrides_the_default_for_the_roles_it_names() -> None:
    delivery = Delivery.model_validate(
        {
            "routing": {
                "default": {
                    "worker": "direct",
                    "assessor": "digest",
                    "supervisor": "digest",
                    "manager": "digest",
                    "workforce_lead": "digest",
                },
                "asye.report": {"assessor": "direct"},
            }
        }
    )
    assert delivery.mode("asye.report", "assessor") == "direct"
    assert delivery.mode("asye.report", "manager") == "digest"
    assert delivery.mode("asye.review", "assessor") == "digest"
    assert delivery.mode("asye.review", "worker") == "direct"


def test_without_a_policy_everyone_is_told_directly() -> None:
    assert Delivery().mode("asye.review", "manager") == "direct"


def test_a_role_of_the_ladder_that_routing_leaves_out_gets_the_digest() -> None:
    # Everyone holding a role such as training_lead hears once a day, not once an item.
    assert Delivery().mode("training.renewal", "training_lead") == "digest"


@pytest.mark.parametrize(
    ("routing", "message"),
    [
        ({"asye.report": {"assessor": "direct"}}, "routing needs a `default:` entry"),
        (
            {"default": {"worker": "direct"}},
            "routing.default must name worker, assessor, supervisor, manager; add assessor",
        ),
        (
            {"default": {"worker": "sms"}},
            "Input should be 'direct' or 'digest'",
        ),
    ],
)
def test_a_routing_policy_that_cannot_decide_is_refused(routing: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError, match=message):
        Delivery.model_validate({"routing": routing})


def test_an_unknown_kind_in_routing_is_named_with_file_line_and_fix(tmp_path: Path) -> None:
    folder = tmp_path / "org"
    shutil.copytree(SAMPLE_ORGANISATION, folder)
    path = folder / "reminders.yaml"
    text = path.read_text()
    assert text.count("    asye.report:\n") == 1
    path.write_text(text.replace("    asye.report:\n", "    asye.reprot:\n"))
    with pytest.raises(ProgrammeFileError) as caught:
        load_organisation(folder)
    error = str(caught.value)
    assert "reminders.yaml, line" in error
    assert "field delivery.routing.asye.reprot" in error
    assert "routing names 'asye.reprot', which is not a kind of obligation" in error
    assert "did you mean `asye.report`?" in error


def test_a_negative_cap_is_refused_with_the_allowed_range(tmp_path: Path) -> None:
    folder = tmp_path / "org"
    shutil.copytree(SAMPLE_ORGANISATION, folder)
    path = folder / "reminders.yaml"
    path.write_text(path.read_text().replace("daily_cap: 3", "daily_cap: -1"))
    with pytest.raises(ProgrammeFileError, match=r"field delivery\.daily_cap.*greater than"):
        load_organisation(folder)


def test_a_milestone_naming_an_unknown_ladder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "org"
    shutil.copytree(SAMPLE_ORGANISATION, folder)
    path = folder / "asye.yaml"
    path.write_text(
        path.read_text().replace("reminder_policy: asye_report", "reminder_policy: asye_reprt")
    )
    with pytest.raises(ProgrammeFileError) as caught:
        load_organisation(folder)
    assert "field milestones[4].reminder_policy" in str(caught.value)
    assert "did you mean `asye_report`?" in str(caught.value)
