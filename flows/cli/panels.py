"""`ladder panel`: the progression panel calendar, nominations, evidence, decisions,
signatures, action plans and vacancies."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from definitions.panels import PanelDecision
from flows.cli.common import command_group, fail, out, parse_date, required_date, runtime
from storage.models import Panel
from storage.panels import candidacies_at, panels_from
from tasks.panels.calendar import schedule_panel, sync_panels
from tasks.panels.common import programme_of
from tasks.panels.decision import decide
from tasks.panels.evidence import record_evidence, record_preparation
from tasks.panels.follow_up import complete_action, sign_outcome
from tasks.panels.nomination import nominate
from tasks.panels.placement import open_post

app = command_group("Progression panels: calendar, nominations, evidence, decisions, action plans.")


@app.command("schedule")
def schedule(
    on: str = typer.Option(..., help="the meeting's date, YYYY-MM-DD (a working day)"),
    at: str = typer.Option("10:00", help="local start time, HH:MM"),
    where: str = typer.Option(..., help="the venue"),
    by: str = typer.Option(..., help="who schedules it (kept in the history)"),
) -> None:
    """Add a panel meeting; shows its submission deadline and why it falls there."""
    meets_on = required_date(on, "--on")
    rt = runtime()
    with rt.transaction() as session:
        panel = schedule_panel(
            session,
            rt.organisation,
            meets_on=meets_on,
            at=at,
            where=where,
            actor=by,
            today=rt.today(),
        )
    out.print(
        f"panel on {panel.meets_on} at {panel.starts_at}, {panel.venue}; evidence due by "
        f"{panel.deadline} ({panel.deadline_rule})",
        soft_wrap=True,
    )


@app.command("list")
def list_panels(
    since: str = typer.Option(None, "--from", help="YYYY-MM-DD; default a year ago"),
) -> None:
    """Panels with their deadlines, status and candidates."""
    rt = runtime()
    start = parse_date(since, "--from") or rt.today() - timedelta(days=365)
    with rt.transaction() as session:
        sync_panels(session, rt.organisation)
        for panel in panels_from(session, on_or_after=start):
            people = candidacies_at(session, panel_id=panel.id)
            listed = ", ".join(f"{w.external_id} ({c.status.replace('_', ' ')})" for c, w in people)
            out.print(
                f"{panel.meets_on} {panel.starts_at}  deadline {panel.deadline}  "
                f"{panel.status:<9}  {listed or 'no candidates'}",
                soft_wrap=True,
                highlight=False,
            )


@app.command("nominate")
def nominate_candidate(
    worker: str,
    panel: str = typer.Option(..., help="the panel's date, YYYY-MM-DD"),
    by: str = typer.Option(..., help="the team manager's id"),
) -> None:
    """Nominate a candidate (or resubmit one whose action plan is done)."""
    meets_on = required_date(panel, "--panel")
    rt = runtime()
    with rt.transaction() as session:
        candidacy = nominate(
            session, rt.organisation, worker=worker, panel=meets_on, actor=by, today=rt.today()
        )
        meeting = session.get(Panel, candidacy.panel_id)
        assert meeting is not None
    again = " (resubmission)" if candidacy.previous_id else ""
    out.print(
        f"{worker} nominated for the panel on {meeting.meets_on}{again}; the evidence pack is "
        f"due by {meeting.deadline}",
        soft_wrap=True,
    )


@app.command("evidence")
def evidence(
    worker: str,
    item: str = typer.Option(..., help="the evidence pack item, e.g. social_worker_report"),
    file: Path = typer.Option(..., help="the document to store"),
    author: str = typer.Option(..., help="who wrote it (an id, or a name for an external)"),
    dated: str = typer.Option(..., help="the document's date, YYYY-MM-DD"),
    observation: list[str] = typer.Option(
        [], help="a direct observation's date (repeat: at least three for the observation report)"
    ),
    covers: str = typer.Option(
        "", help="capabilities the report covers: 'all' or keys separated by commas"
    ),
    by: str = typer.Option(..., help="who records it"),
) -> None:
    """Record one item of a candidate's evidence pack (checked, and the file stored)."""
    rt = runtime()
    capabilities: tuple[str, ...] = ()
    if covers.strip() == "all":
        capabilities = programme_of(rt.organisation).capability_keys
    elif covers:
        capabilities = tuple(c.strip() for c in covers.split(",") if c.strip())
    document_date = required_date(dated, "--dated")
    observations = tuple(required_date(o, "--observation") for o in observation)
    with rt.transaction() as session:
        result = record_evidence(
            session,
            rt.organisation,
            worker=worker,
            item=item,
            author=author,
            dated=document_date,
            actor=by,
            today=rt.today(),
            data_dir=rt.settings.data_dir,
            file=file,
            observations=observations,
            capabilities=capabilities,
            protected=(rt.settings.signing_key.parent,),
        )
    replaced = " (replaces the earlier version)" if result.replaced else ""
    missing = ", ".join(result.still_missing) or "nothing: the pack is complete"
    out.print(
        f"{item} recorded for {worker}{replaced}; still missing for the panel on "
        f"{result.panel}: {missing}",
        soft_wrap=True,
    )


