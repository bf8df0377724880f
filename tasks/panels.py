"""Progression panels: schedule, nominate, gather evidence, lock at the deadline, send the
panel pack, record the decision once, then slot into a post or run the action plan.

Every step is a short transaction on the database: a lifecycle of months never waits
inside a flow. The daily flow's `panel-steps` task moves panels on by date (lock, roll
over, packs, vacancies); people move them on by recording things (CLI or a deployment).
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from definitions.calendar import human_date
from definitions.errors import Refused
from definitions.organisation import Organisation
from definitions.panels import (
    EvidenceItem,
    PanelDecision,
    PanelProgramme,
    evidence_problems,
    pack_day,
    preparation_day,
    submission_deadline,
)
from definitions.training import PathwayProgress, pathway_progress
from flows.guard import lease
from notifications import panel_pdf
from notifications.render import render
from storage.files import write_atomically
from storage.history import record_event
from storage.models import Candidacy, Evidence, Obligation, Panel, Post, Service, Team, Worker
from storage.obligations import close_obligation, insert_obligations, obligation_by_source
from storage.outbox import enqueue
from storage.panels import (
    ACTIVE,
    active_workers_with_roles,
    add_panels,
    cancel_open,
    candidacies_at,
    candidacies_of,
    current_evidence,
    fill_post,
    next_open_panel,
    obligations_from,
    panel_on,
    panels_in_status,
    panels_to_lock,
    replace_evidence,
    set_candidacy,
    set_panel,
    vacant_posts,
    waiting_candidates,
)
from storage.roster import worker_by_external_id
from storage.training import achievements, add_awards
from tasks.asye import DECIDERS
from tasks.compose import outbox_row
from tasks.roster import note_replacement_needs
from tasks.runtime import current_runtime


class PanelError(Refused):
    """A panel step that cannot be done as asked; nothing was written."""


def programme_of(organisation: Organisation) -> PanelProgramme:
    if organisation.panels is None:
        raise PanelError(
            "this organisation has no progression panels: add panels.yaml to its programme "
            "folder (copy definitions/sample/panels.yaml)"
        )
    return organisation.panels


def _worker(session: Session, external_id: str, what: str = "worker") -> Worker:
    worker = worker_by_external_id(session, external_id)
    if worker is None:
        raise PanelError(
            f"no {what} with id '{external_id}' in Ladder; check the id or import the roster"
        )
    return worker


def _source(candidacy_id: int, part: str) -> str:
    return f"panel:{candidacy_id}:{part}"


def _item(
    candidacy_id: int,
    part: str,
    *,
    subject_id: int,
    kind: str,
    milestone: str,
    title: str,
    due_date: date,
    responsible_role: str,
    reminder_policy: str,
    rule: str,
) -> dict[str, Any]:
    """An obligation row a candidacy makes: its source is `panel:<candidacy>:<part>`."""
    return dict(
        source=_source(candidacy_id, part),
        subject_id=subject_id,
        enrolment_id=None,
        kind=kind,
        milestone=milestone,
        title=title,
        due_date=due_date,
        responsible_role=responsible_role,
        reminder_policy=reminder_policy,
        rule=rule,
        status="open",
    )


def _settle(
    session: Session,
    obligation: Obligation | None,
    *,
    kind: str,
    actor: str,
    on: date,
    subject_id: int,
    payload: dict[str, Any],
) -> bool:
    """Record what happened and close the obligation it settles (if any), on the same day;
    False when the obligation was no longer open."""
    event_id = record_event(
        session,
        kind=kind,
        actor=actor,
        occurred_on=on,
        subject_id=subject_id,
        obligation_id=obligation.id if obligation is not None else None,
        payload=payload,
    )
    if obligation is None:
        return False
    return close_obligation(session, obligation_id=obligation.id, event_id=event_id, closed_on=on)


# --- the calendar ---------------------------------------------------------------------------


def _panel_row(
    organisation: Organisation, meets_on: date, at: str, where: str, actor: str
) -> dict[str, Any]:
    programme = programme_of(organisation)
    deadline = submission_deadline(
        meets_on, programme.submission_days_before, organisation.working_calendar()
    )
    return dict(
        meets_on=meets_on,
        starts_at=at,
        venue=where,
        deadline=deadline.on,
        deadline_rule=deadline.rule,
        status="scheduled",
        scheduled_by=actor,
    )


def sync_panels(session: Session, organisation: Organisation) -> int:
    """Put the meetings panels.yaml lists on the calendar (those already there are kept)."""
    if organisation.panels is None:
        return 0
    rows = [
        _panel_row(organisation, m.meets_on, m.at, m.where, "panels.yaml")
        for m in organisation.panels.meetings
    ]
    return add_panels(session, rows=rows)


def schedule_panel(
    session: Session,
    organisation: Organisation,
    *,
    meets_on: date,
    at: str,
    where: str,
    actor: str,
    today: date,
) -> Panel:
    """Add a panel meeting; its submission deadline follows from the date."""
    calendar = organisation.working_calendar()
    _worker(session, actor, "scheduler")
    if meets_on <= today:
        raise PanelError(f"the panel date {meets_on} is not in the future")
    why = calendar.why_not_working(meets_on)
    if why:
        raise PanelError(f"a panel meets on a working day; {why}")
    try:
        hours, minutes = (int(x) for x in at.split(":"))
        if not (0 <= hours < 24 and 0 <= minutes < 60):
            raise ValueError
    except ValueError:
        raise PanelError(f"--at '{at}' is not a time; write HH:MM, e.g. 10:00") from None
    sync_panels(session, organisation)
    if panel_on(session, meets_on) is not None:
        raise PanelError(f"a panel is already scheduled on {meets_on}")
    add_panels(
        session,
        rows=[_panel_row(organisation, meets_on, f"{hours:02d}:{minutes:02d}", where, actor)],
    )
    panel = panel_on(session, meets_on)
    assert panel is not None
    record_event(
        session,
        kind="panel.scheduled",
        actor=actor,
        occurred_on=today,
        payload={"panel": meets_on.isoformat(), "deadline": panel.deadline.isoformat()},
    )
    return panel


def _panel(session: Session, organisation: Organisation, meets_on: date) -> Panel:
    sync_panels(session, organisation)  # the meetings panels.yaml lists, before any daily run
    panel = panel_on(session, meets_on)
    if panel is None:
        known = session.scalars(select(Panel.meets_on).order_by(Panel.meets_on)).all()
        listed = ", ".join(d.isoformat() for d in known) or "none yet"
        raise PanelError(
            f"no panel meets on {meets_on}; scheduled: {listed} (add one with "
            "`ladder panel schedule`)"
        )
    return panel


# --- nomination and evidence ----------------------------------------------------------------


def _may_act_for(session: Session, actor: Worker, subject: Worker, what: str) -> None:
    if actor.id in (subject.id, subject.manager_id) or actor.role in DECIDERS:
        return
    raise PanelError(
        f"{actor.external_id} is neither {subject.external_id} nor their team manager, nor a "
        f"{' or '.join(DECIDERS)}; only they may {what}"
    )


def _active(session: Session, worker_id: int) -> tuple[Candidacy, Panel] | None:
    for candidacy, panel in reversed(candidacies_of(session, worker_id=worker_id)):
        if candidacy.status in ACTIVE:
            return candidacy, panel
    return None


def _evidence_rows(
    organisation: Organisation,
    candidacy: Candidacy,
    worker: Worker,
    panel: Panel,
    items: list[EvidenceItem],
) -> list[dict[str, Any]]:
    programme = programme_of(organisation)
    policies = programme.reminder_policies
    rule = f"the evidence pack is due at the submission deadline: {panel.deadline_rule}"
    rows = [
        _item(
            candidacy.id,
            f"evidence:{item.key}",
            subject_id=worker.id,
            kind="panel.evidence",
            milestone=item.key,
            title=item.title,
            due_date=panel.deadline,
            responsible_role=item.provided_by,
            reminder_policy=policies.evidence,
            rule=rule,
        )
        for item in items
    ]
    prep = preparation_day(
        panel.deadline,
        programme.preparation_days_before_deadline,
        organisation.working_calendar(),
    )
    rows.append(
        _item(
            candidacy.id,
            "preparation",
            subject_id=worker.id,
            kind="panel.preparation",
            milestone="preparation_day",
            title="One day of preparation time for the progression panel",
            due_date=prep.on,
            responsible_role="manager",
            reminder_policy=policies.preparation,
            rule=prep.rule,
        )
    )
    return rows


def _open_actions(session: Session, candidacy: Candidacy) -> list[Obligation]:
    return [
        o
        for o in obligations_from(session, prefix=_source(candidacy.id, "action:"))
        if o.status == "open"
    ]


def nominate(
    session: Session,
    organisation: Organisation,
    *,
    worker: str,
    panel: date,
    actor: str,
    today: date,
) -> Candidacy:
    """A team manager puts a candidate forward for a panel; the evidence pack becomes items
    due at the panel's submission deadline."""
    programme = programme_of(organisation)
    subject = _worker(session, worker)
    nominator = _worker(session, actor, "nominator")
    if nominator.id != subject.manager_id and nominator.role not in DECIDERS:
        raise PanelError(
            f"{actor} is not {worker}'s team manager (nor a {' or '.join(DECIDERS)}); the team "
            "manager nominates"
        )
    if subject.status == "left":
        raise PanelError(f"{worker} has left the organisation")
    if subject.role not in programme.from_levels:
        raise PanelError(
            f"{worker} is a {subject.role}; the {programme.title} is for "
            f"{', '.join(programme.from_levels)}"
        )
    meeting = _panel(session, organisation, panel)
    if meeting.status != "scheduled" or today > meeting.deadline:
        raise PanelError(
            f"the submission deadline for the panel on {panel} was {meeting.deadline}; "
            "nominate for a later panel"
        )
    active = _active(session, subject.id)
    if active is not None:
        raise PanelError(
            f"{worker} is already a candidate for the panel on {active[1].meets_on} "
            f"({active[0].status})"
        )
    history = candidacies_of(session, worker_id=subject.id)
    previous = history[-1][0] if history else None
    if previous is not None and previous.status == "progressed":
        raise PanelError(f"{worker} already progressed at the panel on {history[-1][1].meets_on}")
    if previous is not None and previous.status == "deferred":
        still_open = _open_actions(session, previous)
        if still_open:
            raise PanelError(
                f"{worker}'s action plan from the panel on {history[-1][1].meets_on} has "
                f"{len(still_open)} open item(s) ({'; '.join(o.title for o in still_open)}); "
                "resubmit when every item is done"
            )
    candidacy = Candidacy(
        worker_id=subject.id,
        panel_id=meeting.id,
        previous_id=previous.id if previous is not None else None,
        nominated_by=actor,
        nominated_on=today,
        status="nominated",
    )
    session.add(candidacy)
    session.flush()
    insert_obligations(
        session,
        rows=_evidence_rows(
            organisation, candidacy, subject, meeting, list(programme.evidence_pack)
        ),
    )
    record_event(
        session,
        kind="panel.resubmitted"
        if previous is not None and previous.status == "deferred"
        else "panel.nominated",
        actor=actor,
        occurred_on=today,
        subject_id=subject.id,
        payload={
            "candidacy": candidacy.id,
            "panel": meeting.meets_on.isoformat(),
            "deadline": meeting.deadline.isoformat(),
            "previous": previous.id if previous is not None else None,
        },
    )
    close_pathway_items(session, organisation, as_of=today, worker_ids=[subject.id])
    return candidacy


