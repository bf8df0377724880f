"""`ladder mail`: the local SMTP sink, previews, delivery now, and the outbox's status."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from definitions.errors import Unavailable
from flows.cli.common import command_group, fail, out, runtime, settings
from notifications.sink import SmtpSink
from storage.outbox import channel_counts, leases_held, status_counts, undelivered
from tasks.delivery.send import deliver_queued
from tasks.holders import gone_here
from tasks.preview import preview
from tasks.proofreading import proofread_folder
from tasks.runtime import checked_organisation

app = command_group("Mail: the local SMTP sink and the outbox.")


@app.command("sink")
def mail_sink(
    port: int = typer.Option(8025, min=1, max=65535), folder: Path = typer.Option(None)
) -> None:
    """Run a local SMTP sink on 127.0.0.1 that stores every message as an .eml file."""
    folder = folder or settings().mail_dir
    sink = SmtpSink(folder, port=port)
    try:
        sink.start()
    except (OSError, RuntimeError) as exc:
        fail(f"cannot listen on 127.0.0.1:{port} ({exc}); is another sink running? try --port")
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


@app.command("preview")
def mail_preview(
    kind: str = typer.Argument(
        "reminder", help="reminder, digest, invite, cancellation or booking"
    ),
    step: str = typer.Option(
        None,
        help="for a reminder: a step of its policy (default its first); for a booking: waitlisted",
    ),
    role: str = typer.Option(
        None,
        help="who reads it: worker, assessor, supervisor, manager, or a role of ladder.yaml "
        "that reminders go to (default: the worker, else the first the step reaches)",
    ),
    html: Path = typer.Option(None, help="also write the HTML part to this file"),
    eml: Path = typer.Option(None, help="also write the whole message (.eml) to this file"),
) -> None:
    """Render a message with sample people, exactly as Ladder would queue it."""
    organisation = checked_organisation(settings())
    shown = preview(
        organisation, kind, step=step, role=role, today=organisation.working_calendar().today()
    )
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


@app.command("proofread")
def mail_proofread(
    folder: Path = typer.Argument(None, help="a folder of .eml files (default: the sink's)"),
) -> None:
    """Read every message in the folder as its reader would: a command line, an id or key,
    a title pasted after "Your" or "The", an empty name, a reader asked to chase themselves.
    Exit code 1 if any message has one."""
    rt = runtime()
    folder = folder or rt.settings.mail_dir
    with Session(rt.engine) as session:
        read, findings = proofread_folder(session, rt.organisation, folder)
    for finding in findings:
        out.print(f"{finding.file} ({finding.subject}): {finding.defect}", highlight=False)
    out.print(f"{read} message(s) read, {len({f.file for f in findings})} with something to fix")
    if findings:
        raise typer.Exit(1)


@app.command("send")
def mail_send() -> None:
    """Deliver what is queued now (the daily flow does this too); nothing is sent twice."""
    rt = runtime()  # settings, programme files and schema, with clear errors
    try:
        report = deliver_queued(rt)
    except Unavailable as exc:  # the server cannot be reached: say what stays queued
        fail(f"nothing more was sent: {exc}; the messages stay queued for the next run")
    out.print(
        f"sent {report.sent}; {report.failed_permanently} failed permanently, "
        f"{report.deferred} deferred"
    )
    for line in report.errors[:20]:
        out.print(f"  {line}", highlight=False, markup=False)


@app.command("status")
def mail_status(
    limit: int = typer.Option(20, min=1, max=10_000, help="how many problem messages to list"),
) -> None:
    """Counts of queued, sent and failed messages, and the messages that met an error."""
    rt = runtime()
    with Session(rt.engine) as session:
        counts = status_counts(session)
        channels = channel_counts(session)
        problems = undelivered(session, limit=limit)
        leases = leases_held(session, now=datetime.now(UTC))
    statuses = ("queued", "sent", "failed")
    out.print(", ".join(f"{s}: {counts.get(s, 0)}" for s in statuses))
    for held in leases:  # queued messages a delivery is sending now, or was when it died
        fate = (
            "its process is gone, so the next delivery takes them over at once"
            if gone_here(held.holder)
            else f"until {held.until:%Y-%m-%d %H:%M:%S} UTC, then any delivery may send them"
        )
        out.print(
            f"  being sent: {held.messages} queued message(s) leased by {held.holder}, {fate}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
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
