"""Nomination on a real database: the evidence pack becomes items due at the deadline, and
only the team manager nominates an eligible social worker, once."""

from __future__ import annotations

from datetime import date

import pytest
from panel_world import (
    APRIL,
    JULY,
    count,
    nominated,
    rows,
    run,
)

from definitions.errors import NotFound, Refused
from storage.models import (
    Candidacy,
    Obligation,
)
from tasks.panels.nomination import nominate

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("staff")
def test_nomination_turns_the_evidence_pack_into_items_due_at_the_deadline(
    engine, organisation
) -> None:  # type: ignore[no-untyped-def]
    run(
        engine,
        organisation,
        nominate,
        worker="W0020",
        panel=APRIL,
        actor="W0004",
        today=date(2026, 2, 2),
    )
    made = rows(engine, Obligation, Obligation.kind.like("panel.%"))
    evidence = {o.milestone: o for o in made if o.kind == "panel.evidence"}
    assert sorted(evidence) == sorted(i.key for i in organisation.panels.evidence_pack)
    assert {o.due_date for o in evidence.values()} == {date(2026, 4, 2)}
    assert evidence["social_worker_report"].rule == (
        "the evidence pack is due at the submission deadline: 14 days before the panel on Monday "
        "20 April 2026 is Monday 6 April 2026; Good Friday, Saturday, Sunday and Easter Monday are "
        "not working days, so the deadline is the working day before them, Thursday 2 April 2026"
    )
    assert evidence["social_worker_report"].responsible_role == "worker"
    assert evidence["team_manager_report"].responsible_role == "manager"
    prep = next(o for o in made if o.kind == "panel.preparation")
    # Ten days before Thursday 2 April is Monday 23 March; the manager gives the day.
    assert (prep.due_date, prep.responsible_role) == (date(2026, 3, 23), "manager")
    # The pathway of W0019 is complete already: nominating ticks it off at once.
    nominated(engine, organisation)
    pathway = rows(engine, Obligation, Obligation.milestone == "training_pathway")
    assert [o.status for o in pathway] == ["open", "done"]


@pytest.mark.usefixtures("staff")
def test_only_the_team_manager_nominates_a_social_worker_once(engine, organisation) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Refused, match="W0004 is not W0019's team manager"):
        run(
            engine,
            organisation,
            nominate,
            worker="W0019",
            panel=APRIL,
            actor="W0004",
            today=date(2026, 2, 2),
        )
    with pytest.raises(
        Refused,
        match="W0011 is a nqsw; the Progression to senior social worker is for social_worker",
    ):
        run(
            engine,
            organisation,
            nominate,
            worker="W0011",
            panel=APRIL,
            actor="W0003",
            today=date(2026, 2, 2),
        )
    with pytest.raises(
        NotFound, match=r"no panel meets on 2026-04-21; scheduled: 2026-01-19, 2026-04-20"
    ):
        run(
            engine,
            organisation,
            nominate,
            worker="W0019",
            panel=date(2026, 4, 21),
            actor="W0003",
            today=date(2026, 2, 2),
        )
    with pytest.raises(Refused, match="deadline for the panel on 2026-04-20 was 2026-04-02"):
        run(
            engine,
            organisation,
            nominate,
            worker="W0019",
            panel=APRIL,
            actor="W0003",
            today=date(2026, 4, 3),
        )
    nominated(engine, organisation)
    with pytest.raises(Refused, match="already a candidate for the panel on 2026-04-20"):
        run(
            engine,
            organisation,
            nominate,
            worker="W0019",
            panel=JULY,
            actor="W0003",
            today=date(2026, 2, 3),
        )
    assert count(engine, Candidacy) == 1