def _store_file(folder: Path, candidacy_id: int, item: str, source: Path) -> tuple[str, str]:
    """Copy an evidence file into Ladder's data folder; (stored path, sha256)."""
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    sha = digest.hexdigest()
    target = folder / "evidence" / str(candidacy_id) / f"{item}-{sha[:16]}{source.suffix.lower()}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(source, partial)
        partial.replace(target)
    return str(target), sha


@dataclass(frozen=True)
class RecordedEvidence:
    evidence_id: int
    item: str
    panel: date
    replaced: bool
    still_missing: tuple[str, ...]


def record_evidence(
    session: Session,
    organisation: Organisation,
    *,
    worker: str,
    item: str,
    author: str,
    dated: date,
    actor: str,
    today: date,
    data_dir: Path,
    file: Path | None = None,
    observations: tuple[date, ...] = (),
    capabilities: tuple[str, ...] = (),
) -> RecordedEvidence:
    """Record one item of a candidate's evidence pack, checked and stored, before the
    deadline; a later version of the same item replaces the earlier one."""
    programme = programme_of(organisation)
    subject = _worker(session, worker)
    _may_act_for(session, _worker(session, actor, "recorder"), subject, "record evidence")
    try:
        rule = programme.item(item)
    except KeyError as exc:
        raise PanelError(str(exc.args[0])) from None
    if rule.check == "pathway":
        raise PanelError(
            f"the {rule.title} is read from the training record; import the completions "
            "(`ladder import completions`) and it is ticked off by itself"
        )
    active = _active(session, subject.id)
    if active is None:
        raise PanelError(
            f"{worker} is not a candidate for any panel; their team manager nominates them "
            "first (`ladder panel nominate`)"
        )
    candidacy, panel = active
    if candidacy.status != "nominated":
        raise PanelError(
            f"{worker}'s evidence pack for the panel on {panel.meets_on} was locked on "
            f"{candidacy.locked_on} (deadline {panel.deadline}); nothing can be added now"
        )
    if today > panel.deadline:
        raise PanelError(
            f"the submission deadline for the panel on {panel.meets_on} was {panel.deadline}; "
            "the pack is locked (the next daily run moves an incomplete one to the next panel)"
        )
    if dated > today:
        raise PanelError(f"the evidence date {dated} is in the future")
    if file is None:
        raise PanelError(f"the {rule.title} needs its file: give --file PATH")
    if not file.is_file():
        raise PanelError(f"{file}: no such file; give the path of the document to store")
    problems = evidence_problems(
        rule, programme, dated=dated, observations=observations, capabilities=capabilities
    )
    if problems:
        raise PanelError(f"{file.name} ({rule.key}): " + "; ".join(problems))
    stored, sha = _store_file(data_dir, candidacy.id, item, file)
    replaced = replace_evidence(session, candidacy_id=candidacy.id, item=item) > 0
    details: dict[str, Any] = {}
    if rule.check == "observations":
        details["observations"] = [d.isoformat() for d in sorted(set(observations))]
    if rule.check == "capabilities":
        details["capabilities"] = list(programme.capability_keys)
    evidence = Evidence(
        candidacy_id=candidacy.id,
        item=item,
        author=author,
        dated=dated,
        file_path=stored,
        file_name=file.name,
        sha256=sha,
        details=details,
        recorded_by=actor,
        recorded_on=today,
        status="current",
    )
    session.add(evidence)
    session.flush()
    # None when the item was carried from an earlier panel and is now replaced.
    obligation = obligation_by_source(session, _source(candidacy.id, f"evidence:{item}"))
    _settle(
        session,
        obligation,
        kind="panel.evidence_recorded",
        actor=actor,
        on=today,
        subject_id=subject.id,
        payload={
            "candidacy": candidacy.id,
            "item": item,
            "evidence": evidence.id,
            "author": author,
            "dated": dated.isoformat(),
            "sha256": sha,
            "replaces_earlier": replaced,
            **details,
        },
    )
    missing = tuple(
        o.milestone
        for o in obligations_from(session, prefix=_source(candidacy.id, "evidence:"))
        if o.status == "open"
    )
    return RecordedEvidence(evidence.id, item, panel.meets_on, replaced, missing)


