"""Dated programmes besides the ASYE year: the sample's induction and probation
(definitions/sample/programmes.yaml) for its new starter, W0042 Tomasz Nowak, a care worker
who starts on Monday 2 March 2026 in adults-east under Ella Brennan (W0005).

Induction: first-week meeting at 1 week, data protection at 4 weeks, safeguarding 4 weeks
after that, sign-off at 12 weeks. Probation: review at 3 months, decision at 6."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from definitions.errors import BadInput, Refused
from definitions.items import DueItem, Person
from definitions.organisation import Organisation
from notifications.compose import next_steps
from storage.models import Enrolment, Event, Obligation, Worker
from tasks.programmes.completions import close_completed
from tasks.programmes.decisions import record_outcome
from tasks.programmes.leave import change_leave, record_leave
from tasks.training.completions import record_completions

STARTER = "W0042"
MANAGER = "W0005"


def items(engine: Engine, programme: str, worker: str = STARTER) -> dict[str, Obligation]:
    with Session(engine) as session:
        stmt = (
            select(Obligation)
            .join(Worker, Obligation.subject_id == Worker.id)
            .where(Worker.external_id == worker, Obligation.kind.startswith(f"{programme}."))
            .order_by(Obligation.id)
        )
        found = {o.milestone: o for o in session.scalars(stmt)}  # later (extended) wins
        session.expunge_all()
        return found


def enrolment(engine: Engine, programme: str, worker: str = STARTER) -> Enrolment:
    with Session(engine) as session:
        found = session.scalars(
            select(Enrolment)
            .join(Worker, Enrolment.worker_id == Worker.id)
            .where(Worker.external_id == worker, Enrolment.programme == programme)
        ).one()
        session.expunge_all()
        return found


def record(engine: Engine, organisation: Organisation, **kwargs: Any) -> None:
    values = {
        "worker": STARTER,
        "actor": MANAGER,
        "today": date(2026, 6, 30),
        "programme": "induction",
        **kwargs,
    }
    with Session(engine) as session, session.begin():
        record_outcome(session, organisation, **values)


def complete(engine: Engine, organisation: Organisation, module: str, on: date) -> None:
    with Session(engine) as session, session.begin():
        worker_id = session.scalars(select(Worker.id).where(Worker.external_id == STARTER)).one()
        record_completions(
            session,
            organisation,
            rows=[
                dict(
                    worker_id=worker_id,
                    module=module,
                    completed_on=on,
                    source="import",
                    source_ref="attendance.csv:2",
                )
            ],
            actor="workforce-team",
            today=on,
        )


def close(engine: Engine, organisation: Organisation, as_of: date) -> int:
    with Session(engine) as session, session.begin():
        return close_completed(session, organisation, as_of=as_of)


def test_the_new_starter_is_enrolled_and_staff_here_before_it_began_are_not(
    roster: Engine, organisation: Organisation
) -> None:
    with Session(roster) as session:
        enrolled = session.execute(
            select(Enrolment.programme, Worker.external_id)
            .join(Worker, Enrolment.worker_id == Worker.id)
            .where(Enrolment.programme != "asye")
            .order_by(Enrolment.programme)
        ).all()
    # W0037, a care worker since 2023, is left out: the induction began on 1 January 2026.
    assert [tuple(r) for r in enrolled] == [("induction", STARTER), ("probation", STARTER)]


def test_milestones_are_dated_in_weeks_months_and_from_the_milestone_before(
    roster: Engine,
) -> None:
    induction = items(roster, "induction")
    assert {k: (o.kind, o.due_date, o.responsible_role) for k, o in induction.items()} == {
        "first_week": ("induction.review", date(2026, 3, 9), "manager"),
        "data_protection": ("induction.completion", date(2026, 3, 30), "worker"),
        "safeguarding": ("induction.completion", date(2026, 4, 27), "worker"),
        # 12 weeks is Monday 25 May, the Spring bank holiday: the Friday before.
        "sign_off": ("induction.recommendation", date(2026, 5, 22), "manager"),
    }
    assert induction["first_week"].rule == "1 week after the start on 2 March 2026 is 9 March 2026"
    assert induction["safeguarding"].rule == (
        "4 weeks after the Data protection training (induction) on 30 March 2026 is 27 April 2026"
    )
    assert induction["sign_off"].rule == (
        "12 weeks after the start on 2 March 2026 is 25 May 2026; Monday 25 May 2026 is Spring "
        "Bank Holiday, so it is due the working day before, Friday 22 May 2026"
    )
    probation = items(roster, "probation")
    assert {k: o.due_date for k, o in probation.items()} == {
        "probation_review": date(2026, 6, 2),
        "probation_decision": date(2026, 9, 2),
    }
    assert probation["probation_review"].reminder_policy == "new_starter"


def test_completing_the_module_closes_its_milestone_on_the_day_it_was_done(
    roster: Engine, organisation: Organisation
) -> None:
    assert close(roster, organisation, date(2026, 3, 10)) == 0  # nothing done yet
    complete(roster, organisation, "data_protection", date(2026, 3, 20))
    assert close(roster, organisation, date(2026, 3, 23)) == 1
    assert close(roster, organisation, date(2026, 3, 24)) == 0  # once
    induction = items(roster, "induction")
    assert (induction["data_protection"].status, induction["data_protection"].closed_on) == (
        "done",
        date(2026, 3, 20),
    )
    assert induction["safeguarding"].status == "open"
    assert enrolment(roster, "induction").status == "active"


def test_the_induction_is_finished_when_nothing_is_left_open(
    roster: Engine, organisation: Organisation
) -> None:
    record(
        roster, organisation, milestone="first_week", outcome="held", occurred_on=date(2026, 3, 6)
    )
    complete(roster, organisation, "data_protection", date(2026, 3, 20))
    complete(roster, organisation, "safeguarding", date(2026, 4, 14))
    assert close(roster, organisation, date(2026, 4, 15)) == 2
    assert enrolment(roster, "induction").status == "active"  # the sign-off is still owed
    record(
        roster, organisation, milestone="sign_off", outcome="pass", occurred_on=date(2026, 5, 21)
    )
    finished = enrolment(roster, "induction")
    assert (finished.status, finished.outcome, finished.completed_on) == (
        "completed",
        "pass",
        date(2026, 5, 21),
    )
    assert enrolment(roster, "probation").status == "active"  # a programme of its own


def test_a_sign_off_needs_the_review_before_it_or_a_reason(
    roster: Engine, organisation: Organisation
) -> None:
    with pytest.raises(Refused, match="First-week induction meeting is not recorded yet"):
        record(
            roster,
            organisation,
            milestone="sign_off",
            outcome="pass",
            occurred_on=date(2026, 5, 21),
        )
    record(
        roster,
        organisation,
        milestone="sign_off",
        outcome="pass",
        occurred_on=date(2026, 5, 21),
        override="met in week one but it was never written down",
    )
    assert items(roster, "induction")["sign_off"].status == "done"


def test_extending_the_induction_dates_the_sign_off_again_later(
    roster: Engine, organisation: Organisation
) -> None:
    record(
        roster, organisation, milestone="first_week", outcome="held", occurred_on=date(2026, 3, 6)
    )
    record(
        roster,
        organisation,
        milestone="sign_off",
        outcome="extend",
        occurred_on=date(2026, 5, 21),
        extend_months=1,
    )
    again = items(roster, "induction")["sign_off"]
    # 12 weeks (25 May) + 1 month = Thursday 25 June 2026
    assert (again.status, again.due_date) == ("open", date(2026, 6, 25))
    assert again.rule == (
        "12 weeks and 1 month after the start on 2 March 2026 is 25 June 2026 (extended by 1 month)"
    )
    assert again.source.endswith(":extended:1")
    with Session(roster) as session:
        kinds = list(session.scalars(select(Event.kind).where(Event.kind.like("induction.%"))))
    assert "induction.extended" in kinds and "induction.recommendation_recorded" in kinds


def test_an_outcome_the_programme_does_not_have_is_refused(
    roster: Engine, organisation: Organisation
) -> None:
    with pytest.raises(BadInput, match="use one of pass, extend"):
        record(
            roster,
            organisation,
            milestone="sign_off",
            outcome="fail",
            occurred_on=date(2026, 5, 21),
            override="x",
        )


def test_only_the_manager_or_a_role_the_programme_names_may_record(
    roster: Engine, organisation: Organisation
) -> None:
    with pytest.raises(Refused, match="nor a workforce_lead or hr_advisor") as caught:
        record(
            roster,
            organisation,
            programme="probation",
            milestone="probation_review",
            outcome="on_track",
            occurred_on=date(2026, 6, 1),
            actor=STARTER,  # the worker themselves
        )
    assert STARTER in str(caught.value)
    # Mina Haddad (W0039), an HR advisor: probation's recorded_by lets her record for anyone.
    record(
        roster,
        organisation,
        programme="probation",
        milestone="probation_review",
        outcome="on_track",
        occurred_on=date(2026, 6, 1),
        actor="W0039",
    )
    assert items(roster, "probation")["probation_review"].status == "done"


def test_a_worker_not_on_the_programme_is_told_why(
    roster: Engine, organisation: Organisation
) -> None:
    with pytest.raises(Refused, match="W0037 is not on the induction: it is for those who started"):
        record(
            roster,
            organisation,
            worker="W0037",
            milestone="first_week",
            outcome="held",
            occurred_on=date(2026, 3, 6),
        )


def test_leave_pauses_the_induction_and_cancelling_it_dates_it_back(
    roster: Engine, organisation: Organisation
) -> None:
    with Session(roster) as session, session.begin():
        moved = record_leave(
            session,
            organisation,
            worker=STARTER,
            start=date(2026, 3, 16),
            end=date(2026, 3, 29),
            reason="sickness",
            actor=MANAGER,
            today=date(2026, 3, 30),
            programme="induction",
        )
    # 14 days of leave: what falls after it moves back 14 days; the first week does not.
    assert [(k, new) for k, _, new in moved] == [
        ("data_protection", date(2026, 4, 13)),
        ("safeguarding", date(2026, 5, 11)),
        ("sign_off", date(2026, 6, 8)),  # 25 May + 14 days; no holiday to move it now
    ]
    assert items(roster, "probation")["probation_review"].due_date == date(2026, 6, 2)
    with Session(roster) as session, session.begin():
        change_leave(
            session,
            organisation,
            worker=STARTER,
            was=date(2026, 3, 16),
            start=None,
            end=None,
            actor=MANAGER,
            today=date(2026, 3, 30),
            cancel=True,
            programme="induction",
        )
    assert items(roster, "induction")["data_protection"].due_date == date(2026, 3, 30)


def _item(organisation: Organisation, kind: str, milestone: str, title: str, role: str) -> DueItem:
    tomasz = Person(42, STARTER, "Tomasz Nowak", "tomasz.nowak@sample-borough.example")
    ella = Person(5, MANAGER, "Ella Brennan", "ella.brennan@sample-borough.example")
    return DueItem(
        obligation_id=1,
        kind=kind,
        milestone=milestone,
        title=title,
        due_date=date(2026, 3, 30),
        reminder_policy="new_starter",
        responsible_role=role,
        rule="",
        subject=tomasz,
        manager=ella,
        assessor=ella,
    )


@pytest.mark.parametrize("reader", ["worker", "manager", "workforce_lead"])
def test_induction_reminders_speak_of_the_induction_not_the_asye(
    organisation: Organisation, reader: str
) -> None:
    voice = organisation.voice
    for kind, milestone, title, role in (
        ("induction.review", "first_week", "First-week induction meeting", "manager"),
        ("induction.completion", "data_protection", "Data protection training", "worker"),
        ("induction.recommendation", "sign_off", "Induction sign-off", "manager"),
        ("probation.review", "probation_review", "3-month probation review", "manager"),
    ):
        item = _item(organisation, kind, milestone, title, role)
        text = " ".join(next_steps(reader, item, date(2026, 4, 2), voice))
        assert text, (kind, reader)
        for asye_word in ("ASYE", "NQSW", "PCF", "assessor", "critical reflection"):
            assert asye_word not in text, (kind, reader, text)
        assert "ladder " not in text  # no command lines for people who read mail


def test_a_milestone_speaks_in_the_organisations_own_words_where_it_gives_them(
    organisation: Organisation,
) -> None:
    item = _item(organisation, "induction.review", "first_week", "First-week meeting", "manager")
    voice = organisation.voice
    assert next_steps("manager", item, date(2026, 3, 2), voice) == [
        "meet Tomasz Nowak in their first week and go through their induction plan",
        "tell the workforce development team when you have met; they record it in Ladder",
    ]
    late = _item(organisation, "induction.completion", "data_protection", "Data", "worker")
    # Overdue and escalated: the manager is asked to make time, the worker to do it.
    assert next_steps("manager", late, date(2026, 4, 2), voice)[0] == (
        "make sure Tomasz Nowak has the time to complete this training"
    )
    assert next_steps("worker", late, date(2026, 4, 2), voice)[0].startswith(
        "complete this training by the due date"
    )
