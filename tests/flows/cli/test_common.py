"""Bad settings, files and databases end the CLI with a clear message, not a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from definitions.loader import SAMPLE_ORGANISATION
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


def _usage_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return str(result.output)


@pytest.mark.parametrize(
    ("arguments", "option"),
    [
        (["mail", "status", "--limit", "99999999999999999999"], "--limit"),
        (["mail", "status", "--limit", "0"], "--limit"),
        (["web", "--port", "-1"], "--port"),
        (["web", "--port", "99999"], "--port"),
        (["mail", "sink", "--port", "70000"], "--port"),
    ],
)
def test_a_number_out_of_range_is_a_usage_error(
    cli: CliRunner, arguments: list[str], option: str
) -> None:
    assert option in _usage_error(cli.invoke(app, arguments))


@pytest.mark.parametrize(
    "arguments",
    [
        ["daily", "--as-of", "9999-12-31"],
        ["explain", "W0014", "--as-of", "0001-01-01"],
        [
            "asye", "leave", "W0014", "--from", "2026-05-11", "--to", "9999-12-31",
            "--reason", "sick leave", "--by", "W0004",
        ],
    ],
)  # fmt: skip
def test_a_date_far_outside_a_working_life_is_refused(cli: CliRunner, arguments: list[str]) -> None:
    cli.invoke(app, ["db", "upgrade"])
    output = _clean_failure(cli.invoke(app, arguments))
    assert "outside the dates Ladder works with (1900-01-01 to 2199-12-31)" in output


def test_a_database_url_that_does_not_parse_is_named_as_such(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LADDER_DATABASE_URL", "notaurl")
    output = _clean_failure(cli.invoke(app, ["mail", "status"]))
    assert "LADDER_DATABASE_URL (not a URL) is not a database URL Ladder can use" in output


def test_a_binary_programme_file_is_named(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "organisation"
    shutil.copytree(SAMPLE_ORGANISATION, folder)
    (folder / "training.yaml").write_bytes(b"\x00\x01\xff\xfe not text")
    monkeypatch.setenv("LADDER_ORGANISATION", str(folder))
    output = _clean_failure(cli.invoke(app, ["mail", "status"]))
    assert f"{folder / 'training.yaml'}: not UTF-8 text" in output
    assert "save the file as UTF-8 text" in output


def test_a_fifo_given_as_the_roster_is_refused_without_waiting(
    cli: CliRunner, tmp_path: Path
) -> None:
    cli.invoke(app, ["db", "upgrade"])
    fifo = tmp_path / "roster.csv"
    os.mkfifo(fifo)
    results: list[Any] = []
    # Opening a FIFO blocks until a writer comes: run the import where a hang cannot stall
    # the suite, and fail if it has not finished.
    worker = threading.Thread(
        target=lambda: results.append(cli.invoke(app, ["import", "workers", str(fifo)])),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the import waited on the FIFO"
    output = _clean_failure(results[0])
    assert "not a regular file" in output and "nothing was imported" in output


def test_verify_takes_an_argument_too_long_for_a_file_name(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LADDER_SIGNING_KEY", str(tmp_path / "keys" / "signing-key.pem"))
    cli.invoke(app, ["db", "upgrade"])
    assert cli.invoke(app, ["keys", "init"]).exit_code == 0
    result = cli.invoke(app, ["certificates", "verify", "A" * 10_000])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "NOT GENUINE: no certificate" in result.output