def record_preparation(
    session: Session,
    organisation: Organisation,
    *,
    worker: str,
    on: date,
    actor: str,
    today: date,
) -> date:
    """The line manager records the candidate's preparation day."""
    subject = _worker(session, worker)
    _may_act_for(session, _worker(session, actor, "recorder"), subject, "record it")
    active = _active(session, subject.id)
    if active is None:
        raise PanelError(f"{worker} is not a candidate for any panel")
    if on > today:
        raise PanelError(f"{on} is in the future; record the day once it was given")
    obligation = obligation_by_source(session, _source(active[0].id, "preparation"))
    if obligation is None or obligation.status != "open":
        raise PanelError(
            f"{worker}'s preparation day was already recorded ({obligation.closed_on})"
        )
    _settle(
        session,
        obligation,
        kind="panel.preparation_given",
        actor=actor,
        on=on,
        subject_id=subject.id,
        payload={"candidacy": active[0].id, "day": on.isoformat()},
    )
    return on


# --- the training pathway item --------------------------------------------------------------


def pathway_for(organisation: Organisation, service_key: str) -> Any:
    programme = programme_of(organisation)
    training = organisation.training
    if training is None:
        return None
    for pathway in training.pathways:
        if pathway.level == programme.to_level and pathway.service in (service_key, None):
            return pathway
    return None


