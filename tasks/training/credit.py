"""Credit for prior learning: a request with evidence, decided once by an approver; approved
credit counts as a completion on the date the prior learning ended."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from definitions.errors import BadInput, NotFound, Refused
from definitions.items import Person
from definitions.organisation import Organisation
from definitions.training import require_programme
from notifications import compose
from storage.history import record_event
from storage.models import CreditRequest, Worker
from storage.outbox import enqueue
from tasks import people
from tasks.reminders.compose import outbox_row
from tasks.training.completions import record_completions


def request_credit(
    session: Session,
    organisation: Organisation,
    *,
    worker: str,
    module: str,
    learned_on: date,
    evidence: str,
    actor: str,
    today: date,
) -> CreditRequest:
    training = require_programme(organisation.training)
    subject = people.worker(session, worker)
    requester = people.acting(session, actor, "requester")
    who = " or ".join(r.replace("_", " ") for r in training.credit_approvers)
    people.require_may_act_for(
        requester,
        allowed=(subject.id, subject.manager_id),
        deciders=training.credit_approvers,
        refusal=(
            f"{actor} may not request credit for {worker}: only the worker, their manager or "
            f"a {who} may (training.yaml: credit_approvers)"
        ),
    )
    try:
        training.module(module)
    except KeyError as exc:
        raise NotFound(str(exc.args[0])) from None
    earlier = session.scalars(
        select(CreditRequest).where(
            CreditRequest.worker_id == subject.id,
            CreditRequest.module == module,
            CreditRequest.status.in_(("requested", "approved")),
        )
    ).first()
    if earlier is not None:
        raise Refused(
            f"{worker} already has credit request {earlier.id} for {module}, "
            + (
                f"made on {earlier.requested_on} and waiting for a decision"
                if earlier.status == "requested"
                else f"approved on {earlier.decided_on}"
            )
            + "; one request per module"
        )
    if learned_on > today:
        raise BadInput(f"{learned_on} is in the future; give the date the learning ended")
    if not evidence.strip():
        raise BadInput("credit needs evidence: name the certificate, course or portfolio")
    request = CreditRequest(
        worker_id=subject.id,
        module=module,
        learned_on=learned_on,
        evidence=evidence.strip(),
        requested_by=actor,
        requested_on=today,
        status="requested",
    )
    session.add(request)
    session.flush()
    record_event(
        session,
        kind="training.credit_requested",
        actor=actor,
        occurred_on=today,
        subject_id=subject.id,
        payload={"request": request.id, "module": module, "learned_on": learned_on.isoformat()},
    )
    return request


def decide_credit(
    session: Session,
    organisation: Organisation,
    *,
    request_id: int,
    approve: bool,
    reason: str,
    actor: str,
    today: date,
    sender_address: str | None = None,
) -> CreditRequest:
    """Approve or reject a credit request, once, with a reason, by someone whose role may
    approve credit (training.yaml: credit_approvers). Approved credit counts as a completion
    on the date the prior learning ended."""
    training = require_programme(organisation.training)
    request = session.get(CreditRequest, request_id, with_for_update=True)
    if request is None:
        raise NotFound(f"no credit request {request_id}")
    approver = people.acting(session, actor, "decider")
    people.require_may_act_for(
        approver,
        allowed=(),
        deciders=training.credit_approvers,
        refusal=(
            f"{actor} is a {approver.role}; credit is decided by a "
            f"{' or '.join(training.credit_approvers)}"
        ),
    )
    if approver.id == request.worker_id:
        raise Refused("nobody decides their own credit; ask another approver")
    if request.status != "requested":
        raise Refused(
            f"credit request {request_id} was already {request.status} on {request.decided_on} "
            f"by {request.decided_by}; a decision is recorded once"
        )
    if not reason.strip():
        raise BadInput("give the reason for the decision (--reason)")
    done = session.execute(
        update(CreditRequest)
        .where(CreditRequest.id == request_id, CreditRequest.status == "requested")
        .values(
            status="approved" if approve else "rejected",
            decided_by=actor,
            decided_on=today,
            reason=reason.strip(),
        )
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], done).rowcount != 1:
        raise Refused(f"credit request {request_id} was decided by someone else meanwhile")
    record_event(
        session,
        kind="training.credit_approved" if approve else "training.credit_rejected",
        actor=actor,
        occurred_on=today,
        subject_id=request.worker_id,
        payload={"request": request_id, "module": request.module, "reason": reason.strip()},
    )
    if approve:
        record_completions(
            session,
            organisation,
            rows=[
                dict(
                    worker_id=request.worker_id,
                    module=request.module,
                    completed_on=request.learned_on,
                    source="credit",
                    source_ref=f"credit:{request_id}",
                )
            ],
            actor=actor,
            today=today,
        )
    session.refresh(request)
    if sender_address:
        _tell_worker(session, organisation, request, sender_address, today)
    return request


def _tell_worker(
    session: Session,
    organisation: Organisation,
    request: CreditRequest,
    sender_address: str,
    today: date,
) -> None:
    """Queue the decision mail to the worker, once (its key is the request's decision)."""
    training = require_programme(organisation.training)
    subject = session.get(Worker, request.worker_id)
    if subject is None or subject.status == "left":
        return
    person = Person(subject.id, subject.external_id, subject.name, subject.email)
    message = compose.credit_decision(
        person_name=subject.name,
        title=training.module(request.module).title,
        approved=request.status == "approved",
        learned_on=request.learned_on,
        reason=request.reason or "",
        voice=organisation.voice,
    )
    enqueue(
        session,
        rows=[
            outbox_row(
                f"credit:{request.id}:{request.status}",
                sender_address,
                person,
                "worker",
                message,
                send_on=today,
                kind="credit_decision",
                step=request.status,
                obligation_id=None,
                channel="direct",
            )
        ],
    )
