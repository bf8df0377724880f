"""Credit for prior learning on a real database: decided once, by an approver, and counted."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from training_world import TODAY, completions, count, run_import

from definitions.errors import BadInput, Refused
from storage.models import (
    Award,
    Completion,
    CreditRequest,
    Event,
)
from tasks.training.credit import decide_credit, request_credit

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("staffed")
def test_credit_for_prior_learning_is_decided_once_by_an_approver_and_counts(
    tmp_path: Path,
    engine,
    organisation,  # type: ignore[no-untyped-def]
) -> None:
    five = [
        ("W0032", m, d)
        for m, d in (
            ("psw_foundations", "2025-01-10"),
            ("psw_child_development", "2025-02-10"),
            ("psw_case_management", "2025-05-02"),
            ("psw_psychosocial_support", "2025-04-01"),
            ("psw_families_communities", "2025-06-20"),
        )
    ]
    _, result = run_import(engine, organisation, completions(tmp_path / "five.csv", five))
    assert result.pathways == []
    with Session(engine) as session, session.begin():
        request = request_credit(
            session,
            organisation,
            worker="W0032",
            module="psw_child_protection",
            learned_on=date(2024, 11, 1),
            evidence="NGO child protection certificate 2024",
            actor="W0004",
            today=TODAY,
        )
        request_id = request.id

    def decide(approve: bool, actor: str, reason: str = "evidence checked"):  # type: ignore[no-untyped-def]
        with Session(engine) as session, session.begin():
            return decide_credit(
                session,
                organisation,
                request_id=request_id,
                approve=approve,
                reason=reason,
                actor=actor,
                today=TODAY,
            ).status

    with pytest.raises(Refused, match="credit is decided by a workforce_lead or head_of_service"):
        decide(True, "W0004")  # a team manager
    with pytest.raises(BadInput, match="give the reason"):
        decide(True, "W0001", reason=" ")
    assert decide(True, "W0001") == "approved"
    with pytest.raises(
        Refused, match="already approved on 2026-01-05 by W0001; a decision is recorded once"
    ):
        decide(False, "W0002")
    with Session(engine) as session:
        credit = session.scalars(select(Completion).where(Completion.source == "credit")).one()
        assert (credit.module, credit.completed_on, credit.source_ref) == (
            "psw_child_protection",
            date(2024, 11, 1),
            f"credit:{request_id}",
        )
        # Credited learning counts in any order: the curriculum is complete on the last date.
        award = session.scalars(select(Award).where(Award.kind == "pathway")).one()
        assert award.achieved_on == date(2025, 6, 20)
        kinds = set(session.scalars(select(Event.kind).where(Event.kind.like("training.credit%"))))
        assert kinds == {"training.credit_requested", "training.credit_approved"}
        assert session.get(CreditRequest, request_id).reason == "evidence checked"  # type: ignore[union-attr]


@pytest.mark.usefixtures("staffed")
def test_a_rejected_request_is_kept_with_its_reason_and_counts_for_nothing(
    engine,
    organisation,  # type: ignore[no-untyped-def]
) -> None:
    with Session(engine) as session, session.begin():
        request = request_credit(
            session,
            organisation,
            worker="W0033",
            module="first_aid",
            learned_on=date(2025, 1, 1),
            evidence="a photo of a card",
            actor="W0033",
            today=TODAY,
        )
        decided = decide_credit(
            session,
            organisation,
            request_id=request.id,
            approve=False,
            reason="no certificate from an approved provider",
            actor="W0002",
            today=TODAY,
        )
        assert decided.status == "rejected"
    assert count(engine, Completion) == 0
    with (
        Session(engine) as session,
        session.begin(),
        pytest.raises(Refused, match="nobody decides their own"),
    ):
        request = request_credit(
            session,
            organisation,
            worker="W0001",
            module="first_aid",
            learned_on=date(2025, 1, 1),
            evidence="card",
            actor="W0001",
            today=TODAY,
        )
        decide_credit(
            session,
            organisation,
            request_id=request.id,
            approve=True,
            reason="ok",
            actor="W0001",
            today=TODAY,
        )


def _ask(engine, organisation, *, worker: str, actor: str, module: str = "first_aid"):  # type: ignore[no-untyped-def]
    with Session(engine) as session, session.begin():
        return request_credit(
            session,
            organisation,
            worker=worker,
            module=module,
            learned_on=date(2025, 1, 1),
            evidence="St John Ambulance certificate",
            actor=actor,
            today=TODAY,
        ).id


@pytest.mark.usefixtures("staffed")
def test_only_the_worker_their_manager_or_an_approver_may_ask_for_credit(
    engine,
    organisation,  # type: ignore[no-untyped-def]
) -> None:
    # W0036 (care worker, manager W0004); W0035 is a colleague; W0003 manages another team.
    for actor in ("W0035", "W0003"):
        with pytest.raises(Refused, match=f"{actor} may not request credit for W0036: only the"):
            _ask(engine, organisation, worker="W0036", actor=actor)
    from definitions.errors import NotFound

    with pytest.raises(NotFound, match="no requester with id 'W9999'"):
        _ask(engine, organisation, worker="W0036", actor="W9999")
    assert _ask(engine, organisation, worker="W0036", actor="W0036")
    assert _ask(engine, organisation, worker="W0037", actor="W0005")  # her manager
    assert _ask(engine, organisation, worker="W0035", actor="W0001")  # the workforce lead


@pytest.mark.usefixtures("staffed")
def test_one_open_request_per_module_and_the_decision_is_mailed_to_the_worker(
    engine,
    organisation,  # type: ignore[no-untyped-def]
) -> None:
    from storage.models import OutboxMessage

    first = _ask(engine, organisation, worker="W0036", actor="W0036")
    with pytest.raises(Refused, match=f"already has credit request {first} for first_aid"):
        _ask(engine, organisation, worker="W0036", actor="W0004")
    with Session(engine) as session, session.begin():
        decide_credit(
            session,
            organisation,
            request_id=first,
            approve=True,
            reason="certificate from an approved provider",
            actor="W0001",
            today=TODAY,
            sender_address="workforce@sample-borough.example",
        )
    with pytest.raises(Refused, match="approved on 2026-01-05; one request per module"):
        _ask(engine, organisation, worker="W0036", actor="W0036")
    with Session(engine) as session:
        (mail,) = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "credit_decision")
        ).all()
    assert mail.to_address == "jade.kaur@sample-borough.example"
    assert mail.subject == "Credit approved: First aid at work"
    assert mail.body_text.startswith("Dear Jade Kaur,")
    assert "It counts as done from Wednesday 1 January 2025" in mail.body_text
    assert "The reason given: certificate from an approved provider" in mail.body_text
    assert "W0036" not in mail.body_text and "ladder " not in mail.body_text