def pathway_progress_of(
    session: Session, organisation: Organisation, workers: list[Worker]
) -> dict[int, PathwayProgress | None]:
    services = dict(session.execute(select(Service.id, Service.key)).all())
    done = achievements(session, worker_ids=[w.id for w in workers])
    found: dict[int, PathwayProgress | None] = {}
    for w in workers:
        pathway = pathway_for(organisation, services[w.service_id])
        achieved, credited = done[w.id]
        found[w.id] = None if pathway is None else pathway_progress(pathway, achieved, credited)
    return found


def close_pathway_items(
    session: Session,
    organisation: Organisation,
    *,
    as_of: date,
    worker_ids: list[int] | None = None,
) -> int:
    """Tick off the training-pathway item of every open pack whose candidate has completed
    their service's pathway."""
    if organisation.panels is None:
        return 0
    keys = [i.key for i in organisation.panels.evidence_pack if i.check == "pathway"]
    stmt = (
        select(Obligation, Worker)
        .join(Worker, Obligation.subject_id == Worker.id)
        .where(
            Obligation.kind == "panel.evidence",
            Obligation.status == "open",
            Obligation.milestone.in_(keys),
        )
    )
    if worker_ids is not None:
        stmt = stmt.where(Obligation.subject_id.in_(worker_ids))
    rows = [tuple(r) for r in session.execute(stmt).all()]
    if not rows:
        return 0
    progress = pathway_progress_of(session, organisation, [w for _, w in rows])
    closed = 0
    for obligation, worker in rows:
        found = progress[worker.id]
        if found is None or not found.complete:
            continue
        closed += _settle(
            session,
            obligation,
            kind="panel.pathway_completed",
            actor="system",
            on=as_of,
            subject_id=worker.id,
            payload={"pathway": found.pathway, "completed_on": str(found.completed_on)},
        )
    return closed


# --- the deadline: lock, or roll over -------------------------------------------------------


def _mail(
    organisation: Organisation,
    sender: str,
    *,
    kind: str,
    key: str,
    person: Worker,
    role: str,
    context: dict[str, Any],
    send_on: date,
    **values: Any,
) -> dict[str, Any]:
    message = render(
        kind,
        {"org_name": organisation.name, "recipient_name": person.name, "role": role, **context},
    )
    return outbox_row(
        key,
        sender,
        person,
        role,
        message,
        send_on=send_on,
        kind=kind,
        step=kind,
        channel="panel",  # panel packs, roll-overs and outcome reports: not reminders
        **{"obligation_id": None, **values},
    )


def _people(session: Session, ids: list[int | None]) -> dict[int, Worker]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {w.id: w for w in session.scalars(select(Worker).where(Worker.id.in_(wanted)))}


def _manifest(
    programme: PanelProgramme, evidence: list[Evidence], obligations: list[Obligation]
) -> dict[str, Any]:
    """What was submitted, frozen at the deadline: each item with its author, date and the
    stored file's hash (an item with no file, the training pathway, from the record)."""
    by_item = {e.item: e for e in evidence}
    closed = {o.milestone: o for o in obligations if o.kind == "panel.evidence"}
    items = []
    for rule in programme.evidence_pack:
        e = by_item.get(rule.key)
        if e is not None:
            author, dated = e.author, e.dated
        else:
            o = closed.get(rule.key)
            author, dated = "training record", o.closed_on if o else None
        items.append(
            {
                "item": rule.key,
                "title": rule.title,
                "evidence": e.id if e else None,
                "author": author,
                "dated": dated.isoformat() if dated else None,
                "file_name": e.file_name if e else None,
                "sha256": e.sha256 if e else None,
                "details": e.details if e else {},
            }
        )
    return {"items": items}


@dataclass
class DeadlineResult:
    locked: int = 0
    submitted: int = 0
    rolled_over: int = 0


def lock_due_panels(
    session: Session, organisation: Organisation, *, as_of: date, sender: str
) -> DeadlineResult:
    """At the end of a panel's deadline day: a complete pack is locked and submitted; an
    incomplete one moves to the next panel (evidence kept), and candidate and manager are
    told what is missing."""
    result = DeadlineResult()
    if organisation.panels is None:
        return result
    programme = organisation.panels
    for panel in panels_to_lock(session, as_of=as_of):
        if not set_panel(
            session, panel_id=panel.id, was="scheduled", status="locked", locked_on=as_of
        ):
            continue
        result.locked += 1
        for candidacy, worker in candidacies_at(session, panel_id=panel.id, status="nominated"):
            made = obligations_from(session, prefix=_source(candidacy.id, ""))
            missing = [o for o in made if o.kind == "panel.evidence" and o.status == "open"]
            evidence = current_evidence(session, candidacy_ids=[candidacy.id])
            if not missing:
                set_candidacy(
                    session,
                    candidacy_id=candidacy.id,
                    was="nominated",
                    status="submitted",
                    locked_on=as_of,
                    pack=_manifest(programme, evidence, made),
                )
                cancel_open(
                    session, ids=[o.id for o in made if o.status == "open"], closed_on=as_of
                )
                record_event(
                    session,
                    kind="panel.pack_locked",
                    actor="system",
                    occurred_on=as_of,
                    subject_id=worker.id,
                    payload={"candidacy": candidacy.id, "panel": panel.meets_on.isoformat()},
                )
                result.submitted += 1
                continue
            _roll_over(
                session,
                organisation,
                panel,
                candidacy,
                worker,
                made,
                missing,
                evidence,
                as_of,
                sender,
            )
            result.rolled_over += 1
    return result


