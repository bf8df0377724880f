"""The `ladder` command line: database, imports, ASYE decisions, the daily flow, explain, demo."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

app = typer.Typer(
    help="Ladder: learning and progression for a social-service workforce.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
import_app = typer.Typer(help="Import files (all-or-nothing).", no_args_is_help=True)
asye_app = typer.Typer(
    help="The ASYE year: enrol, reviews, decisions, leave.", no_args_is_help=True
)
mail_app = typer.Typer(help="Mail: the local SMTP sink and the outbox.", no_args_is_help=True)
credit_app = typer.Typer(
    help="Credit for prior learning: request, approve, reject.", no_args_is_help=True
)
policy_app = typer.Typer(
    help="Validity rules: preview and apply a change to people's expiry dates.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(asye_app, name="asye")
app.add_typer(mail_app, name="mail")
app.add_typer(credit_app, name="credit")
keys_app = typer.Typer(help="The certificate signing key.", no_args_is_help=True)
certificates_app = typer.Typer(
    help="Certificates: issue, verify, re-issue, revoke.", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")
app.add_typer(certificates_app, name="certificates")
app.add_typer(policy_app, name="policy")

out = Console()
err = Console(stderr=True)


def prepare_prefect_environment(data_dir: Path) -> None:
    """Defaults for Prefect's local ephemeral mode, set before prefect is imported."""
    (data_dir / "prefect").mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str((data_dir / "prefect").resolve()))
    # The ephemeral server's telemetry prints 'database is locked' tracebacks at exit.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "true")
    # The first start creates Prefect's database, which took 23-34 s here (20 s is the default).
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


def _settings() -> Any:
    from pydantic import ValidationError

    from definitions.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"LADDER_{'_'.join(str(p) for p in e['loc']).upper()}: "
            f"{str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        _fail(f"a setting is not usable: {problems}")


def _fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


class _Context:
    """Settings, organisation and an engine for one command, opened on first use."""

    def __init__(self) -> None:
        from definitions.settings import load_configured_organisation
        from storage.db import check_schema, make_engine

        self.settings = _settings()
        self.organisation = load_configured_organisation(self.settings)
        self.calendar = self.organisation.working_calendar()
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

        where = _redact(self.settings.database_url)
        try:
            self.engine = make_engine(self.settings.database_url)
            check_schema(self.engine)
        except RuntimeError as exc:
            _fail(str(exc))
        except (ArgumentError, NoSuchModuleError) as exc:
            _fail(
                f"LADDER_DATABASE_URL {where} is not a database URL Ladder can use ({exc}); "
                "e.g. sqlite:///var/ladder.sqlite or postgresql+psycopg://user@host/db"
            )
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            _fail(f"cannot open the database {where}: {reason}")

    def today(self) -> date:
        return self.calendar.today()


