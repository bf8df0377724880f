"""Completions on a real database: a file imported all or nothing, credentials, renewals
closed by a newer credential, late older records and pathway awards."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from training_world import completions, count, run_import

from definitions.roster import RosterError
from storage.models import (
    Award,
    Completion,
    Credential,
    Obligation,
)

pytestmark = pytest.mark.integration

# W0031 completes the para social worker curriculum (its six modules); W0035 first aid.
CURRICULUM_AND_FIRST_AID = [
    ("W0031", "psw_foundations", "2025-01-10"),
    ("W0031", "psw_child_development", "2025-02-10"),
    ("W0031", "psw_child_protection", "2025-03-10"),
    ("W0031", "psw_case_management", "2025-05-02"),
    ("W0031", "psw_psychosocial_support", "2025-04-01"),
    ("W0031", "psw_families_communities", "2025-06-20"),
    ("W0035", "first_aid", "2023-05-02"),
]


@pytest.mark.usefixtures("staffed")
def test_a_file_with_bad_rows_imports_nothing_and_names_every_problem(
    tmp_path: Path,
    engine,
    organisation,  # type: ignore[no-untyped-def]
) -> None:
    path = completions(
        tmp_path / "sheet.csv",
        [
            ("W0031", "psw_foundations", "2025-03-01"),
            ("W9999", "psw_foundations", "2025-03-01"),
            ("W0032", "psw_foundation", "2025-03-01"),
            ("W0033", "first_aid", "01/03/2025"),
            ("W0034", "first_aid", "2026-02-01"),
            ("W0031", "psw_foundations", "2025-03-01"),
        ],
    )
    with pytest.raises(RosterError) as caught:
        run_import(engine, organisation, path)
    text = str(caught.value)
    assert "sheet.csv: 5 problem(s); nothing was imported" in text
    assert "row 3, column external_id: 'W9999' is not a worker in Ladder" in text
    assert "row 4, column module: 'psw_foundation' is not a module" in text
    assert "did you mean 'psw_foundations'?" in text
    assert "row 5, column completed_on: '01/03/2025' is not a date; use YYYY-MM-DD" in text
    assert "row 6, column completed_on: 2026-02-01 is in the future" in text
    assert "row 7, column completed_on: the same completion appears twice (first on row 2)" in text
    assert count(engine, Completion) == 0


@pytest.mark.usefixtures("staffed")
def test_completions_become_credentials_and_awards_once(
    tmp_path: Path, engine, organisation
) -> None:  # type: ignore[no-untyped-def]
    path = completions(
        tmp_path / "lms.csv",
        CURRICULUM_AND_FIRST_AID,
    )
    rows, result = run_import(engine, organisation, path)
    assert (rows, result.completions, result.credentials) == (7, 7, 1)
    assert result.pathways == [("W0031", "para_social_worker_curriculum")]
    again_rows, again = run_import(engine, organisation, path)
    assert (again_rows, again.completions, again.awards) == (7, 0, 0)
    with Session(engine) as session:
        award = session.scalars(select(Award).where(Award.kind == "pathway")).one()
        assert (award.key, award.achieved_on, award.status) == (
            "para_social_worker_curriculum",
            date(2025, 6, 20),
            "waiting",
        )
        credential = session.scalars(select(Credential)).one()
        assert credential.expires_on == date(2026, 5, 2)
        # A care worker must keep first aid: the credential has a renewal item, due on the
        # expiry (Saturday 2 May 2026 -> Friday 1 May, the working day before).
        item = session.scalars(
            select(Obligation).where(Obligation.kind == "training.renewal")
        ).one()
        assert (item.due_date, item.milestone) == (date(2026, 5, 1), "first_aid")
        assert item.rule.endswith(
            "so it expires on 2 May 2026; 2 May 2026 is a Saturday, so it is due the working day "
            "before, Friday 1 May 2026"
        )
    assert count(engine, Completion) == 7


@pytest.mark.usefixtures("staffed")
def test_only_what_the_organisation_certifies_waits_for_a_certificate(
    tmp_path: Path, engine, organisation
) -> None:  # type: ignore[no-untyped-def]
    from definitions.training import Certifies

    # Modules earn no certificate, except first aid, which says so; the pathway does.
    training = organisation.training
    modules = tuple(
        m.model_copy(update={"certificate": True}) if m.key == "first_aid" else m
        for m in training.modules
    )
    own = organisation.model_copy(
        update={
            "training": training.model_copy(
                update={"modules": modules, "certificates": Certifies(modules=False)}
            )
        }
    )
    path = completions(
        tmp_path / "lms.csv",
        CURRICULUM_AND_FIRST_AID,
    )
    _, result = run_import(engine, own, path)
    assert result.awards == 2  # the pathway and first aid wait for their certificates
    assert result.pathways == [("W0031", "para_social_worker_curriculum")]
    with Session(engine) as session:
        statuses = sorted(session.execute(select(Award.key, Award.status)).tuples().all())
    assert ("first_aid", "waiting") in statuses
    assert ("para_social_worker_curriculum", "waiting") in statuses
    assert [k for k, s in statuses if s == "uncertified"] == sorted(
        ["psw_foundations", "psw_child_development", "psw_child_protection"]
        + ["psw_case_management", "psw_psychosocial_support", "psw_families_communities"]
    )


@pytest.mark.usefixtures("staffed")
def test_a_renewal_supersedes_the_credential_keeps_the_anniversary_and_closes_the_item(
    tmp_path: Path,
    engine,
    organisation,  # type: ignore[no-untyped-def]
) -> None:
    run_import(
        engine,
        organisation,
        completions(tmp_path / "a.csv", [("W0019", "safeguarding", "2024-03-04")]),
    )
    run_import(
        engine,
        organisation,
        completions(tmp_path / "b.csv", [("W0019", "safeguarding", "2026-01-20")]),
        today=date(2026, 1, 21),
    )
    with Session(engine) as session:
        old, new = session.scalars(select(Credential).order_by(Credential.id)).all()
        assert (old.status, old.superseded_by) == ("superseded", new.id)
        assert (new.status, new.valid_from, new.expires_on) == (
            "active",
            date(2026, 1, 20),
            date(2028, 3, 4),
        )
        assert "keeps the anniversary" in new.rule
        items = session.scalars(select(Obligation).order_by(Obligation.id)).all()
        renewals = [(o.source, o.status, o.due_date) for o in items if o.kind == "training.renewal"]
    assert renewals == [
        (f"credential:{old.id}", "done", date(2026, 3, 4)),
        (f"credential:{new.id}", "open", date(2028, 3, 3)),  # Sat 4 Mar 2028 -> Fri 3 Mar
    ]


@pytest.mark.usefixtures("staffed")
def test_a_chain_in_one_file_and_a_late_older_record_keep_the_newest_active(
    tmp_path: Path,
    engine,
    organisation,  # type: ignore[no-untyped-def]
) -> None:
    _, result = run_import(
        engine,
        organisation,
        completions(
            tmp_path / "two.csv",
            [("W0019", "safeguarding", "2026-01-20"), ("W0019", "safeguarding", "2024-03-04")],
        ),
        today=date(2026, 1, 21),
    )
    assert (result.credentials, result.renewed) == (2, 1)
    _, late = run_import(
        engine,
        organisation,
        completions(tmp_path / "old.csv", [("W0019", "safeguarding", "2022-02-01")]),
        today=date(2026, 1, 22),
    )
    assert (late.completions, late.credentials, late.renewed) == (1, 0, 0)
    with Session(engine) as session:
        chain = session.execute(
            select(Credential.valid_from, Credential.expires_on, Credential.status).order_by(
                Credential.valid_from
            )
        ).all()
        renewals = session.execute(
            select(Obligation.due_date, Obligation.status).where(
                Obligation.kind == "training.renewal"
            )
        ).all()
    assert chain == [
        (date(2022, 2, 1), date(2024, 2, 1), "superseded"),
        (date(2024, 3, 4), date(2026, 3, 4), "superseded"),
        (date(2026, 1, 20), date(2028, 3, 4), "active"),  # renewed early: the anniversary kept
    ]
    assert renewals == [(date(2028, 3, 3), "open")]
