"""`ladder credit`, `ladder policy` and `ladder needs`: credit for prior learning, changed
validity rules, and the training needs a promotion leaves behind."""

from __future__ import annotations

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from flows.cli.common import LadderGroup, command_group, out, required_date, runtime
from storage.models import Team, TrainingNeed
from tasks.training.credit import decide_credit, request_credit
from tasks.training.needs import close_training_need
from tasks.training.validity import apply_validity_changes, validity_changes

credit_app = command_group("Credit for prior learning: request, approve, reject.")
needs_app = typer.Typer(
    help="Training needs a promotion leaves behind: list them, or close one.",
    invoke_without_command=True,
    cls=LadderGroup,
)
policy_app = command_group("Validity rules: preview and apply a change to people's expiry dates.")


@credit_app.command("request")
def credit_request(
    worker: str,
    module: str = typer.Option(..., help="the module the prior learning covers"),
    learned_on: str = typer.Option(..., help="YYYY-MM-DD, when the prior learning ended"),
    evidence: str = typer.Option(..., help="the certificate, course or portfolio"),
    by: str = typer.Option(..., help="who asks (the worker or their manager)"),
) -> None:
    """Ask for credit for prior learning; an approver decides it."""
    learned = required_date(learned_on, "--learned-on")
    rt = runtime()
    with rt.transaction() as session:
        request = request_credit(
            session,
            rt.organisation,
            worker=worker,
            module=module,
            learned_on=learned,
            evidence=evidence,
            actor=by,
            today=rt.today(),
        )
    out.print(f"credit request {request.id}: {worker} {module}, waiting for a decision")


def _credit_decision(request: int, approve: bool, reason: str, by: str) -> None:
    rt = runtime()
    with rt.transaction() as session:
        decided = decide_credit(
            session,
            rt.organisation,
            request_id=request,
            approve=approve,
            reason=reason,
            actor=by,
            today=rt.today(),
            sender_address=rt.sender_address,
        )
    out.print(
        f"credit request {request}: {decided.status} by {by}; the worker is told by mail on "
        "the next daily run"
    )


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


@needs_app.callback()
def training_needs(ctx: typer.Context) -> None:
    """Open training needs: teams that must train a replacement for someone promoted."""
    if ctx.invoked_subcommand is not None:
        return
    rt = runtime()
    with Session(rt.engine) as session:
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
            f"need {need.id}, {need.noted_on}, team {team}: train a replacement {need.level} "
            f"({need.reason})",
            soft_wrap=True,
        )


@needs_app.command("close")
def needs_close(
    need: int,
    reason: str = typer.Option(..., help="e.g. 'W0042 hired', 'post not replaced'"),
    by: str = typer.Option(..., help="your roster id (a workforce lead or head of service)"),
) -> None:
    """Close a training need: the team hired or trained a replacement (a roster import that
    shows one closes it by itself)."""
    rt = runtime()
    with rt.transaction() as session:
        close_training_need(
            session, rt.organisation, need_id=need, reason=reason, actor=by, today=rt.today()
        )
    out.print(f"need {need} closed: {reason}", highlight=False)


@policy_app.command("preview")
def policy_preview() -> None:
    """Each credential whose expiry the validity rules in training.yaml would now change:
    old and new dates, and the rule. Nothing is changed."""
    rt = runtime()
    with Session(rt.engine) as session:
        changes = validity_changes(session, rt.organisation)
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
    rt = runtime()
    with rt.transaction() as session:
        changes = apply_validity_changes(
            session, rt.organisation, reason=reason, actor=by, today=rt.today()
        )
    out.print(f"{len(changes)} expiry date(s) changed and recorded")