def _context() -> _Context:
    from definitions.loader import ProgrammeFileError

    try:
        return _Context()
    except (ProgrammeFileError, ValueError) as exc:  # a programme file or a setting
        _fail(str(exc))
        raise  # unreachable: _fail exits


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version."""
    from storage.db import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    out.print(f"database is up to date ({_redact(settings.database_url)})")


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@import_app.command("workers")
def import_workers(
    file: Path, by: str = typer.Option("workforce-team", help="who imports")
) -> None:
    """Import or update workers from a roster CSV (see README for the columns)."""
    from sqlalchemy.orm import Session

    from definitions.roster import RosterError
    from tasks.roster import import_roster

    ctx = _context()
    try:
        with Session(ctx.engine) as session, session.begin():
            result = import_roster(session, ctx.organisation, file, as_of=ctx.today(), actor=by)
    except RosterError as exc:
        _fail(str(exc))
    out.print(
        f"{file.name}: {result.rows} rows; {result.inserted} new, {result.updated} "
        f"updated, {result.unchanged} unchanged; {len(result.enrolled)} enrolled in ASYE"
    )


def _decide(fn: Any, **kwargs: Any) -> Any:
    from sqlalchemy.orm import Session

    from tasks.asye import DecisionError
    from tasks.panels import PanelError
    from tasks.training import TrainingError

    ctx = _context()
    try:
        # What a decision returns is printed after the commit: keep its values loaded.
        with Session(ctx.engine, expire_on_commit=False) as session, session.begin():
            return fn(session, ctx.organisation, today=ctx.today(), **kwargs)
    except (DecisionError, TrainingError, PanelError) as exc:
        _fail(str(exc))


@import_app.command("completions")
def import_completions(
    file: Path,
    by: str = typer.Option("workforce-team", help="who is importing (kept in the history)"),
) -> None:
    """Import completed modules (attendance sheet or LMS export): all-or-nothing; a
    re-import records nothing twice."""
    from definitions.roster import RosterError
    from tasks.training import import_completions as run_import

    try:
        rows, result = _decide(lambda s, o, today: run_import(s, o, file, actor=by, today=today))
    except RosterError as exc:
        _fail(str(exc))
    out.print(
        f"{file.name}: {rows} rows; {result.completions} new completion(s), "
        f"{result.credentials} credential(s), {result.renewed} renewed, {result.awards} "
        f"award(s) waiting for a certificate"
        + (
            "; pathways completed: " + ", ".join(f"{w} {p}" for w, p in result.pathways)
            if result.pathways
            else ""
        ),
        soft_wrap=True,
    )


@import_app.command("sessions")
def import_sessions(file: Path, by: str = typer.Option("workforce-team")) -> None:
    """Import refresher sessions (module, date, time, venue, district, capacity)."""
    from definitions.roster import RosterError
    from tasks.training import import_sessions as run_import

    try:
        rows, added = _decide(lambda s, o, today: run_import(s, o, file, actor=by, today=today))
    except RosterError as exc:
        _fail(str(exc))
    out.print(f"{file.name}: {rows} rows; {added} new session(s)")


@credit_app.command("request")
def credit_request(
    worker: str,
    module: str = typer.Option(..., help="the module the prior learning covers"),
    learned_on: str = typer.Option(..., help="YYYY-MM-DD, when the prior learning ended"),
    evidence: str = typer.Option(..., help="the certificate, course or portfolio"),
    by: str = typer.Option(..., help="who asks (the worker or their manager)"),
) -> None:
    """Ask for credit for prior learning; an approver decides it."""
    from tasks.training import request_credit

    request = _decide(
        request_credit,
        worker=worker,
        module=module,
        learned_on=_date(learned_on, "--learned-on"),
        evidence=evidence,
        actor=by,
    )
    out.print(f"credit request {request.id}: {worker} {module}, waiting for a decision")


def _credit_decision(request: int, approve: bool, reason: str, by: str) -> None:
    from tasks.training import decide_credit

    decided = _decide(decide_credit, request_id=request, approve=approve, reason=reason, actor=by)
    out.print(f"credit request {request}: {decided.status} by {by}")


@credit_app.command("approve")
def credit_approve(
    request: int, reason: str = typer.Option(...), by: str = typer.Option(...)
) -> None:
    """Approve credit: it counts as a completion toward pathways, kept in the history."""
    _credit_decision(request, True, reason, by)


@credit_app.command("reject")
def credit_reject(
    request: int, reason: str = typer.Option(...), by: str = typer.Option(...)
) -> None:
    """Reject credit, with the reason the worker will be given."""
    _credit_decision(request, False, reason, by)


@app.command("needs")
def training_needs() -> None:
    """Open training needs: teams that must train a replacement for someone promoted."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from storage.models import Team, TrainingNeed

    ctx = _context()
    with Session(ctx.engine) as session:
        rows = session.execute(
            select(TrainingNeed, Team.key)
            .join(Team, Team.id == TrainingNeed.team_id)
            .where(TrainingNeed.status == "open")
            .order_by(TrainingNeed.noted_on, TrainingNeed.id)
        ).all()
    if not rows:
        out.print("no open training needs")
    for need, team in rows:
        out.print(
            f"{need.noted_on} team {team}: train a replacement {need.level} ({need.reason})",
            soft_wrap=True,
        )


@keys_app.command("init")
def keys_init() -> None:
    """Create the RS256 signing key (outside the repository, owner-only) and show its JWKS."""
    from notifications.signing import SigningKeyError, create_key, load_key

    settings = _settings()
    try:
        path = create_key(settings.signing_key)
        key = load_key(path)
    except SigningKeyError as exc:
        _fail(str(exc))
    out.print(f"signing key created at {path} (mode 600); key id {key.kid}", soft_wrap=True)
    out.print("publish this JWKS (ladder web serves it at /.well-known/jwks.json):")
    sys.stdout.write(json.dumps(key.jwks(), indent=2) + "\n")


@keys_app.command("show")
def keys_show() -> None:
    """Print the public key set (JWKS) verifiers use."""
    from notifications.signing import SigningKeyError, load_key

    try:
        key = load_key(_settings().signing_key)
    except SigningKeyError as exc:
        _fail(str(exc))
    sys.stdout.write(json.dumps(key.jwks(), indent=2) + "\n")


