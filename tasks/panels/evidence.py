"""A candidate's evidence pack: the items it asks for, each document checked and stored
before the deadline, and the preparation day the line manager gives."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from definitions.errors import BadInput, NotFound, Refused
from definitions.language import gettext_for
from definitions.organisation import Organisation
from definitions.panels import (
    FILE_TYPES,
    CandidacyStatus,
    EvidenceFiles,
    EvidenceItem,
    evidence_file_problem,
    evidence_problems,
    preparation_day,
)
from storage.files import write_atomically
from storage.models import Candidacy, Evidence, Panel, Worker
from storage.obligations import obligation_by_source
from storage.panels import obligations_from, replace_evidence
from tasks import people
from tasks.panels.common import (
    active_candidacy,
    obligation_row,
    programme_of,
    refusal_to_act,
    settle,
    source,
)


def pack_items(
    organisation: Organisation,
    candidacy: Candidacy,
    worker: Worker,
    panel: Panel,
    items: list[EvidenceItem],
) -> list[dict[str, Any]]:
    """The obligation rows of a pack: each item due at the panel's deadline, and the
    preparation day before it."""
    programme = programme_of(organisation)
    policies = programme.reminder_policies
    _ = gettext_for(organisation.profile.locale)
    rule = _("the evidence pack is due at the submission deadline: {rule}").format(
        rule=panel.deadline_rule
    )
    rows = [
        obligation_row(
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
        obligation_row(
            candidacy.id,
            "preparation",
            subject_id=worker.id,
            kind="panel.preparation",
            milestone="preparation_day",
            title=_("One day of preparation time for the progression panel"),
            due_date=prep.on,
            responsible_role="manager",
            reminder_policy=policies.preparation,
            rule=prep.rule,
        )
    )
    return rows


# Where no evidence comes from: the system's own files, and Ladder's keys and stores.
SYSTEM_FOLDERS = (Path("/proc"), Path("/sys"), Path("/dev"))
LADDER_STORES = ("evidence", "keys", "certificates", "mail", "panels", "prefect", "prefect-stack")


def _read_document(file: Path, rules: EvidenceFiles, protected: tuple[Path, ...]) -> bytes:
    """The document's bytes, once it is shown to be a regular file outside the system's and
    Ladder's own folders, of an allowed type by name and by content, within the size limit.
    Opened without following links and without waiting on a pipe."""
    try:
        info = file.lstat()
    except FileNotFoundError:
        raise NotFound(f"{file}: no such file; give the path of the document to store") from None
    except OSError as exc:
        raise BadInput(f"{file}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISLNK(info.st_mode):
        raise Refused(f"{file} is a link; give the path of the document itself")
    if not stat.S_ISREG(info.st_mode):
        raise Refused(
            f"{file} is not a document (a folder, a device or a pipe); give the path of the "
            "document to store"
        )
    real = file.resolve()
    for folder in (*SYSTEM_FOLDERS, *protected):
        if real.is_relative_to(folder.resolve()):
            raise Refused(
                f"{file} is inside {folder}, which Ladder does not take evidence from; save "
                "the document somewhere of your own and give that path"
            )
    try:
        descriptor = os.open(file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise Refused(f"{file}: cannot be opened as a document ({exc.strerror or exc})") from None
    with os.fdopen(descriptor, "rb") as handle:
        opened = os.fstat(handle.fileno())
        if not stat.S_ISREG(opened.st_mode):  # swapped for something else since lstat
            raise Refused(f"{file} is not a document; give the path of the document to store")
        content = handle.read(rules.max_bytes + 1)
    size = max(opened.st_size, len(content))
    problem, _ = evidence_file_problem(file.name, size, content[:64], rules)
    if problem:
        raise BadInput(problem)
    return content


def _store_file(
    folder: Path, candidacy_id: int, item: str, file: Path, content: bytes
) -> tuple[str, str]:
    """Keep an evidence document in Ladder's data folder, owner-only, under a name Ladder
    makes (the item and the content's hash; the type checked from its content): (stored
    path, sha256)."""
    sha = hashlib.sha256(content).hexdigest()
    kind = FILE_TYPES[file.suffix.lower()]
    target = folder / "evidence" / str(candidacy_id) / f"{item}-{sha[:16]}.{kind}"
    if not target.exists():
        write_atomically(target, content)
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
    protected: tuple[Path, ...] = (),
) -> RecordedEvidence:
    """Record one item of a candidate's evidence pack, checked and stored, before the
    deadline; a later version of the same item replaces the earlier one. No document is
    taken from the system's folders, Ladder's stores under `data_dir` or the `protected`
    folders (the signing key's)."""
    programme = programme_of(organisation)
    subject = people.worker(session, worker)
    recorder = people.acting(session, actor, "recorder")
    people.require_may_act_for(
        recorder,
        allowed=[subject.id, subject.manager_id],
        deciders=organisation.ladder.decided_by.panels,
        refusal=refusal_to_act(organisation, recorder, subject, "record evidence"),
    )
    try:
        rule = programme.item(item)
    except KeyError as exc:
        raise BadInput(str(exc.args[0])) from None
    if rule.check == "pathway":
        raise Refused(
            f"the {rule.title} is read from the training record; import the completions "
            "(`ladder import completions`) and it is ticked off by itself"
        )
    active = active_candidacy(session, subject.id)
    if active is None:
        raise Refused(
            f"{worker} is not a candidate for any panel; their team manager nominates them "
            "first (`ladder panel nominate`)"
        )
    candidacy, panel = active
    if candidacy.status != CandidacyStatus.NOMINATED:
        raise Refused(
            f"{worker}'s evidence pack for the panel on {panel.meets_on} was locked on "
            f"{candidacy.locked_on} (deadline {panel.deadline}); nothing can be added now"
        )
    if today > panel.deadline:
        raise Refused(
            f"the submission deadline for the panel on {panel.meets_on} was {panel.deadline}; "
            "the pack is locked (the next daily run moves an incomplete one to the next panel)"
        )
    if dated > today:
        raise BadInput(f"the evidence date {dated} is in the future")
    if file is None:
        raise BadInput(f"the {rule.title} needs its file: give --file PATH")
    content = _read_document(
        file,
        programme.evidence_files,
        (*(data_dir / store for store in LADDER_STORES), *protected),
    )
    problems = evidence_problems(
        rule, programme, dated=dated, observations=observations, capabilities=capabilities
    )
    if problems:
        raise BadInput(f"{file.name} ({rule.key}): " + "; ".join(problems))
    stored, sha = _store_file(data_dir, candidacy.id, item, file, content)
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
    obligation = obligation_by_source(session, source(candidacy.id, f"evidence:{item}"))
    settle(
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
        for o in obligations_from(session, prefix=source(candidacy.id, "evidence:"))
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
    subject = people.worker(session, worker)
    recorder = people.acting(session, actor, "recorder")
    people.require_may_act_for(
        recorder,
        allowed=[subject.id, subject.manager_id],
        deciders=organisation.ladder.decided_by.panels,
        refusal=refusal_to_act(organisation, recorder, subject, "record it"),
    )
    active = active_candidacy(session, subject.id)
    if active is None:
        raise Refused(f"{worker} is not a candidate for any panel")
    if on > today:
        raise BadInput(f"{on} is in the future; record the day once it was given")
    obligation = obligation_by_source(session, source(active[0].id, "preparation"))
    if obligation is None or obligation.status != "open":
        raise Refused(
            f"{worker}'s preparation day was already recorded "
            f"({obligation.closed_on if obligation else None})"
        )
    settle(
        session,
        obligation,
        kind="panel.preparation_given",
        actor=actor,
        on=on,
        subject_id=subject.id,
        payload={"candidacy": active[0].id, "day": on.isoformat()},
    )
    return on
