"""`ladder cpd record` and what `ladder explain` shows of a worker's CPD, through the real
command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from training_world import staffed  # noqa: F401  (a fixture, by name)
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
def test_cpd_is_recorded_against_the_rule_and_explained(cli: CliRunner) -> None:
    # Any past day will do; explain is asked about the same cycle (1 Dec 2025 to 30 Nov 2026).
    record = ["cpd", "record", "W0019", "--on", "2026-03-02", "--title", "Court skills reading"]
    first = cli.invoke(app, [*record, "--hours", "2", "--by", "W0019"])
    assert first.exit_code == 0, first.output
    said = " ".join(first.output.split())
    assert "1 record(s), 0 with peer reflection, 2.0 hours" in said
    assert "still missing: 1 more CPD record(s), 1 more with peer reflection" in said
    refused = cli.invoke(app, [*record, "--by", "W0036"])
    assert refused.exit_code == 1 and "W0036 may not record CPD for W0019" in refused.output
    explained = cli.invoke(
        app, ["explain", "W0019", "--as-of", "2026-06-01"], env={"COLUMNS": "400"}
    )
    assert explained.exit_code == 0, explained.output
    text = " ".join(explained.output.split())
    assert "Registration (Social Work England)" in text
    assert "1 of 2 record(s), 0 of 1 with peer reflection" in text