@certificates_app.command("issue")
def certificates_issue(
    as_of: str = typer.Option(None, help="YYYY-MM-DD; default today (organisation tz)"),
) -> None:
    """Run the certificate batch once: every waiting award is issued and mailed."""
    from notifications.signing import SigningKeyError, load_key

    ctx = _context()
    try:
        load_key(ctx.settings.signing_key)
    except SigningKeyError as exc:
        _fail(str(exc))
    prepare_prefect_environment(ctx.settings.data_dir)
    from flows.certificates import certificate_batch

    state = certificate_batch(as_of=_date(as_of, "--as-of"), return_state=True)
    if not state.is_completed():
        _fail(f"the certificate batch {state.name.lower()}: {state.message}")
    result = state.result()
    out.print(", ".join(f"{key}: {value}" for key, value in result.items()))


@certificates_app.command("verify")
def certificates_verify(
    what: str = typer.Argument(..., help="a serial, a certificate PDF, or a credential (.jwt)"),
) -> None:
    """Check a certificate: its signature, whether the file is the one issued, and its
    status (current, expired, superseded, revoked). Exit code 0 only for genuine+current."""
    from sqlalchemy.orm import Session

    from notifications.signing import SigningKeyError, load_key
    from tasks.certificates import describe, verify_credential, verify_pdf, verify_serial

    ctx = _context()
    try:
        jwks = load_key(ctx.settings.signing_key).jwks()
    except SigningKeyError as exc:
        _fail(str(exc))
    path = Path(what)
    with Session(ctx.engine) as session:
        if path.is_file() and path.read_bytes()[:5] == b"%PDF-":
            result = verify_pdf(session, path.read_bytes(), jwks, ctx.today())
        elif path.is_file():
            result = verify_credential(session, path.read_text(), jwks, ctx.today())
        elif what.count(".") == 2:
            result = verify_credential(session, what, jwks, ctx.today())
        else:
            result = verify_serial(session, what, jwks, ctx.today())
    for line in describe(result):
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    if not (result.genuine and result.status == "current"):
        raise typer.Exit(1)


@certificates_app.command("revoke")
def certificates_revoke(
    serial: str, reason: str = typer.Option(...), by: str = typer.Option(...)
) -> None:
    """Revoke a certificate; verification says so, with the reason."""
    from tasks.certificates import CertificateError, revoke

    ctx = _context()
    from sqlalchemy.orm import Session

    try:
        with Session(ctx.engine, expire_on_commit=False) as session, session.begin():
            done = revoke(session, serial=serial, reason=reason, actor=by, today=ctx.today())
    except CertificateError as exc:
        _fail(str(exc))
    out.print(f"{done.serial} revoked on {done.revoked_on}")


@certificates_app.command("reissue")
def certificates_reissue(
    serial: str, reason: str = typer.Option(...), by: str = typer.Option(...)
) -> None:
    """Issue a corrected certificate that supersedes this one (kept, marked superseded)."""
    from sqlalchemy.orm import Session

    from notifications.signing import SigningKeyError
    from tasks.certificates import CertificateError, reissue
    from tasks.runtime import current_runtime

    ctx = _context()
    try:
        with Session(ctx.engine) as session, session.begin():
            new = reissue(
                session,
                current_runtime(),
                serial=serial,
                reason=reason,
                actor=by,
                today=ctx.today(),
            )
    except (CertificateError, SigningKeyError) as exc:
        _fail(str(exc))
    out.print(f"{new} issued; it supersedes {serial}. It goes out with `ladder mail send`.")


@app.command("web")
def web(port: int = typer.Option(8000), host: str = typer.Option("127.0.0.1")) -> None:
    """Serve the verification page (/verify/SERIAL) and the JWKS (/.well-known/jwks.json)."""
    import uvicorn

    from flows.web import create_app

    _context()
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")


@policy_app.command("preview")
def policy_preview() -> None:
    """Each credential whose expiry the validity rules in training.yaml would now change:
    old and new dates, and the rule. Nothing is changed."""
    from sqlalchemy.orm import Session

    from tasks.training import validity_changes

    ctx = _context()
    with Session(ctx.engine) as session:
        changes = validity_changes(session, ctx.organisation)
    if not changes:
        out.print("no expiry date would change")
        return
    for c in changes:
        out.print(f"{c.worker} {c.module}: {c.old} -> {c.new}  ({c.rule})", soft_wrap=True)
    out.print(
        f"{len(changes)} expiry date(s) would change; apply with "
        "`ladder policy apply --reason ... --by YOUR-ID`",
        soft_wrap=True,
    )


