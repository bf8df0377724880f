"""CPD for registration renewal: one item per registered worker per cycle, closed once their
records meet the rule; only the worker, their manager or a lead may record."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from definitions.errors import BadInput, NotFound, Refused
from storage.models import Obligation, Worker
from tasks.registration.cpd import ensure_cpd_items, record_cpd

pytestmark = pytest.mark.integration

TODAY = date(2026, 9, 10)


def items(engine, worker: str) -> list[Obligation]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        found = list(
            session.scalars(
                select(Obligation)
                .join(Worker, Worker.id == Obligation.subject_id)
                .where(Worker.external_id == worker, Obligation.kind == "registration.cpd")
                .order_by(Obligation.id)
            )
        )
        session.expunge_all()
        return found


def cycle(engine, organisation, on: date) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session, session.begin():
        return ensure_cpd_items(session, organisation, as_of=on)


def cpd(engine, organisation, **kw):  # type: ignore[no-untyped-def]
    values = (
        dict(
            worker="W0019",
            done_on=date(2026, 3, 4),
            title="Reflective log: court work",
            hours=1.5,
            peer_reflection=False,
            by="W0019",
            today=TODAY,
        )
        | kw
    )
    with Session(engine) as session, session.begin():
        return record_cpd(session, organisation, **values)


@pytest.mark.usefixtures("staffed")
def test_each_registered_worker_has_one_item_a_cycle(engine, organisation) -> None:  # type: ignore[no-untyped-def]
    added = cycle(engine, organisation, date(2026, 1, 5))
    assert added > 0
    (item,) = items(engine, "W0019")
    assert item.due_date == date(2026, 11, 30) and item.status == "open"
    assert item.responsible_role == "worker" and item.reminder_policy == "registration"
    assert items(engine, "W0036") == []  # a care worker does not register here
    assert cycle(engine, organisation, date(2026, 6, 1)) == 0
    # The next cycle begins on 1 December: a new item, due 30 November 2027.
    assert cycle(engine, organisation, date(2026, 12, 1)) == added
    assert [o.due_date for o in items(engine, "W0019")] == [date(2026, 11, 30), date(2027, 11, 30)]


@pytest.mark.usefixtures("staffed")
def test_the_item_closes_once_the_records_meet_the_rule(engine, organisation) -> None:  # type: ignore[no-untyped-def]
    cycle(engine, organisation, date(2026, 1, 5))
    first = cpd(engine, organisation)
    assert first.new and not first.met
    assert first.missing == ["1 more CPD record(s)", "1 more with peer reflection"]
    assert items(engine, "W0019")[0].status == "open"
    again = cpd(engine, organisation)
    assert not again.new and again.progress.records == 1
    # Last cycle's CPD does not count for this one.
    old = cpd(engine, organisation, done_on=date(2025, 11, 20), title="Old", peer_reflection=True)
    assert old.progress.cycle_end == date(2025, 11, 30)
    done = cpd(
        engine,
        organisation,
        done_on=date(2026, 9, 8),
        title="Peer case review",
        peer_reflection=True,
        by="W0003",
    )
    assert done.met and done.missing == []
    (item,) = items(engine, "W0019")
    assert item.status == "done" and item.closed_on == date(2026, 9, 8)


@pytest.mark.usefixtures("staffed")
def test_only_the_worker_their_manager_or_a_lead_may_record(engine, organisation) -> None:  # type: ignore[no-untyped-def]
    cycle(engine, organisation, date(2026, 1, 5))
    with pytest.raises(Refused, match="W0020 may not record CPD for W0019: only the worker"):
        cpd(engine, organisation, by="W0020")
    with pytest.raises(NotFound, match="no recorder with id 'W9999'"):
        cpd(engine, organisation, by="W9999")
    with pytest.raises(Refused, match="not a role that registers with Social Work England"):
        cpd(engine, organisation, worker="W0036", by="W0036")
    with pytest.raises(BadInput, match="in the future"):
        cpd(engine, organisation, done_on=date(2026, 9, 11))
    assert cpd(engine, organisation, by="W0001").new  # the workforce lead
