"""Training end to end on a real database: completion imports, credentials and renewals,
credit for prior learning, pathway awards, refresher reminders and bookings, and changing a
validity rule through preview and apply."""

from __future__ import annotations

import asyncio
import csv
import shutil
from datetime import date
from pathlib import Path

import pytest
import vobject
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from definitions.loader import SAMPLE_ORGANISATION
from definitions.roster import RosterError
from flows.cli import app
from notifications.sink import SmtpSink
from storage.models import (
    Award,
    Booking,
    Completion,
    Credential,
    CreditRequest,
    Event,
    Obligation,
)
from tasks.training import (
    TrainingError,
    apply_validity_changes,
    decide_credit,
    import_completions,
    import_sessions,
    request_credit,
    validity_changes,
)

pytestmark = pytest.mark.integration
TODAY = date(2026, 1, 5)


def write(path: Path, header: list[str], rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def completions(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    return write(path, ["external_id", "module", "completed_on"], rows)


@pytest.fixture
def staffed(engine, organisation, import_roster_file) -> None:  # type: ignore[no-untyped-def]
    import_roster_file(engine, organisation, as_of=date(2025, 12, 1))


def run_import(engine, organisation, path: Path, today: date = TODAY):  # type: ignore[no-untyped-def]
    with Session(engine) as session, session.begin():
        return import_completions(session, organisation, path, actor="test", today=today)


def count(engine, model) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.usefixtures("staffed")
def test_a_file_with_bad_rows_imports_nothing_and_names_every_problem(
    tmp_path: Path,
    engine,
    organisation,  # type: ignore[no-untyped-def]
) -> None:
    path = completions(
        tmp_path / "sheet.csv",
        [
            ("W0031", "psw_foundations", "2025-03-01"),
            ("W9999", "psw_foundations", "2025-03-01"),
            ("W0032", "psw_foundation", "2025-03-01"),
            ("W0033", "first_aid", "01/03/2025"),
            ("W0034", "first_aid", "2026-02-01"),
            ("W0031", "psw_foundations", "2025-03-01"),
        ],
    )
    with pytest.raises(RosterError) as caught:
        run_import(engine, organisation, path)
    text = str(caught.value)
    assert "sheet.csv: 5 problem(s); nothing was imported" in text
    assert "row 3, column external_id: 'W9999' is not a worker in Ladder" in text
    assert "row 4, column module: 'psw_foundation' is not a module" in text
    assert "did you mean 'psw_foundations'?" in text
    assert "row 5, column completed_on: '01/03/2025' is not a date; use YYYY-MM-DD" in text
    assert "row 6, column completed_on: 2026-02-01 is in the future" in text
    assert "row 7, column completed_on: the same completion appears twice (first on row 2)" in text
    assert count(engine, Completion) == 0


@pytest.mark.usefixtures("staffed")
def test_completions_become_credentials_and_awards_once(
    tmp_path: Path, engine, organisation
) -> None:  # type: ignore[no-untyped-def]
    path = completions(
        tmp_path / "lms.csv",
        [
            ("W0031", "psw_foundations", "2025-01-10"),
            ("W0031", "psw_child_development", "2025-02-10"),
            ("W0031", "psw_child_protection", "2025-03-10"),
            ("W0031", "psw_case_management", "2025-05-02"),
            ("W0031", "psw_psychosocial_support", "2025-04-01"),
            ("W0031", "psw_families_communities", "2025-06-20"),
            ("W0035", "first_aid", "2023-05-02"),
        ],
    )
    rows, result = run_import(engine, organisation, path)
    assert (rows, result.completions, result.credentials) == (7, 7, 1)
    assert result.pathways == [("W0031", "para_social_worker_curriculum")]
    again_rows, again = run_import(engine, organisation, path)
    assert (again_rows, again.completions, again.awards) == (7, 0, 0)
    with Session(engine) as session:
        award = session.scalars(select(Award).where(Award.kind == "pathway")).one()
        assert (award.key, award.achieved_on, award.status) == (
            "para_social_worker_curriculum",
            date(2025, 6, 20),
            "waiting",
        )
        credential = session.scalars(select(Credential)).one()
        assert credential.expires_on == date(2026, 5, 2)
        # A care worker must keep first aid: the credential has a renewal item, due on the
        # expiry (Saturday 2 May 2026 -> Friday 1 May, the working day before).
        item = session.scalars(
            select(Obligation).where(Obligation.kind == "training.renewal")
        ).one()
        assert (item.due_date, item.milestone) == (date(2026, 5, 1), "first_aid")
        assert "not a working day, so due 2026-05-01" in item.rule
    assert count(engine, Completion) == 7


@pytest.mark.usefixtures("staffed")
def test_a_renewal_supersedes_the_credential_keeps_the_anniversary_and_closes_the_item(
    tmp_path: Path,
    engine,
    organisation,  # type: ignore[no-untyped-def]
) -> None:
    run_import(
        engine,
        organisation,
        completions(tmp_path / "a.csv", [("W0019", "safeguarding", "2024-03-04")]),
    )
    run_import(
        engine,
        organisation,
        completions(tmp_path / "b.csv", [("W0019", "safeguarding", "2026-01-20")]),
        today=date(2026, 1, 21),
    )
    with Session(engine) as session:
        old, new = session.scalars(select(Credential).order_by(Credential.id)).all()
        assert (old.status, old.superseded_by) == ("superseded", new.id)
        assert (new.status, new.valid_from, new.expires_on) == (
            "active",
            date(2026, 1, 20),
            date(2028, 3, 4),
        )
        assert "keeps the anniversary" in new.rule
        items = session.scalars(select(Obligation).order_by(Obligation.id)).all()
        renewals = [(o.source, o.status, o.due_date) for o in items if o.kind == "training.renewal"]
    assert renewals == [
        (f"credential:{old.id}", "done", date(2026, 3, 4)),
        (f"credential:{new.id}", "open", date(2028, 3, 3)),  # Sat 4 Mar 2028 -> Fri 3 Mar
    ]


@pytest.mark.usefixtures("staffed")
def test_credit_for_prior_learning_is_decided_once_by_an_approver_and_counts(
    tmp_path: Path,
    engine,
    organisation,  # type: ignore[no-untyped-def]
) -> None:
    five = [
        ("W0032", m, d)
        for m, d in (
            ("psw_foundations", "2025-01-10"),
            ("psw_child_development", "2025-02-10"),
            ("psw_case_management", "2025-05-02"),
            ("psw_psychosocial_support", "2025-04-01"),
            ("psw_families_communities", "2025-06-20"),
        )
    ]
    _, result = run_import(engine, organisation, completions(tmp_path / "five.csv", five))
    assert result.pathways == []
    with Session(engine) as session, session.begin():
        request = request_credit(
            session,
            organisation,
            worker="W0032",
            module="psw_child_protection",
            learned_on=date(2024, 11, 1),
            evidence="NGO child protection certificate 2024",
            actor="W0004",
            today=TODAY,
        )
        request_id = request.id

    def decide(approve: bool, actor: str, reason: str = "evidence checked"):  # type: ignore[no-untyped-def]
        with Session(engine) as session, session.begin():
            return decide_credit(
                session,
                organisation,
                request_id=request_id,
                approve=approve,
                reason=reason,
                actor=actor,
                today=TODAY,
            ).status

    with pytest.raises(
        TrainingError, match="credit is decided by a workforce_lead or head_of_service"
    ):
        decide(True, "W0004")  # a team manager
    with pytest.raises(TrainingError, match="give the reason"):
        decide(True, "W0001", reason=" ")
    assert decide(True, "W0001") == "approved"
    with pytest.raises(
        TrainingError, match="already approved on 2026-01-05 by W0001; a decision is recorded once"
    ):
        decide(False, "W0002")
    with Session(engine) as session:
        credit = session.scalars(select(Completion).where(Completion.source == "credit")).one()
        assert (credit.module, credit.completed_on, credit.source_ref) == (
            "psw_child_protection",
            date(2024, 11, 1),
            f"credit:{request_id}",
        )
        # Credited learning counts in any order: the curriculum is complete on the last date.
        award = session.scalars(select(Award).where(Award.kind == "pathway")).one()
        assert award.achieved_on == date(2025, 6, 20)
        kinds = set(session.scalars(select(Event.kind).where(Event.kind.like("training.credit%"))))
        assert kinds == {"training.credit_requested", "training.credit_approved"}
        assert session.get(CreditRequest, request_id).reason == "evidence checked"  # type: ignore[union-attr]


@pytest.mark.usefixtures("staffed")
def test_a_rejected_request_is_kept_with_its_reason_and_counts_for_nothing(
    engine,
    organisation,  # type: ignore[no-untyped-def]
) -> None:
    with Session(engine) as session, session.begin():
        request = request_credit(
            session,
            organisation,
            worker="W0033",
            module="first_aid",
            learned_on=date(2025, 1, 1),
            evidence="a photo of a card",
            actor="W0033",
            today=TODAY,
        )
        decided = decide_credit(
            session,
            organisation,
            request_id=request.id,
            approve=False,
            reason="no certificate from an approved provider",
            actor="W0002",
            today=TODAY,
        )
        assert decided.status == "rejected"
    assert count(engine, Completion) == 0
    with (
        Session(engine) as session,
        session.begin(),
        pytest.raises(TrainingError, match="nobody decides their own"),
    ):
        request = request_credit(
            session,
            organisation,
            worker="W0001",
            module="first_aid",
            learned_on=date(2025, 1, 1),
            evidence="card",
            actor="W0001",
            today=TODAY,
        )
        decide_credit(
            session,
            organisation,
            request_id=request.id,
            approve=True,
            reason="ok",
            actor="W0001",
            today=TODAY,
        )


# --- the daily flow: reminders and bookings ---------------------------------------------------


def sessions_file(path: Path, rows: list[tuple[str, ...]]) -> Path:
    return write(
        path, ["module", "held_on", "starts_at", "minutes", "venue", "district", "capacity"], rows
    )


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "staffed")
def test_refreshers_are_booked_nearest_first_waitlisted_when_full_and_reminded(
    tmp_path: Path,
    engine,
    organisation,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    from flows.daily import daily

    # Three care workers (North W0035, South W0036, East W0037) with first aid expiring in
    # May 2026; one place in the North on 18 March, one in Central on 1 April, none else.
    run_import(
        engine,
        organisation,
        completions(
            tmp_path / "fa.csv",
            [
                ("W0035", "first_aid", "2023-05-05"),
                ("W0036", "first_aid", "2023-05-06"),
                ("W0037", "first_aid", "2023-05-07"),
            ],
        ),
    )
    with Session(engine) as session, session.begin():
        import_sessions(
            session,
            organisation,
            sessions_file(
                tmp_path / "s.csv",
                [
                    ("first_aid", "2026-03-18", "09:00", "360", "North Hub", "North", "1"),
                    ("first_aid", "2026-04-01", "09:30", "360", "Civic Centre", "Central", "1"),
                ],
            ),
            actor="test",
            today=TODAY,
        )
    # 90-day windows open 4, 5 and 6 February (expiries 5, 6, 7 May 2026).
    state = asyncio.run(daily(as_of=date(2026, 2, 6), return_state=True))
    assert state.is_completed(), state.message
    with Session(engine) as session:
        placed = session.execute(
            select(Booking.status, Booking.why, Booking.worker_id).order_by(Booking.worker_id)
        ).all()
    assert [(s, why) for s, why, _ in placed] == [
        ("booked", "in their own district"),  # W0035 North, earliest expiry
        ("booked", "nearest district with space (Central, 10 km)"),  # W0036 South
        ("waitlisted", "every session before the expiry is full"),  # W0037 East
    ]
    mails = {
        r.recipients[0]: r.message
        for r in smtp_sink.received
        if str(r.message["Subject"]).startswith(("Booked", "Waiting"))
    }
    assert len(mails) == 3
    booked = mails["idris.mensah@sample-borough.example"]
    assert str(booked["Subject"]) == (
        "Booked: First aid at work, Wednesday 18 March 2026 at 09:00 (GMT)"
    )
    ics = next(p for p in booked.walk() if p.get_content_type() == "text/calendar")
    event = vobject.readOne(ics.get_content()).vevent
    assert event.dtstart.value.isoformat() == "2026-03-18T09:00:00+00:00"
    assert event.location.value == "North Hub (North)"
    waiting = mails["kofi.asante@sample-borough.example"]
    assert str(waiting["Subject"]).startswith("Waiting list: First aid at work")
    assert not any(p.get_content_type() == "text/calendar" for p in waiting.walk())
    # A second run books nobody twice and mails nobody twice.
    before = len(smtp_sink.received)
    asyncio.run(daily(as_of=date(2026, 2, 6)))
    asyncio.run(daily(as_of=date(2026, 2, 9)))
    assert len(smtp_sink.received) == before
    assert count(engine, Booking) == 3


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "staffed")
def test_renewal_reminders_follow_the_refresher_ladder(
    tmp_path: Path,
    engine,
    organisation,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    from flows.daily import daily

    # W0019 (social worker, manager W0003) did safeguarding on Wed 4 March 2024: it expires
    # Wed 4 March 2026. Steps: -90 (Thu 4 Dec 2025), -30 (Mon 2 Feb), -7 (Wed 25 Feb, worker
    # and manager), on expiry (manager, escalation).
    run_import(
        engine,
        organisation,
        completions(tmp_path / "sg.csv", [("W0019", "safeguarding", "2024-03-04")]),
    )
    for day in (date(2026, 2, 2), date(2026, 2, 25), date(2026, 3, 4)):
        state = asyncio.run(daily(as_of=day, return_state=True))
        assert state.is_completed(), state.message
    # (The sample roster's NQSWs get their ASYE mail too; only the refresher is looked at.)
    to_sam = [
        str(r.message["Subject"])
        for r in smtp_sink.received
        if r.recipients == ["sam.walsh@sample-borough.example"]
    ]
    assert to_sam == ["Your Safeguarding refresher renewal is due by Wednesday 4 March 2026"] * 2
    manager = [
        (str(r.message["Subject"]), r.message.get_body(("plain",)).get_content())
        for r in smtp_sink.received
        if r.recipients == ["chloe.patel@sample-borough.example"]
    ]
    about_sam = [subject for subject, text in manager if "Sam Walsh (W0019): Safeguarding" in text]
    assert [s.split(":")[0] for s in about_sam] == [
        "Your digest for Wednesday 25 February 2026",
        "Your digest for Wednesday 4 March 2026",
    ]
    assert "Due today" in manager[-1][1] and "escalated to you" in manager[-1][1]
    worker_mail = next(
        r for r in smtp_sink.received if r.recipients == ["sam.walsh@sample-borough.example"]
    )
    text = worker_mail.message.get_body(("plain",)).get_content()
    assert "go to the refresher session you are booked on" in text
    assert "completed 2024-03-04 + 24 months = 2026-03-04" in text


# --- changing a validity rule ----------------------------------------------------------------


@pytest.fixture
def editable_org(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "org"
    shutil.copytree(SAMPLE_ORGANISATION, folder)
    return folder


@pytest.mark.usefixtures("staffed")
def test_a_changed_rule_is_previewed_then_applied_with_a_reason(
    tmp_path: Path,
    engine,
    organisation,
    editable_org: Path,  # type: ignore[no-untyped-def]
) -> None:
    from definitions.loader import load_organisation

    run_import(
        engine,
        organisation,
        completions(tmp_path / "fa.csv", [("W0035", "first_aid", "2024-02-29")]),
    )
    training = editable_org / "training.yaml"
    text = training.read_text()
    assert text.count("      months: 36\n") == 1
    training.write_text(text.replace("      months: 36\n", "      months: 24\n"))
    changed = load_organisation(editable_org)
    with Session(engine) as session:
        preview = validity_changes(session, changed)
    assert [(c.worker, c.module, c.old, c.new) for c in preview] == [
        ("W0035", "first_aid", date(2027, 2, 28), date(2026, 2, 28)),
    ]
    with Session(engine) as session:  # previewing changed nothing
        assert session.scalars(select(Credential.expires_on)).one() == date(2027, 2, 28)
    with (
        Session(engine) as session,
        session.begin(),
        pytest.raises(TrainingError, match="needs a reason"),
    ):
        apply_validity_changes(session, changed, reason="", actor="W0001", today=TODAY)
    with Session(engine) as session, session.begin():
        applied = apply_validity_changes(
            session,
            changed,
            reason="HSE guidance: first aid every two years",
            actor="W0001",
            today=TODAY,
        )
    assert len(applied) == 1
    with Session(engine) as session:
        assert session.scalars(select(Credential.expires_on)).one() == date(2026, 2, 28)
        item = session.scalars(
            select(Obligation).where(Obligation.kind == "training.renewal")
        ).one()
        assert item.due_date == date(2026, 2, 27)  # Saturday 28 Feb -> Friday 27 Feb
        assert "expiry 2026-02-28 is not a working day, so due 2026-02-27" in item.rule
        event = session.scalars(select(Event).where(Event.kind == "training.expiry_changed")).one()
        assert event.payload["old"] == "2027-02-28" and event.payload["new"] == "2026-02-28"
        assert event.payload["reason"] == "HSE guidance: first aid every two years"
        assert validity_changes(session, changed) == []


# --- the command line -------------------------------------------------------------------------


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
    ).replace(  # a move to another track is not a promotion on this ladder
        "W0035,Idris Mensah,idris.mensah@sample-borough.example,care_worker,",
        "W0035,Idris Mensah,idris.mensah@sample-borough.example,para_social_worker,",
    )
    assert promoted.count("senior_para_social_worker") == 1
    path = tmp_path / "roster.csv"
    path.write_text(promoted)
    import_roster_file(engine, organisation, as_of=date(2026, 2, 1), path=path)
    import_roster_file(
        engine, organisation, as_of=date(2026, 2, 2), path=path
    )  # again: no new need
    result = cli.invoke(app, ["needs"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [
        "2026-02-01 team children-north: train a replacement para_social_worker (W0031 moved "
        "up from Para social worker to Senior para social worker)"
    ]
    with Session(engine) as session:
        assert (
            session.scalar(select(func.count()).where(Event.kind == "training.replacement_needed"))
            == 1
        )


@pytest.mark.usefixtures("staffed")
def test_a_renewal_due_over_christmas_moves_to_the_last_working_day_before(
    tmp_path: Path,
    engine,
    organisation,  # type: ignore[no-untyped-def]
) -> None:
    # Safeguarding done Mon 28 Dec 2024 expires Mon 28 Dec 2026: the substitute bank holiday
    # for Boxing Day (a Saturday). Christmas Day is Friday; the renewal is due Thu 24 Dec.
    run_import(
        engine,
        organisation,
        completions(tmp_path / "x.csv", [("W0020", "safeguarding", "2024-12-28")]),
    )
    with Session(engine) as session:
        item = session.scalars(
            select(Obligation).where(Obligation.kind == "training.renewal")
        ).one()
    assert item.due_date == date(2026, 12, 24)
    assert "expiry 2026-12-28 is not a working day, so due 2026-12-24" in item.rule


@pytest.mark.usefixtures("staffed")
def test_a_sessions_file_with_bad_rows_imports_nothing(
    tmp_path: Path, engine, organisation
) -> None:  # type: ignore[no-untyped-def]
    from storage.models import TrainingSession

    path = sessions_file(
        tmp_path / "sessions.csv",
        [
            ("first_aid", "2026-03-18", "09:00", "360", "North Hub", "North", "4"),
            ("first_aid", "2026-03-32", "9am", "0", "", "Northh", "lots"),
        ],
    )
    with Session(engine) as session, session.begin(), pytest.raises(RosterError) as caught:
        import_sessions(session, organisation, path, actor="test", today=TODAY)
    text = str(caught.value)
    for column in ("held_on", "starts_at", "minutes", "venue", "district", "capacity"):
        assert f"row 3, column {column}:" in text
    assert "use HH:MM (24-hour)" in text and "use one of Central, East, North, South, West" in text
    assert count(engine, TrainingSession) == 0


@pytest.mark.usefixtures("staffed")
def test_a_chain_in_one_file_and_a_late_older_record_keep_the_newest_active(
    tmp_path: Path,
    engine,
    organisation,  # type: ignore[no-untyped-def]
) -> None:
    _, result = run_import(
        engine,
        organisation,
        completions(
            tmp_path / "two.csv",
            [("W0019", "safeguarding", "2026-01-20"), ("W0019", "safeguarding", "2024-03-04")],
        ),
        today=date(2026, 1, 21),
    )
    assert (result.credentials, result.renewed) == (2, 1)
    _, late = run_import(
        engine,
        organisation,
        completions(tmp_path / "old.csv", [("W0019", "safeguarding", "2022-02-01")]),
        today=date(2026, 1, 22),
    )
    assert (late.completions, late.credentials, late.renewed) == (1, 0, 0)
    with Session(engine) as session:
        chain = session.execute(
            select(Credential.valid_from, Credential.expires_on, Credential.status).order_by(
                Credential.valid_from
            )
        ).all()
        renewals = session.execute(
            select(Obligation.due_date, Obligation.status).where(
                Obligation.kind == "training.renewal"
            )
        ).all()
    assert chain == [
        (date(2022, 2, 1), date(2024, 2, 1), "superseded"),
        (date(2024, 3, 4), date(2026, 3, 4), "superseded"),
        (date(2026, 1, 20), date(2028, 3, 4), "active"),  # renewed early: the anniversary kept
    ]
    assert renewals == [(date(2028, 3, 3), "open")]


@pytest.mark.usefixtures("prefect_harness", "ladder_env", "staffed")
def test_a_missed_session_is_rebooked_and_a_waiting_list_place_moves_when_space_appears(
    tmp_path: Path,
    engine,
    organisation,
    smtp_sink: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    from flows.daily import daily

    run_import(
        engine,
        organisation,
        completions(
            tmp_path / "fa.csv",
            [
                ("W0035", "first_aid", "2023-05-05"),
                ("W0036", "first_aid", "2023-05-06"),
                ("W0037", "first_aid", "2023-05-07"),
            ],
        ),
    )

    def sessions(name: str, rows: list[tuple[str, ...]]) -> None:
        with Session(engine) as session, session.begin():
            import_sessions(
                session,
                organisation,
                sessions_file(tmp_path / name, rows),
                actor="test",
                today=TODAY,
            )

    def day(when: date) -> None:
        state = asyncio.run(daily(as_of=when, return_state=True))
        assert state.is_completed(), state.message

    def bookings() -> list[tuple[str, int, str]]:
        from storage.models import TrainingSession, Worker

        with Session(engine) as session:
            return [
                (ext, held.day, status)
                for ext, held, status in session.execute(
                    select(Worker.external_id, TrainingSession.held_on, Booking.status)
                    .join(Booking, Booking.worker_id == Worker.id)
                    .join(TrainingSession, TrainingSession.id == Booking.session_id)
                    .order_by(Booking.id)
                )
            ]

    sessions("a.csv", [
        ("first_aid", "2026-03-18", "09:00", "360", "North Hub", "North", "1"),
        ("first_aid", "2026-04-01", "09:30", "360", "Civic Centre", "Central", "1"),
    ])  # fmt: skip
    day(date(2026, 2, 6))
    assert bookings() == [
        ("W0035", 18, "booked"),
        ("W0036", 1, "booked"),
        ("W0037", 1, "waitlisted"),
    ]
    # W0035 does not go on 18 March (no completion comes in); a new session appears in April.
    sessions(
        "b.csv", [("first_aid", "2026-04-15", "09:30", "360", "East Locality Office", "East", "2")]
    )
    day(date(2026, 3, 19))
    assert bookings() == [
        ("W0035", 18, "missed"),
        ("W0036", 1, "booked"),
        ("W0037", 1, "moved"),
        ("W0035", 15, "booked"),  # rebooked: the nearest place left
        ("W0037", 15, "booked"),  # off the waiting list: own district, a place at last
    ]
    subjects = [
        str(r.message["Subject"])
        for r in smtp_sink.received
        if r.recipients == ["kofi.asante@sample-borough.example"]
    ]
    assert [s.split(",")[0] for s in subjects if s.startswith(("Booked", "Waiting"))] == [
        "Waiting list: First aid at work",
        "Booked: First aid at work",
    ]
    day(date(2026, 3, 20))  # nothing changes, nothing is mailed twice
    assert len(bookings()) == 5