@app.command("preparation")
def preparation(
    worker: str,
    on: str = typer.Option(..., help="the day given, YYYY-MM-DD"),
    by: str = typer.Option(..., help="the line manager's id"),
) -> None:
    """Record the candidate's day of preparation time."""
    given = required_date(on, "--on")
    rt = runtime()
    with rt.transaction() as session:
        day = record_preparation(
            session, rt.organisation, worker=worker, on=given, actor=by, today=rt.today()
        )
    out.print(f"preparation day for {worker} recorded: {day}")


def _action(text: str) -> dict[str, Any]:
    owner, _, rest = text.partition(":")
    due, _, title = rest.partition(":")
    if owner not in ("worker", "manager") or not title.strip():
        fail(
            f"--action '{text}': write OWNER:YYYY-MM-DD:what, with OWNER worker or manager, "
            "e.g. 'worker:2026-07-31:Complete two further direct observations'"
        )
    return {"owner": owner, "due": required_date(due, "--action"), "title": title.strip()}


@app.command("decide")
def record_decision(
    worker: str,
    panel: str = typer.Option(..., help="the panel's date, YYYY-MM-DD"),
    outcome: str = typer.Option(..., help="progress or defer"),
    by: str = typer.Option(..., help="the panel member recording it (usually the chair)"),
    on: str = typer.Option(None, help="the decision's date; default the panel's"),
    reasons: str = typer.Option("", help="why (required to defer)"),
    further_work: str = typer.Option("", help="the further work (required to defer)"),
    action: list[str] = typer.Option(
        [], help="an action plan item OWNER:YYYY-MM-DD:what (repeat; required to defer)"
    ),
) -> None:
    """Record the panel's decision: final, recorded once (the panel-decision deployment
    records the same from a form in the Prefect UI)."""
    try:
        decision = PanelDecision.model_validate(
            {
                "worker": worker,
                "panel": panel,
                "outcome": outcome,
                "decided_by": by,
                "decided_on": on,
                "reasons": reasons,
                "further_work": further_work,
                "actions": [_action(a) for a in action],
            }
        )
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(p) for p in e["loc"])
        fail((f"{where}: " if where else "") + str(e["msg"]).removeprefix("Value error, "))
    rt = runtime()
    with rt.transaction() as session:
        result = decide(
            session,
            rt.organisation,
            decision=decision,
            today=rt.today(),
            data_dir=rt.settings.data_dir,
            sender=rt.sender_address,
            links=rt.links(),
        )
    extra = ""
    if result.placement == "slotted":
        extra = f"; slotted into the vacant post in {result.post_team}"
    elif result.placement == "waiting":
        extra = "; no vacant post: on the waiting list for the next one"
    elif result.actions:
        extra = f"; {result.actions} action plan item(s) to follow"
    out.print(
        f"{worker}: {result.outcome} at the panel on {result.panel}{extra}. The outcome report "
        f"({result.report_path}) is queued to the worker and team manager to sign.",
        soft_wrap=True,
    )


@app.command("sign")
def sign(
    worker: str,
    by: str = typer.Option(..., help="the worker or their team manager"),
    on: str = typer.Option(None, help="YYYY-MM-DD; default today"),
) -> None:
    """Record a signature on the outcome report."""
    signed_on = parse_date(on, "--on")
    rt = runtime()
    today = rt.today()
    with rt.transaction() as session:
        role = sign_outcome(
            session, rt.organisation, worker=worker, actor=by, on=signed_on or today, today=today
        )
    out.print(f"{worker}'s outcome report signed by {by} ({role})")


@app.command("action-done")
def action_done(
    worker: str,
    item: int = typer.Option(..., help="the action's number in the plan, from 1"),
    by: str = typer.Option(..., help="who records it (usually the team manager)"),
    on: str = typer.Option(None, help="YYYY-MM-DD; default today"),
    note: str = typer.Option("", help="a short note kept in the history"),
) -> None:
    """Mark an item of a deferral action plan done."""
    done_on = parse_date(on, "--on")
    rt = runtime()
    today = rt.today()
    with rt.transaction() as session:
        done = complete_action(
            session,
            rt.organisation,
            worker=worker,
            item=item,
            actor=by,
            on=done_on or today,
            today=today,
            note=note,
        )
    tail = (
        "every action is done: the team manager may resubmit "
        f"(`ladder panel nominate {worker} --panel DATE --by ID`)"
        if done.ready_to_resubmit
        else f"{done.open_left} still open"
    )
    out.print(f"action {item} ('{done.title}') done; {tail}", soft_wrap=True)


@app.command("vacancy")
def vacancy(
    team: str = typer.Option(..., help="the team with the vacant post, e.g. children-north"),
    level: str = typer.Option(None, help="the post's level; default the route's"),
    by: str = typer.Option(..., help="who records it"),
) -> None:
    """Record a vacant post; the longest-waiting progressed candidate of that service fills it."""
    rt = runtime()
    with rt.transaction() as session:
        post, slotted = open_post(
            session, rt.organisation, team=team, level=level, actor=by, today=rt.today()
        )
    filled = "; ".join(f"{w} slotted into it" for w, _ in slotted) or "nobody is waiting"
    out.print(f"post {post} in {team} is vacant; {filled}")
