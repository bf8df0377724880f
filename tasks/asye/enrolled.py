"""Who is on ASYE: the enrolment and milestone a use case needs, or a refusal saying which is
missing, and whether the actor may record for that worker."""

from __future__ import annotations

from sqlalchemy.orm import Session

from definitions.asye import AsyeMilestoneRule, require_asye
from definitions.errors import NotFound, Refused
from definitions.organisation import Organisation
from storage.enrolments import enrolment_of
from storage.models import Enrolment, Worker
from tasks.people import require_may_act_for
from tasks.people import worker as find_worker

PROGRAMME = "asye"


def milestone_source(enrolment_id: int, milestone: str) -> str:
    """The obligation source of an enrolment's milestone (`asye:<enrolment>:<milestone>`)."""
    return f"{PROGRAMME}:{enrolment_id}:{milestone}"


def not_enrolled(organisation: Organisation, subject: Worker) -> str:
    """Why a worker has no ASYE enrolment, and what to do about it."""
    eligible = require_asye(organisation.asye).eligible_roles
    if subject.role not in eligible:
        return (
            f"{subject.external_id} is not on ASYE: their role is {subject.role}, and ASYE is "
            f"for {', '.join(eligible)}"
        )
    return (
        f"{subject.external_id} is not enrolled in ASYE yet; enrol them with "
        f"`ladder asye enrol {subject.external_id}`"
    )


def enrolled(session: Session, organisation: Organisation, worker: str) -> tuple[Worker, Enrolment]:
    """The worker and their ASYE enrolment; NotFound or Refused says which is missing."""
    subject = find_worker(session, worker)
    enrolment = enrolment_of(session, worker_id=subject.id, programme=PROGRAMME)
    if enrolment is None:
        raise Refused(not_enrolled(organisation, subject))
    return subject, enrolment


def enrolled_milestone(
    session: Session, organisation: Organisation, worker: str, milestone: str
) -> tuple[Worker, Enrolment, AsyeMilestoneRule]:
    """The worker, their ASYE enrolment and the milestone's rule, or a LadderError that says
    which is missing."""
    subject, enrolment = enrolled(session, organisation, worker)
    try:
        return subject, enrolment, require_asye(organisation.asye).milestone(milestone)
    except KeyError as exc:
        raise NotFound(str(exc.args[0])) from None


def require_recorder(
    session: Session,
    organisation: Organisation,
    actor: str,
    subject: Worker,
    enrolment: Enrolment,
) -> None:
    """Refuse unless the actor is the worker's assessor or manager, or holds a role
    ladder.yaml lets record ASYE decisions for anyone (`decided_by.asye`)."""
    recorder = find_worker(session, actor, "recorder")
    deciders = organisation.ladder.decided_by.asye
    require_may_act_for(
        recorder,
        allowed=[enrolment.assessor_id, subject.manager_id],
        deciders=deciders,
        refusal=(
            f"{actor} is neither {subject.external_id}'s assessor nor their manager, nor a "
            f"{' or '.join(deciders)}; ask one of them to record it"
        ),
    )