@policy_app.command("apply")
def policy_apply(reason: str = typer.Option(...), by: str = typer.Option(...)) -> None:
    """Apply the changed validity rules to people's expiry dates, with a recorded reason."""
    from tasks.training import apply_validity_changes

    changes = _decide(apply_validity_changes, reason=reason, actor=by)
    out.print(f"{len(changes)} expiry date(s) changed and recorded")


@asye_app.command("enrol")
def asye_enrol(
    workers: list[str] = typer.Argument(None, help="external ids; all if omitted"),
    by: str = typer.Option("workforce-team"),
) -> None:
    """Enrol eligible NQSWs in ASYE (the daily flow also does this)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from storage.models import Worker
    from tasks.asye import enrol_eligible

    ctx = _context()
    with Session(ctx.engine) as session, session.begin():
        ids = None
        if workers:
            found = dict(
                session.execute(
                    select(Worker.external_id, Worker.id).where(Worker.external_id.in_(workers))
                ).all()
            )
            missing = sorted(set(workers) - set(found))
            if missing:
                _fail(f"no worker with id {', '.join(missing)} in Ladder")
            ids = list(found.values())
        enrolled = enrol_eligible(
            session, ctx.organisation, as_of=ctx.today(), actor=by, worker_ids=ids
        )
    out.print(f"enrolled {len(enrolled)}: {', '.join(enrolled) or 'nobody new'}")


def _record(
    worker: str, milestone: str, outcome: str, by: str, on: date | None, notes: str
) -> None:
    from tasks.asye import record_outcome

    ctx_today = on
    result = _decide(
        lambda s, o, today, **k: record_outcome(
            s, o, occurred_on=ctx_today or today, today=today, **k
        ),
        worker=worker,
        milestone=milestone,
        outcome=outcome,
        actor=by,
        notes=notes,
    )
    late = f", {result.days_late} day(s) after it was due" if result.days_late else ""
    out.print(f"recorded {milestone} for {worker}: {outcome} on {result.occurred_on}{late}")


@asye_app.command("review")
def asye_review(
    worker: str,
    milestone: str = typer.Option(..., help="review_3, review_6 or review_9"),
    outcome: str = typer.Option(..., help="on_track, concerns or not_on_track"),
    by: str = typer.Option(..., help="the recorder's id (assessor or manager)"),
    on: str = typer.Option(None, help="YYYY-MM-DD; default today"),
    notes: str = typer.Option("", help="a short note kept in the history"),
) -> None:
    """Record an ASYE review outcome."""
    _record(worker, milestone, outcome, by, _date(on, "--on"), notes)


@asye_app.command("recommend")
def asye_recommend(
    worker: str,
    outcome: str = typer.Option(..., help="pass, fail or extend"),
    by: str = typer.Option(...),
    on: str = typer.Option(None),
    notes: str = typer.Option(""),
) -> None:
    """Record the final recommendation (pass / fail / extend)."""
    _record(worker, "final_recommendation", outcome, by, _date(on, "--on"), notes)


@asye_app.command("report")
def asye_report(
    worker: str,
    by: str = typer.Option(...),
    on: str = typer.Option(None),
    notes: str = typer.Option(""),
) -> None:
    """Record that the assessor's report was submitted."""
    _record(worker, "assessor_report", "submitted", by, _date(on, "--on"), notes)


@asye_app.command("leave")
def asye_leave(
    worker: str,
    start: str = typer.Option(..., "--from"),
    end: str = typer.Option(..., "--to"),
    reason: str = typer.Option(...),
    by: str = typer.Option(...),
) -> None:
    """Record leave that pauses the ASYE year; later milestones move back."""
    from tasks.asye import record_leave

    moved = _decide(
        record_leave,
        worker=worker,
        start=_date(start, "--from"),
        end=_date(end, "--to"),
        reason=reason,
        actor=by,
    )
    for key, old, new in moved:
        out.print(f"{key}: {old} -> {new}")
    out.print(f"leave recorded; {len(moved)} milestone(s) moved")


