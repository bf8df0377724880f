"""The training commands: imports, credit, policy preview, and the training needs a
promotion leaves behind."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from training_world import (
    completions,
    staffed,  # noqa: F401  (a fixture, by name)
)
from typer.testing import CliRunner

from definitions.loader import SAMPLE_ORGANISATION
from flows.cli import app
from storage.models import (
    Event,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("LADDER_DATABASE_URL", database_url)
    monkeypatch.setenv("LADDER_DATA_DIR", str(tmp_path))
    for key in ("LADDER_ORGANISATION", "LADDER_TIMEZONE", "LADDER_SENDER_ADDRESS"):
        monkeypatch.delenv(key, raising=False)
    return CliRunner()


@pytest.mark.usefixtures("staffed")
def test_the_command_line_imports_credits_and_previews(cli: CliRunner, tmp_path: Path) -> None:
    sample = SAMPLE_ORGANISATION / "completions.csv"
    result = cli.invoke(app, ["import", "completions", str(sample)])
    assert result.exit_code == 0, result.output
    assert "completions.csv: 57 rows; 57 new completion(s)" in result.output
    assert "W0031 para_social_worker_curriculum" in result.output
    again = cli.invoke(app, ["import", "completions", str(sample)])
    assert "57 rows; 0 new completion(s)" in again.output
    sessions = cli.invoke(app, ["import", "sessions", str(SAMPLE_ORGANISATION / "sessions.csv")])
    assert sessions.exit_code == 0 and "28 new session(s)" in sessions.output
    request = cli.invoke(
        app,
        [
            "credit",
            "request",
            "W0034",
            "--module",
            "psw_child_protection",
            "--learned-on",
            "2024-06-01",
            "--evidence",
            "certificate",
            "--by",
            "W0034",
        ],
    )
    assert request.exit_code == 0, request.output
    request_id = request.output.split()[2].rstrip(":")
    refused = cli.invoke(app, ["credit", "approve", request_id, "--reason", "ok", "--by", "W0034"])
    assert refused.exit_code == 1 and "credit is decided by a" in refused.output
    approved = cli.invoke(
        app, ["credit", "approve", request_id, "--reason", "certificate seen", "--by", "W0001"]
    )
    assert approved.exit_code == 0 and "approved by W0001" in approved.output
    assert cli.invoke(app, ["policy", "preview"]).output.strip() == "no expiry date would change"
    explain = cli.invoke(app, ["explain", "W0031", "--json", "--as-of", "2026-01-05"])
    import json

    training = json.loads(explain.output)["training"]
    statuses = {c["module"]: c["status"] for c in training["credentials"]}
    assert statuses == {"first_aid": "current", "safeguarding": "current"}
    assert any(
        p["pathway"] == "para_social_worker_curriculum" and p["complete"]
        for p in training["pathways"]
    )
    bad = cli.invoke(
        app,
        [
            "import",
            "completions",
            str(completions(tmp_path / "bad.csv", [("W0031", "nope", "2025-01-01")])),
        ],
    )
    assert bad.exit_code == 1 and "row 2, column module: 'nope' is not a module" in bad.output


@pytest.mark.usefixtures("staffed")
def test_a_promotion_leaves_a_replacement_training_need_for_the_old_team(
    cli: CliRunner,
    tmp_path: Path,
    engine,
    organisation,
    import_roster_file,  # type: ignore[no-untyped-def]
) -> None:
    text = (SAMPLE_ORGANISATION / "roster.csv").read_text()
    promoted = text.replace(
        "W0031,Efa Bowen,efa.bowen@sample-borough.example,para_social_worker,",
        "W0031,Efa Bowen,efa.bowen@sample-borough.example,senior_para_social_worker,",
    ).replace(
        "W0032,Ffion Powell,ffion.powell@sample-borough.example,para_social_worker,",
        "W0032,Ffion Powell,ffion.powell@sample-borough.example,senior_para_social_worker,",
    )
    assert promoted.count("senior_para_social_worker") == 2
    path = tmp_path / "roster.csv"
    path.write_text(promoted)
    import_roster_file(engine, organisation, as_of=date(2026, 2, 1), path=path)
    import_roster_file(engine, organisation, as_of=date(2026, 2, 2), path=path)  # again: no need
    result = cli.invoke(app, ["needs"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 2
    assert lines[0].endswith(
        "2026-02-01, team children-north: train a replacement para_social_worker (W0031 moved "
        "up from Para social worker to Senior para social worker)"
    )
    with Session(engine) as session:
        assert (
            session.scalar(select(func.count()).where(Event.kind == "training.replacement_needed"))
            == 2
        )
    # The next roster shows a care worker of children-north moved into the para post (a move
    # across tracks HR means): that need closes by itself.
    filled = promoted.replace(
        "W0035,Idris Mensah,idris.mensah@sample-borough.example,care_worker,",
        "W0035,Idris Mensah,idris.mensah@sample-borough.example,para_social_worker,",
    )
    path.write_text(filled)
    import_roster_file(
        engine, organisation, as_of=date(2026, 3, 2), path=path, allow_unlisted_move=True
    )
    left = [line for line in cli.invoke(app, ["needs"]).output.splitlines() if line.strip()]
    assert len(left) == 1 and "W0032 moved up" in left[0]
    need = left[0].split(",")[0].removeprefix("need ")
    refused = cli.invoke(app, ["needs", "close", need, "--reason", "hired", "--by", "W0036"])
    assert refused.exit_code == 1 and "only a workforce lead or head of service" in refused.output
    closed = cli.invoke(
        app, ["needs", "close", need, "--reason", "W0042 hired in April", "--by", "W0001"]
    )
    assert closed.exit_code == 0, closed.output
    assert cli.invoke(app, ["needs"]).output.strip() == "no open training needs"
    with Session(engine) as session:
        reasons = sorted(
            e["reason"]
            for e in session.scalars(
                select(Event.payload).where(Event.kind == "training.replacement_need_closed")
            )
        )
    assert reasons == ["W0042 hired in April", "filled by W0035"]
