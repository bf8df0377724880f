"""Changing a validity rule: previewed, then applied with a reason."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from training_world import TODAY, completions, run_import

from definitions.errors import BadInput, Refused
from definitions.loader import SAMPLE_ORGANISATION
from storage.models import (
    Credential,
    Event,
    Obligation,
)
from tasks.training.validity import apply_validity_changes, validity_changes

pytestmark = pytest.mark.integration


@pytest.fixture
def editable_org(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "org"
    shutil.copytree(SAMPLE_ORGANISATION, folder)
    return folder


@pytest.mark.usefixtures("staffed")
def test_a_changed_rule_is_previewed_then_applied_with_a_reason(
    tmp_path: Path,
    engine,
    organisation,
    editable_org: Path,  # type: ignore[no-untyped-def]
) -> None:
    from definitions.loader import load_organisation

    run_import(
        engine,
        organisation,
        completions(tmp_path / "fa.csv", [("W0035", "first_aid", "2024-02-29")]),
    )
    training = editable_org / "training.yaml"
    text = training.read_text()
    assert text.count("      months: 36\n") == 1
    training.write_text(text.replace("      months: 36\n", "      months: 24\n"))
    changed = load_organisation(editable_org)
    with Session(engine) as session:
        preview = validity_changes(session, changed)
    assert [(c.worker, c.module, c.old, c.new) for c in preview] == [
        ("W0035", "first_aid", date(2027, 2, 28), date(2026, 2, 28)),
    ]
    with Session(engine) as session:  # previewing changed nothing
        assert session.scalars(select(Credential.expires_on)).one() == date(2027, 2, 28)
    with (
        Session(engine) as session,
        session.begin(),
        pytest.raises(BadInput, match="needs a reason"),
    ):
        apply_validity_changes(session, changed, reason="", actor="W0001", today=TODAY)
    with (
        Session(engine) as session,
        session.begin(),
        pytest.raises(Refused, match="W0036 is a care worker; only a workforce lead or head of"),
    ):
        apply_validity_changes(session, changed, reason="new rule", actor="W0036", today=TODAY)
    with Session(engine) as session, session.begin():
        applied = apply_validity_changes(
            session,
            changed,
            reason="HSE guidance: first aid every two years",
            actor="W0001",
            today=TODAY,
        )
    assert len(applied) == 1
    with Session(engine) as session:
        assert session.scalars(select(Credential.expires_on)).one() == date(2026, 2, 28)
        item = session.scalars(
            select(Obligation).where(Obligation.kind == "training.renewal")
        ).one()
        assert item.due_date == date(2026, 2, 27)  # Saturday 28 Feb -> Friday 27 Feb
        assert item.rule.endswith(
            "so it expires on 28 February 2026; 28 February 2026 is a Saturday, so it is due the "
            "working day before, Friday 27 February 2026"
        )
        event = session.scalars(select(Event).where(Event.kind == "training.expiry_changed")).one()
        assert event.payload["old"] == "2027-02-28" and event.payload["new"] == "2026-02-28"
        assert event.payload["reason"] == "HSE guidance: first aid every two years"
        assert validity_changes(session, changed) == []
