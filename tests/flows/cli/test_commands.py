"""The `ladder` command line, run in-process with Typer's CliRunner against a real database.

Decisions on the command line take the organisation's today() as the latest allowed date;
the dates used here (April 2026) are in the past, so the tests hold on any later day.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from definitions.loader import SAMPLE_ORGANISATION
from flows.cli import app

pytestmark = pytest.mark.integration

SAMPLE_ROSTER = SAMPLE_ORGANISATION / "roster.csv"
REVIEW = [
    "asye", "review", "W0014", "--milestone", "review_3", "--outcome", "on_track",
    "--by", "W0006", "--on", "2026-04-29",
]  # fmt: skip


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Iterator[CliRunner]:
    monkeypatch.setenv("LADDER_DATABASE_URL", database_url)
    monkeypatch.setenv("LADDER_DATA_DIR", str(tmp_path))
    for key in ("LADDER_ORGANISATION", "LADDER_TIMEZONE", "LADDER_SENDER_ADDRESS"):
        monkeypatch.delenv(key, raising=False)
    yield CliRunner()
    from tasks.runtime import dispose_runtimes

    dispose_runtimes()


def run(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(app, list(args), catch_exceptions=False)


def flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())


def imported(cli: CliRunner) -> None:
    result = run(cli, "import", "workers", str(SAMPLE_ROSTER))
    assert result.exit_code == 0, result.output


def explain_json(cli: CliRunner, *args: str) -> dict[str, object]:
    result = run(cli, "explain", "W0014", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def obligation(data: dict[str, object], milestone: str) -> dict[str, object]:
    items = data["obligations"]
    assert isinstance(items, list)
    return next(o for o in items if o["milestone"] == milestone)


def test_db_upgrade_reports_an_up_to_date_database(cli: CliRunner) -> None:
    result = run(cli, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "database is up to date" in result.stdout


def test_commands_on_an_unmigrated_database_say_to_upgrade(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LADDER_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.sqlite'}")

    result = run(cli, "mail", "status")

    assert result.exit_code == 1
    assert "ladder db upgrade" in flat(result.stderr)
    assert run(cli, "db", "upgrade").exit_code == 0
    assert run(cli, "mail", "status").exit_code == 0


def test_asye_enrol_names_the_ids_it_cannot_find_and_enrols_no_one_twice(cli: CliRunner) -> None:
    imported(cli)
    unknown = run(cli, "asye", "enrol", "ZED", "W0014", "NOPE")
    assert unknown.exit_code == 1
    assert "no worker with id NOPE, ZED in Ladder" in flat(unknown.stderr)
    again = run(cli, "asye", "enrol", "W0014", "W0014")  # enrolled by the import already
    assert again.exit_code == 0, again.output
    assert "enrolled 0: nobody new" in flat(again.stdout)


def test_import_workers_prints_the_counts(cli: CliRunner) -> None:
    result = run(cli, "import", "workers", str(SAMPLE_ROSTER))

    assert result.exit_code == 0, result.output
    assert (
        "roster.csv: 42 rows; 42 new, 0 updated, 0 unchanged; "
        "enrolled: 8 in ASYE, 1 in induction, 1 in probation"
    ) in flat(result.stdout)
    again = run(cli, "import", "workers", str(SAMPLE_ROSTER))
    assert again.exit_code == 0, again.output
    assert "42 rows; 0 new, 0 updated, 42 unchanged; nobody new enrolled" in flat(again.stdout)


def test_import_of_a_bad_file_exits_1_and_names_the_row_and_column(
    cli: CliRunner, tmp_path: Path
) -> None:
    with SAMPLE_ROSTER.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[14][rows[0].index("start_date")] = "31/02/2026"  # W0014, spreadsheet row 15
    bad = tmp_path / "bad-roster.csv"
    with bad.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)

    result = run(cli, "import", "workers", str(bad))

    assert result.exit_code == 1
    message = flat(result.stderr)
    assert "bad-roster.csv row 15, column start_date" in message
    assert "nothing was imported" in message
    assert "31/02/2026" in message
    # nothing was imported: W0014 is unknown
    assert run(cli, "explain", "W0014").exit_code == 1


def test_import_of_a_missing_file_exits_1(cli: CliRunner, tmp_path: Path) -> None:
    result = run(cli, "import", "workers", str(tmp_path / "nope.csv"))
    assert result.exit_code == 1
    assert "file not found" in flat(result.stderr)


def test_a_review_is_recorded_once(cli: CliRunner) -> None:
    imported(cli)

    first = run(cli, *REVIEW)
    assert first.exit_code == 0, first.output
    assert "recorded review_3 for W0014: on_track on 2026-04-29" in flat(first.stdout)

    second = run(cli, *REVIEW)
    assert second.exit_code == 1
    assert "recorded once" in flat(second.stderr)


def test_a_review_by_someone_who_may_not_record_it_exits_1(cli: CliRunner) -> None:
    imported(cli)
    args = [a if a != "W0006" else "W0019" for a in REVIEW]

    result = run(cli, *args)

    assert result.exit_code == 1
    assert "W0019 is neither W0014's assessor nor their manager" in flat(result.stderr)


def test_a_review_date_that_is_not_iso_exits_1(cli: CliRunner) -> None:
    imported(cli)
    args = [*REVIEW[:-1], "29/04/2026"]

    result = run(cli, *args)

    assert result.exit_code == 1
    assert "--on '29/04/2026' is not a date; use YYYY-MM-DD" in flat(result.stderr)


def test_explain_json_gives_the_due_date_and_the_rule_behind_it(cli: CliRunner) -> None:
    imported(cli)

    before = explain_json(cli, "--as-of", "2026-05-01")
    review = obligation(before, "review_3")
    assert before["as_of"] == "2026-05-01"
    assert before["worker"]["id"] == "W0014"  # type: ignore[index]
    assert before["worker"]["manager"] == "W0006"  # type: ignore[index]
    assert review["due_date"] == "2026-04-30"
    assert review["due"] == "Thursday 30 April 2026"
    assert review["rule"] == (
        "3 calendar months after the start on 31 January 2026 is 30 April 2026, the last day of "
        "April, which has only 30 days"
    )
    assert (review["status"], review["overdue"]) == ("open", True)

    assert run(cli, *REVIEW).exit_code == 0

    after = explain_json(cli, "--as-of", "2026-05-01")
    review = obligation(after, "review_3")
    assert review["due_date"] == "2026-04-30"
    assert (review["status"], review["closed_on"], review["overdue"]) == (
        "done",
        "2026-04-29",
        False,
    )
    history = after["history"]
    assert isinstance(history, list)
    assert [(e["kind"], e["by"]) for e in history][-1] == ("asye.review_recorded", "W0006")


def test_explain_as_a_table_shows_the_rule(cli: CliRunner) -> None:
    imported(cli)
    result = run(cli, "explain", "W0014", "--as-of", "2026-05-01")
    assert result.exit_code == 0, result.output
    # rich wraps the cells to the runner's 80 columns; look for words, not whole phrases
    assert result.stdout.startswith("W0014 Nadia Nowak")
    for words in ("3-month ASYE", "Thursday 30", "overdue", "calendar", "History"):
        assert words in result.stdout, words


def test_explain_of_an_unknown_worker_exits_1_with_a_clear_message(cli: CliRunner) -> None:
    imported(cli)

    result = run(cli, "explain", "NOPE")

    assert result.exit_code == 1
    assert "no worker with id 'NOPE' in Ladder" in flat(result.stderr)
    assert result.stdout == ""


def test_asye_leave_moves_the_milestones(cli: CliRunner) -> None:
    imported(cli)

    result = run(
        cli, "asye", "leave", "W0014", "--from", "2026-03-02", "--to", "2026-03-15",
        "--reason", "sickness", "--by", "W0006",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "review_3: 2026-04-30 -> 2026-05-14" in out
    assert "leave recorded; 5 milestone(s) moved" in out


def test_mail_status_prints_the_counts(cli: CliRunner) -> None:
    imported(cli)

    result = run(cli, "mail", "status")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "queued: 0, sent: 0, failed: 0"
