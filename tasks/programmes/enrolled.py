"""Who is on a dated programme (the ASYE year, an induction): the enrolment and milestone a
use case needs, or a refusal saying which is missing, and whether the actor may record for
that worker."""

from __future__ import annotations

from sqlalchemy.orm import Session

from definitions.errors import NotFound, Refused
from definitions.organisation import Organisation
from definitions.programmes import MilestoneRule, Programme, require_asye
from storage.enrolments import enrolment_of
from storage.models import Enrolment, Worker
from tasks.people import acting, require_may_act_for
from tasks.people import worker as find_worker

ASYE = "asye"


def milestone_source(enrolment_id: int, milestone: str, programme: str = ASYE) -> str:
    """The obligation source of an enrolment's milestone (`<programme>:<enrolment>:<key>`,
    e.g. `asye:12:review_3`)."""
    return f"{programme}:{enrolment_id}:{milestone}"


def programme_of(organisation: Organisation, key: str) -> Programme:
    """The organisation's programme `key` (the ASYE year is `asye`); Misconfigured if none."""
    if key == ASYE:
        return require_asye(organisation.asye)
    return organisation.programme(key)


def not_enrolled(organisation: Organisation, subject: Worker, programme: str = ASYE) -> str:
    """Why a worker has no enrolment on the programme, and what to do about it."""
    rule = programme_of(organisation, programme)
    if subject.role not in rule.eligible_roles:
        return (
            f"{subject.external_id} is not on the {rule.called}: their role is {subject.role}, "
            f"and the {rule.called} is for {', '.join(rule.eligible_roles)}"
        )
    if rule.starters_from and subject.start_date < rule.starters_from:
        return (
            f"{subject.external_id} is not on the {rule.called}: it is for those who started "
            f"on or after {rule.starters_from}, and they started on {subject.start_date}"
        )
    command = "ladder asye enrol" if programme == ASYE else f"ladder programme enrol {programme}"
    return (
        f"{subject.external_id} is not enrolled in the {rule.called} yet; enrol them with "
        f"`{command} {subject.external_id}`"
    )


def enrolled(
    session: Session, organisation: Organisation, worker: str, programme: str = ASYE
) -> tuple[Worker, Enrolment]:
    """The worker and their enrolment; NotFound or Refused says which is missing."""
    subject = find_worker(session, worker)
    enrolment = enrolment_of(session, worker_id=subject.id, programme=programme)
    if enrolment is None:
        raise Refused(not_enrolled(organisation, subject, programme))
    return subject, enrolment


def enrolled_milestone(
    session: Session, organisation: Organisation, worker: str, milestone: str, programme: str = ASYE
) -> tuple[Worker, Enrolment, MilestoneRule]:
    """The worker, their enrolment and the milestone's rule, or a LadderError that says
    which is missing."""
    subject, enrolment = enrolled(session, organisation, worker, programme)
    try:
        return subject, enrolment, programme_of(organisation, programme).milestone(milestone)
    except KeyError as exc:
        raise NotFound(str(exc.args[0])) from None


def require_recorder(
    session: Session,
    organisation: Organisation,
    actor: str,
    subject: Worker,
    enrolment: Enrolment,
) -> None:
    """Refuse unless the actor is the worker's assessor or manager, or holds a role that
    may record the programme's steps for anyone (its `recorded_by`, by default ladder.yaml's
    `decided_by.asye`)."""
    recorder = acting(session, actor, "recorder")
    rule = programme_of(organisation, enrolment.programme)
    deciders = rule.recorded_by or organisation.ladder.decided_by.asye
    require_may_act_for(
        recorder,
        allowed=[enrolment.assessor_id, subject.manager_id],
        deciders=deciders,
        refusal=(
            f"{actor} is neither {subject.external_id}'s assessor nor their manager, nor a "
            f"{' or '.join(deciders)}; ask one of them to record it"
        ),
    )