def _roll_over(
    session: Session,
    organisation: Organisation,
    panel: Panel,
    candidacy: Candidacy,
    worker: Worker,
    made: list[Obligation],
    missing: list[Obligation],
    evidence: list[Evidence],
    as_of: date,
    sender: str,
) -> None:
    programme = programme_of(organisation)
    set_candidacy(
        session, candidacy_id=candidacy.id, was="nominated", status="rolled_over", locked_on=as_of
    )
    cancel_open(session, ids=[o.id for o in made if o.status == "open"], closed_on=as_of)
    following = next_open_panel(session, after=panel.meets_on, deadline_from=as_of)
    moved_to = None
    if following is not None:
        moved_to = Candidacy(
            worker_id=worker.id,
            panel_id=following.id,
            previous_id=candidacy.id,
            nominated_by="system",
            nominated_on=as_of,
            status="nominated",
        )
        session.add(moved_to)
        session.flush()
        # Evidence already in counts at the next panel: carried, not asked for again.
        for e in evidence:
            session.add(
                Evidence(
                    candidacy_id=moved_to.id,
                    item=e.item,
                    author=e.author,
                    dated=e.dated,
                    file_path=e.file_path,
                    file_name=e.file_name,
                    sha256=e.sha256,
                    details=e.details,
                    recorded_by=e.recorded_by,
                    recorded_on=e.recorded_on,
                    status="current",
                    carried_from=e.id,
                )
            )
        still = [programme.item(o.milestone) for o in missing]
        rows = _evidence_rows(organisation, moved_to, worker, following, still)
        insert_obligations(session, rows=rows)
        # Items already in are recorded as done at the next panel, so explain shows them.
    record_event(
        session,
        kind="panel.rolled_over",
        actor="system",
        occurred_on=as_of,
        subject_id=worker.id,
        payload={
            "candidacy": candidacy.id,
            "panel": panel.meets_on.isoformat(),
            "missing": [o.milestone for o in missing],
            "moved_to": following.meets_on.isoformat() if following else None,
            "new_candidacy": moved_to.id if moved_to else None,
        },
    )
    people = _people(session, [worker.id, worker.manager_id])
    context = {
        "candidate_name": worker.name,
        "panel": panel.meets_on,
        "deadline": panel.deadline,
        "missing": [o.title for o in missing],
        "next_panel": following.meets_on if following else None,
        "next_deadline": following.deadline if following else None,
    }
    rows = [
        _mail(
            organisation,
            sender,
            kind="panel_rollover",
            key=f"panel-rollover:{candidacy.id}:{person.id}",
            person=person,
            role=role,
            context=context,
            send_on=as_of,
        )
        for role, pid in (("worker", worker.id), ("manager", worker.manager_id))
        if pid is not None and (person := people.get(pid)) is not None and person.status != "left"
    ]
    enqueue(session, rows=rows)


# --- the panel pack -------------------------------------------------------------------------


def _members(session: Session, programme: PanelProgramme) -> list[tuple[str, Worker]]:
    titles = {m.role: m.title for m in programme.members}
    order = {m.role: i for i, m in enumerate(programme.members)}
    people = active_workers_with_roles(session, roles=programme.member_roles)
    return sorted(
        ((titles[w.role], w) for w in people), key=lambda tw: (order[tw[1].role], tw[1].external_id)
    )


def _pack_view(session: Session, organisation: Organisation, panel: Panel) -> panel_pdf.PackView:
    programme = programme_of(organisation)
    teams = dict(session.execute(select(Team.id, Team.key)).all())
    candidates = []
    for candidacy, worker in candidacies_at(session, panel_id=panel.id, status="submitted"):
        previous = [
            f"{p.meets_on}: {c.status.replace('_', ' ')}" + (f" ({c.reasons})" if c.reasons else "")
            for c, p in candidacies_of(session, worker_id=worker.id)
            if c.id != candidacy.id and c.id < candidacy.id
        ]
        items = [
            panel_pdf.PackItem(
                title=i["title"],
                author=i["author"],
                dated=date.fromisoformat(i["dated"]) if i["dated"] else None,
                file_name=i["file_name"] or "",
                sha256=i["sha256"] or "",
                note=_item_note(i),
            )
            for i in (candidacy.pack or {}).get("items", [])
        ]
        candidates.append(
            panel_pdf.PackCandidate(
                name=worker.name,
                external_id=worker.external_id,
                role=worker.role.replace("_", " "),
                team=teams.get(worker.team_id, ""),
                nominated_by=candidacy.nominated_by,
                history=tuple(previous),
                items=tuple(items),
            )
        )
    return panel_pdf.PackView(
        organisation=organisation.name,
        title=programme.title,
        meets_on=panel.meets_on,
        starts_at=panel.starts_at,
        venue=panel.venue,
        deadline=panel.deadline,
        members=tuple((title, w.name) for title, w in _members(session, programme)),
        candidates=tuple(candidates),
    )


def _item_note(item: dict[str, Any]) -> str:
    details = item.get("details") or {}
    if "observations" in details:
        return f"{len(details['observations'])} direct observations: " + ", ".join(
            details["observations"]
        )
    if "capabilities" in details:
        return f"covers all {len(details['capabilities'])} PCF capabilities"
    if not item.get("file_name"):
        return "completed (training record)"
    return ""


