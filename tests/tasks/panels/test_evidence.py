"""Evidence on a real database: each item checked before anything is stored, a later version
replacing the earlier, and the preparation day recorded by the manager."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from panel_world import (
    APRIL,
    OBSERVED,
    count,
    rows,
    run,
)

from definitions.errors import BadInput, NotFound, Refused
from storage.models import (
    Evidence,
    Obligation,
)
from tasks.panels.evidence import record_evidence, record_preparation
from tasks.panels.nomination import nominate

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("staff")
def test_evidence_is_checked_before_anything_is_stored(
    engine, organisation, document: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "var"
    run(
        engine,
        organisation,
        nominate,
        worker="W0020",
        panel=APRIL,
        actor="W0004",
        today=date(2026, 2, 2),
    )
    attempt = dict(
        worker="W0020",
        author="W0004",
        dated=date(2026, 2, 16),
        actor="W0004",
        today=date(2026, 2, 16),
        data_dir=data,
        file=document,
    )
    with pytest.raises(
        BadInput,
        match=r"report.pdf \(direct_observation_report\): .*records 2 direct observation\(s\); "
        r"at least 3",
    ):
        run(
            engine,
            organisation,
            record_evidence,
            item="direct_observation_report",
            observations=OBSERVED[:2],
            **attempt,
        )
    keys = organisation.panels.capability_keys
    with pytest.raises(
        BadInput, match="must cover each capability; missing: contexts_and_organisations"
    ):
        run(
            engine,
            organisation,
            record_evidence,
            item="team_manager_report",
            capabilities=tuple(k for k in keys if k != "contexts_and_organisations"),
            **attempt,
        )
    with pytest.raises(
        BadInput,
        match="'reference' is not an item of the evidence pack; use one of: "
        "direct_observation_report",
    ):
        run(engine, organisation, record_evidence, item="reference", **attempt)
    with pytest.raises(Refused, match="read from the training record"):
        run(engine, organisation, record_evidence, item="training_pathway", **attempt)
    with pytest.raises(NotFound, match="no such file"):
        run(
            engine,
            organisation,
            record_evidence,
            item="pe1_evidence",
            **{**attempt, "file": tmp_path / "missing.pdf"},
        )
    with pytest.raises(Refused, match="W0003 is neither W0020 nor their team manager"):
        run(
            engine,
            organisation,
            record_evidence,
            item="pe1_evidence",
            **{**attempt, "actor": "W0003"},
        )
    assert count(engine, Evidence) == 0
    assert not (data / "evidence").exists()
    assert (
        count(engine, Obligation, Obligation.kind == "panel.evidence", Obligation.status == "done")
        == 0
    )
    # A good one is stored under the data folder by its hash, and closes its item.
    run(engine, organisation, record_evidence, item="pe1_evidence", **attempt)
    [stored] = rows(engine, Evidence)
    assert Path(stored.file_path).read_bytes() == document.read_bytes()
    assert Path(stored.file_path).is_relative_to(data / "evidence")
    assert stored.sha256 in {__import__("hashlib").sha256(document.read_bytes()).hexdigest()}
    # A later version replaces it; the earlier row is kept, marked replaced.
    run(
        engine,
        organisation,
        record_evidence,
        item="pe1_evidence",
        **{**attempt, "dated": date(2026, 2, 20), "today": date(2026, 2, 20)},
    )
    assert [e.status for e in rows(engine, Evidence)] == ["replaced", "current"]


@pytest.mark.usefixtures("staff")
def test_the_preparation_day_is_recorded_by_the_manager(engine, organisation) -> None:  # type: ignore[no-untyped-def]
    run(
        engine,
        organisation,
        nominate,
        worker="W0020",
        panel=APRIL,
        actor="W0004",
        today=date(2026, 2, 2),
    )
    run(
        engine,
        organisation,
        record_preparation,
        worker="W0020",
        on=date(2026, 3, 16),
        actor="W0004",
        today=date(2026, 3, 16),
    )
    [prep] = rows(engine, Obligation, Obligation.kind == "panel.preparation")
    assert (prep.status, prep.closed_on) == ("done", date(2026, 3, 16))
    with pytest.raises(Refused, match="already recorded"):
        run(
            engine,
            organisation,
            record_preparation,
            worker="W0020",
            on=date(2026, 3, 17),
            actor="W0004",
            today=date(2026, 3, 17),
        )
