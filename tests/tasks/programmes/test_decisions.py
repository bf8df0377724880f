"""Recording ASYE reviews and decisions against a real database.

The sample roster's W0014 Nadia Nowak starts on Saturday 2026-01-31; her manager W0006
assesses her (no assessor column). Her milestones, counted in calendar months from the
start (month ends clamp) and moved to the previous working day (England):

    review_3              2026-04-30 Thu  (no 31 April: month end)
    review_6              2026-07-31 Fri
    review_9              2026-10-31 Sat -> Fri 2026-10-30
    final_recommendation  2026-12-31 Thu
    assessor_report       2027-01-31 Sun -> Fri 2027-01-29

W0011 Kiran Shah starts 2025-09-01, manager W0003, assessor W0007. W0019 is a social
worker; W0001 the workforce lead; W0002 the head of service.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from asye_world import TODAY, W0014_DUE, events, obligations, record, state, worker_id
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from definitions.errors import BadInput, LadderError, Refused
from definitions.organisation import Organisation
from storage.models import Enrolment, Event, Obligation

pytestmark = pytest.mark.integration


# --- recording outcomes ------------------------------------------------------------------------


def test_sample_due_dates_for_w0014_are_as_worked_out_by_hand(roster: Engine) -> None:
    assert {k: o.due_date for k, o in obligations(roster).items()} == W0014_DUE
    assert obligations(roster)["review_3"].rule == (
        "3 calendar months after the start on 31 January 2026 is 30 April 2026, the last day of "
        "April, which has only 30 days"
    )


def test_recording_a_review_closes_its_obligation_and_writes_one_event(
    roster: Engine, organisation: Organisation
) -> None:
    before = len(events(roster))

    result = record(roster, organisation, notes="good start")

    assert result.worker == "W0014"
    assert result.outcome == "on_track"
    assert result.due_date == date(2026, 4, 30)
    assert result.occurred_on == date(2026, 4, 29)
    assert result.days_late == 0
    new = events(roster)[before:]
    assert len(new) == 1
    (event,) = new
    assert event.id == result.event_id
    assert event.kind == "asye.review_recorded"
    assert event.actor == "W0006"
    assert event.occurred_on == date(2026, 4, 29)
    assert event.subject_id == worker_id(roster, "W0014")
    assert event.payload["outcome"] == "on_track"
    assert event.payload["milestone"] == "review_3"
    assert event.payload["notes"] == "good start"
    review = obligations(roster)["review_3"]
    assert event.obligation_id == review.id
    assert (review.status, review.closed_on, review.closed_by_event_id) == (
        "done",
        date(2026, 4, 29),
        event.id,
    )
    others = [o for k, o in obligations(roster).items() if k != "review_3"]
    assert {o.status for o in others} == {"open"}


def test_a_late_review_counts_the_days_after_it_was_due(
    roster: Engine, organisation: Organisation
) -> None:
    result = record(roster, organisation, occurred_on=date(2026, 5, 5), today=date(2026, 5, 6))
    assert result.days_late == 5  # due Thursday 30 April, recorded Tuesday 5 May


def test_the_same_milestone_is_recorded_once(roster: Engine, organisation: Organisation) -> None:
    record(roster, organisation)
    after_first = state(roster)

    with pytest.raises(Refused, match="recorded once"):
        record(roster, organisation, outcome="concerns", occurred_on=date(2026, 4, 30))

    assert state(roster) == after_first
    assert obligations(roster)["review_3"].closed_on == date(2026, 4, 29)
    assert [e.payload["outcome"] for e in events(roster, "asye.review_recorded")] == ["on_track"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"outcome": "great"}, "not an outcome", id="invalid-outcome"),
        pytest.param(
            {"milestone": "final_recommendation", "outcome": "on_track"},
            "not an outcome",
            id="review-outcome-for-a-recommendation",
        ),
        pytest.param({"milestone": "review_4"}, "no ASYE milestone 'review_4'", id="milestone"),
        pytest.param({"actor": "W0019"}, "neither", id="social-worker-recorder"),
        pytest.param({"actor": "W0014"}, "neither", id="nqsw-records-own-review"),
        pytest.param({"actor": "W0007"}, "neither", id="another-nqsws-assessor"),
        pytest.param({"actor": "NOPE"}, "no recorder with id 'NOPE'", id="unknown-recorder"),
        pytest.param({"worker": "NOPE"}, "no worker with id 'NOPE'", id="unknown-worker"),
        pytest.param(
            {"worker": "W0019"},
            "not on the ASYE: their role is social_worker",
            id="worker-not-on-asye",
        ),
        pytest.param(
            {"occurred_on": date(2026, 5, 2), "today": date(2026, 5, 1)}, "future", id="future"
        ),
        pytest.param(
            {"occurred_on": date(2026, 1, 30)}, "before the ASYE started", id="before-start"
        ),
    ],
)
def test_a_decision_that_cannot_be_recorded_writes_nothing(
    roster: Engine, organisation: Organisation, changes: dict[str, Any], message: str
) -> None:
    before = state(roster)

    with pytest.raises(LadderError, match=message):
        record(roster, organisation, **changes)

    assert state(roster) == before


def test_a_decision_on_the_asye_start_day_and_on_today_is_accepted(
    roster: Engine, organisation: Organisation
) -> None:
    first = record(roster, organisation, occurred_on=date(2026, 1, 31))
    second = record(roster, organisation, milestone="review_6", occurred_on=TODAY, today=TODAY)
    assert (first.occurred_on, second.occurred_on) == (date(2026, 1, 31), TODAY)


@pytest.mark.parametrize(
    "actor",
    [
        pytest.param("W0007", id="assessor"),
        pytest.param("W0003", id="manager"),
        pytest.param("W0001", id="workforce-lead"),
        pytest.param("W0002", id="head-of-service"),
    ],
)
def test_assessor_manager_and_deciders_may_record_for_w0011(
    roster: Engine, organisation: Organisation, actor: str
) -> None:
    record(roster, organisation, worker="W0011", actor=actor, occurred_on=date(2025, 12, 1))

    (event,) = events(roster, "asye.review_recorded")
    assert event.actor == actor
    assert obligations(roster, "W0011")["review_3"].status == "done"


def test_the_workforce_lead_may_record_for_anyone(
    roster: Engine, organisation: Organisation
) -> None:
    for worker in ("W0011", "W0014", "W0017"):
        record(roster, organisation, worker=worker, actor="W0001", occurred_on=TODAY)
    assert [e.actor for e in events(roster, "asye.review_recorded")] == ["W0001"] * 3


def test_who_may_record_for_anyone_is_the_organisations_choice(
    roster: Engine, organisation: Organisation
) -> None:
    from definitions.organisation import DecisionRights

    # An organisation whose service managers, not its workforce lead, decide for anyone.
    ladder = organisation.ladder.model_copy(
        update={"decided_by": DecisionRights(asye=("service_manager",))}
    )
    own = organisation.model_copy(update={"ladder": ladder})
    record(roster, own, worker="W0011", actor="W0040", occurred_on=TODAY)
    assert [e.actor for e in events(roster, "asye.review_recorded")] == ["W0040"]
    with pytest.raises(Refused) as refused:
        record(roster, own, worker="W0014", actor="W0001", occurred_on=TODAY)
    assert "nor a service_manager; ask one of them" in str(refused.value)


def _reviews(roster: Engine, organisation: Organisation, *keys: str) -> None:
    for key, on in (
        ("review_3", date(2025, 12, 1)),
        ("review_6", date(2026, 2, 27)),
        ("review_9", date(2026, 6, 1)),
    ):
        if key in keys:
            record(
                roster,
                organisation,
                worker="W0011",
                milestone=key,
                actor="W0007",
                occurred_on=on,
                today=date(2026, 8, 3),
            )


def test_the_final_recommendation_sets_the_enrolment_outcome(
    roster: Engine, organisation: Organisation
) -> None:
    _reviews(roster, organisation, "review_3", "review_6", "review_9")
    # W0011: start 2025-09-01 + 11 months = Saturday 2026-08-01 -> Friday 2026-07-31
    result = record(
        roster,
        organisation,
        worker="W0011",
        milestone="final_recommendation",
        outcome="pass",
        actor="W0007",
        occurred_on=date(2026, 7, 30),
        today=date(2026, 8, 3),
    )

    assert result.due_date == date(2026, 7, 31)
    (event,) = events(roster, "asye.recommendation_recorded")
    assert event.payload["outcome"] == "pass"
    with Session(roster) as session:
        enrolment = session.scalars(
            select(Enrolment).where(Enrolment.worker_id == worker_id(roster, "W0011"))
        ).one()
    assert (enrolment.outcome, enrolment.status) == ("pass", "active")


def test_the_assessor_report_completes_the_enrolment(
    roster: Engine, organisation: Organisation
) -> None:
    # W0011: start 2025-09-01 + 12 months = Tuesday 2026-09-01
    result = record(
        roster,
        organisation,
        worker="W0011",
        milestone="assessor_report",
        outcome="submitted",
        actor="W0007",
        occurred_on=date(2026, 9, 1),
        today=date(2026, 9, 1),
    )

    assert result.due_date == date(2026, 9, 1)
    assert len(events(roster, "asye.report_recorded")) == 1
    with Session(roster) as session:
        status = session.scalars(
            select(Enrolment.status).where(Enrolment.worker_id == worker_id(roster, "W0011"))
        ).one()
    assert status == "completed"


def test_a_lost_race_rolls_back_the_event(
    roster: Engine, organisation: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When someone else closed the obligation in between, the event written first goes too."""
    import tasks.programmes.decisions

    monkeypatch.setattr(tasks.programmes.decisions, "close_obligation", lambda *a, **k: False)
    before = state(roster)

    with pytest.raises(Refused, match="recorded once"):
        record(roster, organisation)

    assert state(roster) == before