def send_panel_packs(
    session: Session, organisation: Organisation, *, as_of: date, sender: str, data_dir: Path
) -> int:
    """The panel pack (agenda, a summary and an evidence index per candidate) to every
    member, once, `pack_days_before` the meeting."""
    if organisation.panels is None:
        return 0
    programme = organisation.panels
    calendar = organisation.working_calendar()
    sent = 0
    for panel in panels_in_status(session, status="locked"):
        if as_of < pack_day(panel.meets_on, programme.pack_days_before, calendar):
            continue
        if as_of > panel.meets_on:  # first seen after it met (Ladder started later): no pack
            set_panel(session, panel_id=panel.id, was="locked", status="past")
            continue
        view = _pack_view(session, organisation, panel)
        if not view.candidates:  # nothing to decide: no pack, and members are not troubled
            set_panel(session, panel_id=panel.id, was="locked", status="empty", packed_on=as_of)
            record_event(
                session,
                kind="panel.no_candidates",
                actor="system",
                occurred_on=as_of,
                payload={"panel": panel.meets_on.isoformat()},
            )
            continue
        path = data_dir / "panels" / f"panel-pack-{panel.meets_on}.pdf"
        write_atomically(path, panel_pdf.panel_pack(view))
        if not set_panel(
            session,
            panel_id=panel.id,
            was="locked",
            status="packed",
            packed_on=as_of,
            pack_path=str(path),
        ):
            continue
        context = {
            "panel": panel.meets_on,
            "starts_at": panel.starts_at,
            "venue": panel.venue,
            "candidates": [c.name for c in view.candidates],
            "title": programme.title,
        }
        rows = [
            _mail(
                organisation,
                sender,
                kind="panel_pack",
                key=f"panel-pack:{panel.id}:{member.id}",
                person=member,
                role="panel_member",
                context={**context, "member_title": title},
                send_on=as_of,
                attachment_path=str(path),
                attachment_name=path.name,
            )
            for title, member in _members(session, programme)
        ]
        sent += enqueue(session, rows=rows)
        record_event(
            session,
            kind="panel.pack_sent",
            actor="system",
            occurred_on=as_of,
            payload={
                "panel": panel.meets_on.isoformat(),
                "candidates": [c.external_id for c in view.candidates],
                "members": len(rows),
            },
        )
    return sent


# --- the decision ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionResult:
    worker: str
    panel: date
    outcome: str
    decided_on: date
    event_id: int
    placement: str | None  # slotted, waiting (progress)
    post_team: str | None
    actions: int
    report_path: str


def decide(
    session: Session,
    organisation: Organisation,
    *,
    decision: PanelDecision,
    today: date,
    data_dir: Path,
    sender: str,
) -> DecisionResult:
    """Record a panel's decision about a candidate, once and finally: the outcome report goes
    to the worker and team manager (who each sign it); progress slots the worker into a
    vacant post or the waiting list; defer turns the action plan into dated items."""
    programme = programme_of(organisation)
    subject = _worker(session, decision.worker)
    panel = _panel(session, organisation, decision.panel)
    decider = _worker(session, decision.decided_by, "panel member")
    if decider.role not in programme.member_roles:
        raise PanelError(
            f"{decision.decided_by} is a {decider.role}, not a member of the panel "
            f"({', '.join(programme.member_roles)}); the chair or a member records the decision"
        )
    candidacy = next(
        (c for c, p in candidacies_of(session, worker_id=subject.id) if p.id == panel.id), None
    )
    if candidacy is None:
        raise PanelError(f"{decision.worker} was not a candidate at the panel on {panel.meets_on}")
    if candidacy.status in ("progressed", "deferred"):
        raise PanelError(
            f"the panel on {panel.meets_on} already decided {decision.worker}: "
            f"{candidacy.outcome}, recorded by {candidacy.decided_by} on {candidacy.decided_on}; "
            "a panel decision is final and is recorded once"
        )
    if candidacy.status != "submitted":
        raise PanelError(
            f"{decision.worker}'s pack was not submitted to the panel on {panel.meets_on} "
            f"({candidacy.status.replace('_', ' ')}); there is nothing to decide there"
        )
    day = decision.day
    if day < panel.meets_on:
        raise PanelError(f"the decision date {day} is before the panel met on {panel.meets_on}")
    if day > today:
        raise PanelError(f"the decision date {day} is in the future")
    event_id = record_event(
        session,
        kind="panel.decided",
        actor=decision.decided_by,
        occurred_on=day,
        subject_id=subject.id,
        payload={"candidacy": candidacy.id, **decision.model_dump(mode="json")},
    )
    if not set_candidacy(
        session,
        candidacy_id=candidacy.id,
        was="submitted",
        status="progressed" if decision.outcome == "progress" else "deferred",
        outcome=decision.outcome,
        decided_on=day,
        decided_by=decision.decided_by,
        reasons=decision.reasons,
        further_work=decision.further_work,
        decision_event_id=event_id,
    ):  # a second run got there between our read and our write: keep the first
        raise PanelError(
            f"the decision about {decision.worker} was recorded by someone else just now; a "
            "panel decision is recorded once"
        )
    calendar = organisation.working_calendar()
    policies = programme.reminder_policies
    rows = [
        _item(
            candidacy.id,
            f"action:{n}",
            subject_id=subject.id,
            kind="panel.action",
            milestone=f"action_{n}",
            title=action.title,
            due_date=action.due,
            responsible_role=action.owner,
            reminder_policy=policies.action,
            rule=f"action plan agreed at the panel on {human_date(panel.meets_on)}",
        )
        for n, action in enumerate(decision.actions, start=1)
    ]
    sign_by = calendar.previous_working_day(day + timedelta(days=programme.signature_days))
    manager = _people(session, [subject.manager_id]).get(subject.manager_id or -1)
    signers = [("worker", subject)] + ([("manager", manager)] if manager is not None else [])
    rows += [
        _item(
            candidacy.id,
            f"sign:{role}",
            subject_id=subject.id,
            kind="panel.signature",
            milestone=f"sign_{role}",
            title="Sign the progression outcome report "
            f"({'worker' if role == 'worker' else 'team manager'})",
            due_date=sign_by,
            responsible_role=role,
            reminder_policy=policies.signature,
            rule=f"{programme.signature_days} days after the decision on {human_date(day)}, "
            "on a working day",
        )
        for role, _ in signers
    ]
    insert_obligations(session, rows=rows)
    placement = post_team = None
    if decision.outcome == "progress":
        add_awards(
            session,
            rows=[
                dict(
                    worker_id=subject.id,
                    kind="progression",
                    key=programme.to_level,
                    achieved_on=day,
                    expires_on=None,
                    status="waiting",
                )
            ],
        )
        set_candidacy(session, candidacy_id=candidacy.id, was="progressed", placement="waiting")
        slotted = fill_vacancies(
            session, organisation, as_of=day, actor=decision.decided_by, only=[candidacy.id]
        )
        placement = "slotted" if slotted else "waiting"
        post_team = slotted[0][1] if slotted else None
    report = _outcome_report(session, organisation, candidacy.id, data_dir)
    context = {
        "candidate_name": subject.name,
        "panel": panel.meets_on,
        "outcome": decision.outcome,
        "sign_by": sign_by,
        "placement": placement,
        "post_team": post_team,
        "actions": [a.model_dump() for a in decision.actions],
        "worker_id": subject.external_id,
        "to_title": next(
            (lv.title for lv in organisation.ladder.levels if lv.key == programme.to_level),
            programme.to_level,
        ),
    }
    mails = [
        _mail(
            organisation,
            sender,
            kind="panel_outcome",
            key=f"panel-outcome:{candidacy.id}:{person.id}",
            person=person,
            role=role,
            context=context,
            send_on=today,
            attachment_path=str(report),
            attachment_name=f"progression-outcome-{subject.external_id}-{panel.meets_on}.pdf",
        )
        for role, person in signers
    ]
    enqueue(session, rows=mails)
    return DecisionResult(
        decision.worker,
        panel.meets_on,
        decision.outcome,
        day,
        event_id,
        placement,
        post_team,
        len(decision.actions),
        str(report),
    )