@asye_app.command("meeting")
def asye_meeting(
    worker: str,
    milestone: str = typer.Option(..., help="the milestone the meeting is for, e.g. review_3"),
    at: str = typer.Option(None, help="local time in the organisation's zone: 'YYYY-MM-DD HH:MM'"),
    minutes: int = typer.Option(60, help="how long, in minutes"),
    where: str = typer.Option("", help="the place, e.g. 'Room 2, Civic Centre'"),
    cancel: bool = typer.Option(False, "--cancel", help="cancel the booked meeting"),
    by: str = typer.Option(..., help="the booker's id (assessor or manager)"),
) -> None:
    """Book, move or cancel a review meeting; the NQSW and assessor get a calendar invite."""
    from definitions.meetings import MeetingTimeError, local_meeting_time
    from tasks.asye import book_meeting

    if cancel == (at is not None):
        _fail("give either --at 'YYYY-MM-DD HH:MM' to book or move the meeting, or --cancel")
    ctx = _context()
    starts = None
    if at is not None:
        try:
            starts = local_meeting_time(at, ctx.organisation.profile.calendar.timezone)
        except MeetingTimeError as exc:
            _fail(f"--at: {exc}")
    sender = ctx.settings.sender_address or ctx.organisation.profile.sender_address
    result = _decide(
        book_meeting,
        worker=worker,
        milestone=milestone,
        starts=starts,
        minutes=minutes,
        location=where,
        actor=by,
        sender_address=sender,
    )
    when = f"{result.starts:%A %d %B %Y %H:%M %Z}"
    if result.change == "unchanged":
        out.print(
            f"{milestone} meeting for {worker} is already booked for {when}; nothing sent",
            soft_wrap=True,
        )
        return
    out.print(
        f"{milestone} meeting for {worker} {result.change} ({when}, version {result.sequence}); "
        f"{result.invites_queued} invite(s) queued: they go out with the next daily run, or "
        "now with `ladder mail send`",
        soft_wrap=True,
    )


def _date(value: str | None, option: str) -> Any:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} '{value}' is not a date; use YYYY-MM-DD")


@app.command()
def daily(
    as_of: str = typer.Option(None, help="YYYY-MM-DD; default today (organisation tz)"),
) -> None:
    """Run the daily flow once (Prefect, local ephemeral mode unless PREFECT_API_URL is set)."""
    import asyncio

    ctx = _context()  # settings, programme files and schema are checked before Prefect starts
    prepare_prefect_environment(ctx.settings.data_dir)
    from flows.daily import daily as daily_flow

    state = asyncio.run(daily_flow(as_of=_date(as_of, "--as-of"), return_state=True))
    if not state.is_completed():
        # The traceback is in the flow run's logs (Prefect UI); the console gets the reason.
        _fail(f"the daily run {state.name.lower()}: {state.message}")
    result = asyncio.run(state.aresult())
    out.print(", ".join(f"{key}: {value}" for key, value in result.items()))


@app.command()
def explain(
    worker: str,
    as_json: bool = typer.Option(False, "--json"),
    as_of: str = typer.Option(None, help="YYYY-MM-DD; default today"),
) -> None:
    """Every due date of a worker, with the rule that produced it."""
    from flows.explain import explain_worker, render_explanation

    ctx = _context()
    try:
        data = explain_worker(
            ctx.engine, ctx.organisation, worker, as_of=_date(as_of, "--as-of") or ctx.today()
        )
    except LookupError as exc:
        _fail(str(exc.args[0]))
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        render_explanation(out, data)


@mail_app.command("sink")
def mail_sink(port: int = typer.Option(8025), folder: Path = typer.Option(None)) -> None:
    """Run a local SMTP sink on 127.0.0.1 that stores every message as an .eml file."""
    import signal
    import time

    from notifications.sink import SmtpSink

    folder = folder or _settings().mail_dir
    sink = SmtpSink(folder, port=port)
    try:
        sink.start()
    except (OSError, RuntimeError) as exc:
        _fail(f"cannot listen on 127.0.0.1:{port} ({exc}); is another sink running? try --port")
    # Ctrl-C stops it even if this process inherited SIGINT ignored (a script's background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # Started above (to turn a busy port into a clear error); stopped here, once.
    out.print(f"SMTP sink on 127.0.0.1:{sink.port}, storing mail in {folder}; Ctrl-C stops")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sink.stop()