# --- the history is append-only ----------------------------------------------------------------


def test_an_event_cannot_be_updated(roster: Engine) -> None:
    before = [(e.id, e.kind, e.actor, e.payload) for e in events(roster)]

    with pytest.raises(DBAPIError, match="append-only"), roster.begin() as conn:
        conn.execute(update(Event).values(actor="someone-else"))

    assert [(e.id, e.kind, e.actor, e.payload) for e in events(roster)] == before


def test_an_event_cannot_be_deleted(roster: Engine) -> None:
    before = [e.id for e in events(roster)]
    assert before

    with pytest.raises(DBAPIError, match="append-only"), roster.begin() as conn:
        conn.execute(delete(Event).where(Event.id == before[0]))

    assert [e.id for e in events(roster)] == before


def test_an_orm_change_to_an_event_is_refused_too(roster: Engine) -> None:
    with (
        pytest.raises(DBAPIError, match="append-only"),
        Session(roster) as session,
        session.begin(),
    ):
        event = session.scalars(select(Event).order_by(Event.id)).first()
        assert event is not None
        event.payload = {"rewritten": True}

    assert all("rewritten" not in e.payload for e in events(roster))


# --- known bugs --------------------------------------------------------------------------------


def test_an_assessor_named_in_a_later_roster_may_record_the_review(
    roster: Engine, organisation: Organisation, import_roster_file: Any, tmp_path: Any
) -> None:
    import csv

    from definitions.loader import SAMPLE_ORGANISATION

    with (SAMPLE_ORGANISATION / "roster.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header, rows = list(reader.fieldnames or []), list(reader)
    for row in rows:
        if row["external_id"] == "W0014":
            row["assessor_id"] = "W0010"  # Jonah Adeyemi, practice educator, adults-west
    path = tmp_path / "roster.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    import_roster_file(roster, organisation, as_of=date(2026, 2, 1), path=path)

    record(roster, organisation, actor="W0010")

    assert obligations(roster)["review_3"].status == "done"


def test_a_final_recommendation_needs_the_reviews_or_a_reason_to_go_without(
    roster: Engine, organisation: Organisation
) -> None:
    _reviews(roster, organisation, "review_3")
    before = state(roster)
    final = dict(
        worker="W0011",
        milestone="final_recommendation",
        outcome="pass",
        actor="W0007",
        occurred_on=date(2026, 7, 30),
        today=date(2026, 8, 3),
    )
    with pytest.raises(
        Refused, match="6-month ASYE review, 9-month ASYE review are not recorded yet"
    ):
        record(roster, organisation, **final)
    assert state(roster) == before
    record(roster, organisation, **final, override="reviews held on paper; moderator agreed")
    (event,) = events(roster, "asye.recommendation_recorded")
    assert event.payload["override"] == "reviews held on paper; moderator agreed"


def test_extend_dates_the_recommendation_and_report_again_later(
    roster: Engine, organisation: Organisation
) -> None:
    _reviews(roster, organisation, "review_3", "review_6", "review_9")
    extended = dict(
        worker="W0011",
        milestone="final_recommendation",
        outcome="extend",
        actor="W0007",
        occurred_on=date(2026, 7, 30),
        today=date(2026, 8, 3),
    )
    with pytest.raises(BadInput, match="--extend-months goes with the outcome extend"):
        record(roster, organisation, **{**extended, "outcome": "pass"}, extend_months=2)
    record(roster, organisation, **extended)  # the programme's 3 months
    with Session(roster) as session:
        items = session.scalars(
            select(Obligation)
            .where(Obligation.subject_id == worker_id(roster, "W0011"))
            .where(Obligation.milestone.in_(("final_recommendation", "assessor_report")))
            .order_by(Obligation.id)
        ).all()
        enrolment = session.scalars(
            select(Enrolment).where(Enrolment.worker_id == worker_id(roster, "W0011"))
        ).one()
    assert enrolment.extended_months == 3
    first, report, again = items
    assert (first.status, first.milestone) == ("done", "final_recommendation")
    # 2025-09-01 + 14 months = Sunday 2026-11-01, so Friday 30 October.
    assert (again.status, again.due_date) == ("open", date(2026, 10, 30))
    assert again.rule == (
        "14 calendar months after the start on 1 September 2025 is 1 November 2026 (extended by "
        "3 months); 1 November 2026 is a Sunday, so it is due the working day before, "
        "Friday 30 October 2026"
    )
    # The report: 15 months, Monday 2026-12-01.
    assert (report.status, report.due_date) == ("open", date(2026, 12, 1))
    (event,) = events(roster, "asye.extended")
    assert event.payload["months"] == 3
    # The later recommendation is recorded on the new item.
    result = record(
        roster,
        organisation,
        **{
            **extended,
            "outcome": "pass",
            "occurred_on": date(2026, 10, 29),
            "today": date(2026, 10, 29),
        },
    )
    assert result.due_date == date(2026, 10, 30)
