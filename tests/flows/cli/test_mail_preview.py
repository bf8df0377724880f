"""`ladder mail preview` renders a message exactly as the daily flow would queue it."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LADDER_DATA_DIR", str(tmp_path / "var"))
    return CliRunner()


def test_preview_shows_the_subject_and_text_of_a_worker_reminder(
    cli: CliRunner, tmp_path: Path
) -> None:
    html = tmp_path / "preview.html"
    result = cli.invoke(app, ["mail", "preview", "--html", str(html)])
    assert result.exit_code == 0, result.output
    assert "Subject: Your 3-month ASYE review is due by" in result.output
    assert "Dear Sam Sample," in result.output
    # Due three weeks from today; before_14 goes out 14 days before (earlier over a weekend).
    assert re.search(r"\(in 1[4-9] days\)", result.output)
    assert html.read_text().startswith("<!DOCTYPE html>")


def test_preview_of_an_escalation_goes_to_the_manager(cli: CliRunner) -> None:
    result = cli.invoke(app, ["mail", "preview", "--step", "overdue_1", "--role", "manager"])
    assert result.exit_code == 0, result.output
    assert "Subject: Overdue: 3-month ASYE review for Sam Sample" in result.output
    assert "To: morgan.manager@example.org" in result.output
    assert "names you in its escalation steps" in result.output


def test_preview_of_a_managers_digest_lists_their_people(cli: CliRunner, tmp_path: Path) -> None:
    eml = tmp_path / "digest.eml"
    result = cli.invoke(app, ["mail", "preview", "digest", "--role", "manager", "--eml", str(eml)])
    assert result.exit_code == 0, result.output
    assert re.search(r"Subject: Your digest for \w+day \d+ \w+ \d{4}: 2 overdue", result.output)
    assert "To: morgan.manager@example.org" in result.output
    assert "New today (3):" in result.output
    assert "Still open from earlier reminders (1):" in result.output
    assert "Kiran Shah: 3-month ASYE review" in result.output
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


@pytest.mark.parametrize(("kind", "method"), [("invite", "REQUEST"), ("cancellation", "CANCEL")])
def test_preview_of_an_invite_carries_the_calendar_part(
    cli: CliRunner, tmp_path: Path, kind: str, method: str
) -> None:
    eml = tmp_path / "invite.eml"
    result = cli.invoke(app, ["mail", "preview", kind, "--role", "assessor", "--eml", str(eml)])
    assert result.exit_code == 0, result.output
    assert "To: alex.assessor@example.org" in result.output
    assert f"METHOD:{method}" in result.output
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    calendar = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert calendar.get_param("method") == method


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--step", "before_99"], "no step 'before_99'"),
        (["--step", "overdue_1", "--role", "worker"], "goes to manager, not to worker"),
        (
            ["letter"],
            "no message kind 'letter'; kinds: reminder, digest, invite, cancellation, booking",
        ),
        (["digest", "--role", "chair"], "no role 'chair'"),
        (["invite", "--role", "manager"], "invites go to the worker and the assessor"),
    ],
)
def test_preview_refuses_what_does_not_exist(cli: CliRunner, args: list[str], message: str) -> None:
    result = cli.invoke(app, ["mail", "preview", *args])
    assert result.exit_code == 1
    assert message in result.output


def test_preview_of_a_refresher_booking_and_its_waiting_list(cli: CliRunner) -> None:
    booked = cli.invoke(app, ["mail", "preview", "booking"])
    assert booked.exit_code == 0, booked.output
    assert "Subject: Booked: Safeguarding refresher," in booked.output
    waiting = cli.invoke(app, ["mail", "preview", "booking", "--step", "waitlisted"])
    assert "Subject: Waiting list: Safeguarding refresher," in waiting.output
    assert "every refresher session before then is full" in waiting.output


def _own_organisation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import shutil

    from definitions.loader import SAMPLE_ORGANISATION

    folder = tmp_path / "organisation"
    shutil.copytree(SAMPLE_ORGANISATION, folder)
    profile = folder / "organisation.yaml"
    text = profile.read_text()
    profile.write_text(
        text.replace("\nservices:", "\nteam_name: the Learning and Development Hub\nservices:", 1)
    )
    (folder / "templates").mkdir()
    monkeypatch.setenv("LADDER_ORGANISATION", str(folder))
    return folder


def test_an_organisations_own_template_and_team_name_show_in_the_preview(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _own_organisation(tmp_path, monkeypatch)
    (folder / "templates" / "reminder_subject.txt").write_text("Action needed: {{ title }}\n")
    result = cli.invoke(app, ["mail", "preview"])
    assert result.exit_code == 0, result.output
    assert "Subject: Action needed: 3-month ASYE review" in result.output
    assert "from the Learning and Development Hub of" in result.output


def test_a_misspelt_template_is_refused_before_anything_is_sent(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _own_organisation(tmp_path, monkeypatch)
    (folder / "templates" / "reminder_subjet.txt").write_text("Action needed: {{ title }}\n")
    result = cli.invoke(app, ["mail", "preview"])
    assert result.exit_code == 1
    assert "reminder_subjet.txt: overrides no template of Ladder's" in result.output
    assert "did you mean reminder_subject.txt?" in result.output
    assert "Traceback" not in result.output


def test_preview_works_with_an_organisations_own_step_names_and_roles(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The home-care example names its steps and roles its own way: with no --step the
    preview takes its policy's first step, and each role a step reaches is a reader of its
    own (the training lead is not folded into another role's made-up person)."""
    folder = (
        Path(__file__).resolve().parents[3] / "definitions" / "examples" / "home-care-induction"
    )
    monkeypatch.setenv("LADDER_ORGANISATION", str(folder))
    first = cli.invoke(app, ["mail", "preview", "reminder"])
    assert first.exit_code == 0, first.output
    # Its first kind of item is its own Care Certificate programme's (programmes.yaml).
    assert "Subject: Your Care Certificate (all five standards) is due by" in first.output
    assert "ASYE" not in first.output
    escalation = cli.invoke(app, ["mail", "preview", "reminder", "--step", "expires"])
    assert escalation.exit_code == 0, escalation.output  # no worker: the first it reaches
    lead = cli.invoke(app, ["mail", "preview", "digest", "--role", "training_lead"])
    assert lead.exit_code == 0, lead.output
    for role in ("manager", "training_lead"):
        shown = cli.invoke(
            app, ["mail", "preview", "reminder", "--step", "expires", "--role", role]
        )
        assert shown.exit_code == 0, (role, shown.output)
    refused = cli.invoke(
        app, ["mail", "preview", "reminder", "--step", "expires", "--role", "worker"]
    )
    assert refused.exit_code == 1
    assert "goes to manager, training_lead, not to worker; give one of them with --role" in (
        " ".join(refused.output.split())
    )
