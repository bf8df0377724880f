"""Bad settings, files and databases end the CLI with a clear message, not a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LADDER_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("LADDER_DATABASE_URL", f"sqlite:///{tmp_path / 'ladder.sqlite'}")
    return CliRunner()


def _clean_failure(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return str(result.output)


def test_a_bad_setting_names_the_variable(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LADDER_SMTP_PORT", "abc")
    output = _clean_failure(cli.invoke(app, ["mail", "status"]))
    assert "LADDER_SMTP_PORT" in output


def test_an_unknown_time_zone_is_refused_clearly(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli.invoke(app, ["db", "upgrade"])
    monkeypatch.setenv("LADDER_TIMEZONE", "Mars/Base")
    output = _clean_failure(cli.invoke(app, ["mail", "status"]))
    assert "Mars/Base" in output


def test_importing_a_folder_says_so(cli: CliRunner, tmp_path: Path) -> None:
    cli.invoke(app, ["db", "upgrade"])
    output = _clean_failure(cli.invoke(app, ["import", "workers", str(tmp_path)]))
    assert "nothing was imported" in output


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+psycopg://postgres@127.0.0.1:1/ladder", "cannot open the database"),
        ("foo://nowhere", "not a database URL Ladder can use"),
    ],
)
def test_an_unusable_database_is_named_without_its_password(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, url: str, expected: str
) -> None:
    monkeypatch.setenv("LADDER_DATABASE_URL", url.replace("postgres@", "postgres:s3cret@"))
    output = _clean_failure(cli.invoke(app, ["mail", "status"]))
    assert expected in output
    assert "s3cret" not in output


def test_daily_on_an_unmigrated_database_stops_before_prefect_starts(cli: CliRunner) -> None:
    output = _clean_failure(cli.invoke(app, ["daily", "--as-of", "2026-04-16"]))
    assert "ladder db upgrade" in output


def test_the_command_line_loads_without_prefect() -> None:
    """Only the commands that run a flow import Prefect, after preparing its environment."""
    code = (
        "import sys, flows.cli\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'prefect', 'fastapi'}))"
    )
    root = Path(__file__).resolve().parents[3]
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert found.stdout.strip() == "[]", found.stdout
