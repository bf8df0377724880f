"""`ladder supervision` and what `ladder explain` shows of supervision and training never
done, through the real command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from training_world import (
    staffed,  # noqa: F401  (a fixture, by name)
    write,
)
from typer.testing import CliRunner

from flows.cli import app

pytestmark = pytest.mark.integration


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("LADDER_DATABASE_URL", database_url)
    monkeypatch.setenv("LADDER_DATA_DIR", str(tmp_path))
    for key in ("LADDER_ORGANISATION", "LADDER_TIMEZONE", "LADDER_SENDER_ADDRESS"):
        monkeypatch.delenv(key, raising=False)
    return CliRunner()


@pytest.mark.usefixtures("staffed")
def test_a_supervision_is_recorded_and_explained(cli: CliRunner, tmp_path: Path) -> None:
    record = ["supervision", "record", "W0019", "--on", "2025-11-28", "--by", "W0003"]
    result = cli.invoke(app, [*record, "--notes", "caseload review"])
    assert result.exit_code == 0, result.output
    # A month on is Sunday 28 December; Boxing Day and Christmas Day come before it.
    assert " ".join(result.output.split()) == (
        "W0019: supervision on Friday 28 November 2025 recorded; the next is due by "
        "Wednesday 24 December 2025"
    )
    again = cli.invoke(app, record)
    assert again.exit_code == 0 and "already recorded; nothing changed" in again.output
    refused = cli.invoke(
        app, ["supervision", "record", "W0019", "--on", "2025-11-28", "--by", "W0036"]
    )
    assert refused.exit_code == 1
    assert "W0036 is not W0019's supervisor or manager" in refused.output
    explained = cli.invoke(app, ["explain", "W0019"], env={"COLUMNS": "400"})
    assert explained.exit_code == 0, explained.output
    text = " ".join(explained.output.split())
    assert "Supervision" in text and "every 1 month" in text
    assert "1 held, the last on 2025-11-28 with W0003" in text
    # Data protection, required of a social worker and never done, is an item with its rule.
    assert "(required for your role)" in text
    assert (
        "started as Social worker on 10 January 2018; required within 30 days, so by "
        "9 February 2018"
    ) in text
    log = write(
        tmp_path / "log.csv",
        ["external_id", "held_on", "supervisor_id"],
        [("W0020", "2025-11-20", "W0003")],
    )
    imported = cli.invoke(app, ["supervision", "import", str(log), "--by", "W0001"])
    assert imported.exit_code == 0, imported.output
    assert "log.csv: 1 rows; 1 new supervision record(s)" in imported.output