@mail_app.command("preview")
def mail_preview(
    kind: str = typer.Argument(
        "reminder", help="reminder, digest, invite, cancellation or booking"
    ),
    step: str = typer.Option(
        "before_14", help="for a reminder: a step of its policy; for a booking: waitlisted"
    ),
    role: str = typer.Option(
        "worker", help="worker, assessor, supervisor, manager or workforce_lead"
    ),
    html: Path = typer.Option(None, help="also write the HTML part to this file"),
    eml: Path = typer.Option(None, help="also write the whole message (.eml) to this file"),
) -> None:
    """Render a message with sample people, exactly as Ladder would queue it."""
    from definitions.settings import load_configured_organisation
    from flows.preview import PreviewError, preview

    organisation = load_configured_organisation(_settings())
    try:
        shown = preview(
            organisation,
            kind,
            step=step,
            role=role,
            today=organisation.working_calendar().today(),
        )
    except PreviewError as exc:
        _fail(str(exc))
    out.print(
        f"Subject: {shown.subject}\nTo: {shown.to_address}  (sent {shown.sent_on})\n",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    out.print(shown.text, highlight=False, markup=False, soft_wrap=True)
    if shown.ics:
        ics = shown.ics.replace("\r\n", "\n")
        out.print(f"Attached invite.ics:\n{ics}", highlight=False, markup=False, soft_wrap=True)
    if html:
        html.write_text(shown.html, encoding="utf-8")
    if eml:
        eml.write_bytes(bytes(shown.email(organisation)))


@mail_app.command("send")
def mail_send() -> None:
    """Deliver what is queued now (the daily flow does this too); nothing is sent twice."""
    from notifications.transport import DeliveryError
    from tasks.delivery import MailServerUnavailable, deliver_queued
    from tasks.runtime import current_runtime

    _context()  # settings, programme files and schema, with clear errors
    try:
        report = deliver_queued(current_runtime())
    except (DeliveryError, MailServerUnavailable) as exc:
        _fail(f"nothing more was sent: {exc}; the messages stay queued for the next run")
    out.print(
        f"sent {report.sent}; {report.failed_permanently} failed permanently, "
        f"{report.deferred} deferred"
    )
    for line in report.errors[:20]:
        out.print(f"  {line}", highlight=False, markup=False)


@mail_app.command("status")
def mail_status(limit: int = typer.Option(20, help="how many problem messages to list")) -> None:
    """Counts of queued, sent and failed messages, and the messages that met an error."""
    from sqlalchemy.orm import Session

    from storage.outbox import channel_counts, status_counts, undelivered

    ctx = _context()
    with Session(ctx.engine) as session:
        counts = status_counts(session)
        channels = channel_counts(session)
        problems = undelivered(session, limit=limit)
    statuses = ("queued", "sent", "failed")
    out.print(", ".join(f"{s}: {counts.get(s, 0)}" for s in statuses))
    for channel, label in (
        ("direct", "reminders"),
        ("digest", "digests"),
        ("invite", "invites"),
        ("certificate", "certificates"),
        ("panel", "panel packs and outcomes"),
    ):
        if any(channels.get((channel, s)) for s in statuses):
            shown = ", ".join(f"{s} {channels.get((channel, s), 0)}" for s in statuses)
            out.print(f"  {label}: {shown}", highlight=False)
    for m in problems:
        when = (
            f"next attempt {m.next_attempt_at:%Y-%m-%d %H:%M} UTC"
            if m.status == "queued" and m.next_attempt_at
            else "waits for the next run"
            if m.status == "queued"
            else "not retried"
        )
        out.print(
            f"message {m.id} ({m.kind}/{m.step} to {m.recipient or '-'}): {m.status} "
            f"after {m.attempts} attempt(s), {when}: {m.last_error}",
            highlight=False,
        )


@app.command()
def demo(
    days: int = typer.Option(365, help="days to simulate"),
    start: str = typer.Option("2026-01-01", help="first simulated day"),
    seed: int = typer.Option(2026, help="random seed for the simulated people"),
    reset: bool = typer.Option(False, help="also reset a database the demo did not make"),
) -> None:
    """The main job on embedded defaults: a simulated year of daily runs with a local SMTP sink."""
    settings = _settings()
    prepare_prefect_environment(settings.data_dir)
    # The progress bar is the demo's console; flow and task logs still reach the Prefect API.
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    from flows.demo import run_demo

    code = run_demo(
        settings, first_day=_date(start, "--start"), days=days, seed=seed, reset=reset, console=out
    )
    raise typer.Exit(code)


from flows.panel_cli import panel_app  # noqa: E402  (it uses the helpers above)

app.add_typer(panel_app, name="panel")

from flows.stack_cli import stack_app  # noqa: E402

app.add_typer(stack_app, name="stack")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