def _outcome_report(
    session: Session, organisation: Organisation, candidacy_id: int, data_dir: Path
) -> Path:
    candidacy = session.get(Candidacy, candidacy_id)
    assert candidacy is not None
    session.refresh(candidacy)
    worker = session.get(Worker, candidacy.worker_id)
    panel = session.get(Panel, candidacy.panel_id)
    assert worker is not None and panel is not None
    teams = dict(session.execute(select(Team.id, Team.key)).all())
    made = obligations_from(session, prefix=_source(candidacy.id, ""))
    view = panel_pdf.OutcomeView(
        organisation=organisation.name,
        title=programme_of(organisation).title,
        candidate=worker.name,
        external_id=worker.external_id,
        team=teams.get(worker.team_id, ""),
        panel=panel.meets_on,
        outcome=candidacy.outcome or "",
        decided_on=candidacy.decided_on or panel.meets_on,
        decided_by=candidacy.decided_by or "",
        reasons=candidacy.reasons or "",
        further_work=candidacy.further_work or "",
        placement=candidacy.placement,
        actions=tuple(
            (o.title, o.responsible_role, o.due_date) for o in made if o.kind == "panel.action"
        ),
        sign_by=next((o.due_date for o in made if o.kind == "panel.signature"), None),
    )
    path = data_dir / "panels" / "outcomes" / f"outcome-{candidacy.id}.pdf"
    write_atomically(path, panel_pdf.outcome_report(view))
    session.execute(
        update(Candidacy).where(Candidacy.id == candidacy.id).values(report_path=str(path))
    )
    return path


# --- after the decision ---------------------------------------------------------------------


def _decided(session: Session, worker: Worker) -> tuple[Candidacy, Panel]:
    for candidacy, panel in reversed(candidacies_of(session, worker_id=worker.id)):
        if candidacy.status in ("progressed", "deferred"):
            return candidacy, panel
    raise PanelError(f"{worker.external_id} has no panel decision on record")


def sign_outcome(
    session: Session,
    organisation: Organisation,
    *,
    worker: str,
    actor: str,
    on: date,
    today: date,
) -> str:
    """The worker or their team manager signs the outcome report (an acknowledgement)."""
    subject = _worker(session, worker)
    signer = _worker(session, actor, "signer")
    if signer.id == subject.id:
        role = "worker"
    elif signer.id == subject.manager_id:
        role = "manager"
    else:
        raise PanelError(
            f"{actor} is neither {worker} nor their team manager; only they sign the outcome report"
        )
    if on > today:
        raise PanelError(f"{on} is in the future")
    candidacy, panel = _decided(session, subject)
    obligation = obligation_by_source(session, _source(candidacy.id, f"sign:{role}"))
    if obligation is None or obligation.status != "open":
        raise PanelError(
            f"{actor} already signed {worker}'s outcome report from the panel on {panel.meets_on}"
        )
    if on < (candidacy.decided_on or panel.meets_on):
        raise PanelError(f"{on} is before the decision on {candidacy.decided_on}")
    _settle(
        session,
        obligation,
        kind="panel.outcome_signed",
        actor=actor,
        on=on,
        subject_id=subject.id,
        payload={"candidacy": candidacy.id, "as": role, "report": candidacy.report_path},
    )
    return role


@dataclass(frozen=True)
class ActionDone:
    title: str
    open_left: int
    ready_to_resubmit: bool


def complete_action(
    session: Session,
    organisation: Organisation,
    *,
    worker: str,
    item: int,
    actor: str,
    on: date,
    today: date,
    note: str = "",
) -> ActionDone:
    """Mark one item of a deferral action plan done (the team manager monitors the plan in
    supervision); when the last is done the worker may be resubmitted."""
    subject = _worker(session, worker)
    _may_act_for(session, _worker(session, actor, "recorder"), subject, "record it")
    if on > today:
        raise PanelError(f"{on} is in the future")
    candidacy, panel = _decided(session, subject)
    actions = [o for o in obligations_from(session, prefix=_source(candidacy.id, "action:"))]
    chosen = next((o for o in actions if o.milestone == f"action_{item}"), None)
    if chosen is None:
        raise PanelError(
            f"{worker}'s action plan from the panel on {panel.meets_on} has items 1 to "
            f"{len(actions)}; there is no item {item}"
        )
    if chosen.status != "open":
        raise PanelError(
            f"action {item} ('{chosen.title}') was already recorded done on {chosen.closed_on}"
        )
    _settle(
        session,
        chosen,
        kind="panel.action_done",
        actor=actor,
        on=on,
        subject_id=subject.id,
        payload={"candidacy": candidacy.id, "item": item, "note": note},
    )
    left = sum(1 for o in actions if o.status == "open" and o.id != chosen.id)
    if left == 0:
        record_event(
            session,
            kind="panel.action_plan_complete",
            actor=actor,
            occurred_on=on,
            subject_id=subject.id,
            payload={"candidacy": candidacy.id},
        )
    return ActionDone(chosen.title, left, left == 0)


def open_post(
    session: Session,
    organisation: Organisation,
    *,
    team: str,
    level: str | None,
    actor: str,
    today: date,
) -> tuple[int, list[tuple[str, str]]]:
    """A vacant post; the longest-waiting progressed candidate of the service fills it."""
    programme = programme_of(organisation)
    level = level or programme.to_level
    found = session.scalars(select(Team).where(Team.key == team)).first()
    if found is None:
        known = ", ".join(session.scalars(select(Team.key).order_by(Team.key)))
        raise PanelError(f"no team '{team}'; known: {known}")
    if level not in organisation.ladder.roles:
        raise PanelError(f"'{level}' is not a level in ladder.yaml")
    _worker(session, actor, "recorder")
    post = Post(team_id=found.id, level=level, opened_on=today, opened_by=actor, status="vacant")
    session.add(post)
    session.flush()
    record_event(
        session,
        kind="panel.post_opened",
        actor=actor,
        occurred_on=today,
        payload={"post": post.id, "team": team, "level": level},
    )
    return post.id, fill_vacancies(session, organisation, as_of=today, actor=actor)


def fill_vacancies(
    session: Session,
    organisation: Organisation,
    *,
    as_of: date,
    actor: str = "system",
    only: list[int] | None = None,
) -> list[tuple[str, str]]:
    """Slot waiting candidates into vacant posts of their service (their own team first,
    then the longest-open post): (worker, team) for each one slotted."""
    if organisation.panels is None:
        return []
    programme = organisation.panels
    posts = vacant_posts(session, level=programme.to_level)
    if not posts:
        return []
    services = dict(session.execute(select(Team.id, Team.service_id)).all())
    slotted = []
    for candidacy, worker in waiting_candidates(session):
        if only is not None and candidacy.id not in only:
            continue
        fits = [(p, t) for p, t in posts if services[t.id] == worker.service_id]
        if not fits:
            continue
        post, team = min(
            fits, key=lambda pt: (pt[1].id != worker.team_id, pt[0].opened_on, pt[0].id)
        )
        if not fill_post(session, post_id=post.id, worker_id=worker.id, on=as_of):
            continue
        posts.remove((post, team))
        before = {worker.id: (worker.role, worker.team_id)}
        session.execute(
            update(Worker)
            .where(Worker.id == worker.id)
            .values(role=programme.to_level, team_id=team.id)
        )
        session.execute(
            update(Candidacy).where(Candidacy.id == candidacy.id).values(placement="slotted")
        )
        note_replacement_needs(session, organisation, before=before, as_of=as_of, actor=actor)
        record_event(
            session,
            kind="panel.slotted",
            actor=actor,
            occurred_on=as_of,
            subject_id=worker.id,
            payload={
                "candidacy": candidacy.id,
                "post": post.id,
                "team": team.key,
                "level": programme.to_level,
            },
        )
        slotted.append((worker.external_id, team.key))
    return slotted


# --- the daily step -------------------------------------------------------------------------


def run_panel_steps(
    session: Session, organisation: Organisation, *, as_of: date, sender: str, data_dir: Path
) -> dict[str, int]:
    scheduled = sync_panels(session, organisation)
    pathways = close_pathway_items(session, organisation, as_of=as_of)
    deadline = lock_due_panels(session, organisation, as_of=as_of, sender=sender)
    packs = send_panel_packs(session, organisation, as_of=as_of, sender=sender, data_dir=data_dir)
    slotted = fill_vacancies(session, organisation, as_of=as_of)
    return {
        "panels_scheduled": scheduled,
        "pathways_completed": pathways,
        "panels_locked": deadline.locked,
        "packs_submitted": deadline.submitted,
        "packs_rolled_over": deadline.rolled_over,
        "pack_mails": packs,
        "slotted": len(slotted),
    }


@task(name="panel-steps", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def panel_steps(as_of: date) -> dict[str, int]:
    """Move panels on by date: the calendar from panels.yaml, training pathways ticked off,
    packs locked or rolled over at the deadline, panel packs to members, vacancies filled."""
    runtime = current_runtime()
    # The daily sweep and the panel-steps deployment both run these steps: never together.
    with lease(runtime, "panel-steps") as other:
        if other is not None:
            get_run_logger().warning("panel steps are running in another flow run; skipped here")
            return {"panel_steps_skipped": 1}
        with Session(runtime.engine) as session, session.begin():
            counts = run_panel_steps(
                session,
                runtime.organisation,
                as_of=as_of,
                sender=runtime.sender_address,
                data_dir=runtime.settings.data_dir,
            )
    if any(counts.values()):
        get_run_logger().info(
            "panels: %s", ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items() if v)
        )
    return counts
