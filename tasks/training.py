"""Training: record completions and credit, keep credentials and renewals, award pathways,
book refresher sessions, and preview or apply a changed validity rule."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from definitions.calendar import WorkingCalendar, human_date
from definitions.completions import parse_completions, parse_sessions
from definitions.errors import Refused
from definitions.meetings import MeetingView
from definitions.organisation import Organisation
from definitions.training import (
    SessionOffer,
    TrainingProgramme,
    choose_session,
    expiry_for,
    pathway_progress,
    renewal_opens,
)
from notifications import compose
from notifications.ics import Attendee, meeting_ics
from storage.history import record_event, record_events
from storage.models import Credential, CreditRequest, Obligation, Worker
from storage.obligations import insert_obligations, reschedule_open
from storage.outbox import enqueue
from storage.roster import known_external_ids, worker_by_external_id
from storage.training import (
    achievements,
    active_credentials,
    add_awards,
    add_bookings,
    add_completions,
    add_credentials,
    add_sessions,
    all_credentials,
    close_renewals,
    credential_expiries,
    end_bookings,
    pathway_awards,
    renewal_sources,
    renewals_to_place,
    sessions_with_places,
    supersede_credentials,
)
from tasks.compose import outbox_row
from tasks.roster import read_csv
from tasks.runtime import current_runtime

RENEWAL = "training.renewal"


class TrainingError(Refused):
    """A training decision that cannot be recorded; nothing was written."""


def _programme(organisation: Organisation) -> TrainingProgramme:
    if organisation.training is None:
        raise TrainingError("this organisation has no training.yaml; copy the sample's")
    return organisation.training


@dataclass
class TrainingUpdate:
    completions: int = 0
    credentials: int = 0
    renewed: int = 0
    awards: int = 0
    pathways: list[tuple[str, str]] = field(default_factory=list)  # (worker id, pathway)
    renewal_items: int = 0


# --- completions, credentials, awards --------------------------------------------------------


def record_completions(
    session: Session,
    organisation: Organisation,
    *,
    rows: list[dict[str, Any]],
    actor: str,
    today: date,
) -> TrainingUpdate:
    """Record completions ({worker_id, module, completed_on, source, source_ref}) in the
    caller's transaction; a completion already recorded is skipped (re-imports are safe).

    Each new completion of a module with a validity period becomes a credential. The newest
    credential of a (worker, module) is the active one; it supersedes the one before, whose
    renewal item closes. New module credentials and completed pathways become awards
    waiting for their certificate."""
    training = _programme(organisation)
    update_ = TrainingUpdate()
    new = sorted(add_completions(session, rows=rows), key=lambda r: (r[1], r[2], r[3], r[0]))
    update_.completions = len(new)
    if not new:
        return update_
    workers = {r[1] for r in new}
    # The chain of each (worker, module), planned in memory and written in three statements:
    # insert the new credentials, then mark what each supersedes, then close old renewals.
    # A credential is planned as a dict; "id" is known for stored ones, "completion_id" for
    # new ones (their ids come back from the insert).
    current: dict[tuple[int, str], dict[str, Any]] = {
        (c.worker_id, c.module): {
            "id": c.id,
            "valid_from": c.valid_from,
            "expires_on": c.expires_on,
        }
        for c in active_credentials(session, worker_ids=workers)
    }
    planned: list[dict[str, Any]] = []
    supersedes: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (superseded, by)
    late_records: set[int] = set()
    awards: list[dict[str, Any]] = []
    for completion_id, worker_id, module_key, completed_on in new:
        module = training.module(module_key)
        expires = None
        if module.validity is not None:
            previous = current.get((worker_id, module_key))
            late = previous is not None and completed_on <= previous["valid_from"]
            expiry = expiry_for(
                module.validity,
                completed_on,
                previous["expires_on"] if previous and not late else None,
            )
            credential = {
                "worker_id": worker_id,
                "module": module_key,
                "completion_id": completion_id,
                "valid_from": completed_on,
                "expires_on": expiry.expires_on,
                "rule": expiry.rule,
                "status": "active",
                "superseded_by": None,
            }
            planned.append(credential)
            if late:
                # An older record arriving late: kept in the history, superseded at once.
                assert previous is not None
                supersedes.append((credential, previous))
                late_records.add(completion_id)
                continue
            if previous is not None:
                supersedes.append((previous, credential))
            current[(worker_id, module_key)] = credential
            update_.credentials += 1
            expires = expiry.expires_on
        awards.append(
            dict(
                worker_id=worker_id,
                kind="module",
                key=module_key,
                achieved_on=completed_on,
                expires_on=expires,
                status="waiting",
            )
        )
    inserted = add_credentials(session, rows=planned)
    ids = {completion: credential_id for credential_id, completion in inserted}
    for credential in planned:
        credential["id"] = ids[credential["completion_id"]]
    supersede_credentials(
        session,
        changes=[{"id": old["id"], "superseded_by": newer["id"]} for old, newer in supersedes],
    )
    # Renewed: a credential that was active and now has a successor (not a late old record).
    renewed = [old["id"] for old, _ in supersedes if old.get("completion_id") not in late_records]
    update_.renewed = len(renewed)
    close_renewals(session, credential_ids=renewed, closed_on=today)
    awards += _pathway_awards(session, training, workers)
    update_.awards = add_awards(session, rows=awards)
    ids = dict(session.execute(select(Worker.id, Worker.external_id)).all())
    update_.pathways = [(ids[a["worker_id"]], a["key"]) for a in awards if a["kind"] == "pathway"]
    record_events(
        session,
        rows=[
            dict(
                kind="training.completed",
                actor=actor,
                occurred_on=completed_on,
                subject_id=worker_id,
                payload={"module": module_key, "completion_id": completion_id},
            )
            for completion_id, worker_id, module_key, completed_on in new
        ]
        + [
            dict(
                kind="training.pathway_completed",
                actor="system",
                occurred_on=a["achieved_on"],
                subject_id=a["worker_id"],
                payload={"pathway": a["key"], "award": "waiting"},
            )
            for a in awards
            if a["kind"] == "pathway"
        ],
    )
    update_.renewal_items = ensure_renewal_items(session, organisation)
    return update_


def _pathway_awards(
    session: Session, training: TrainingProgramme, workers: set[int]
) -> list[dict[str, Any]]:
    """Awards for pathways these workers have now completed (and were not awarded yet)."""
    done = achievements(session, worker_ids=workers)
    services = dict(
        session.execute(
            select(Worker.id, Worker.service_id).where(Worker.id.in_(sorted(workers)))
        ).all()
    )
    service_keys = _service_keys(session)
    awarded = pathway_awards(session, worker_ids=workers)
    rows = []
    for worker_id in sorted(workers):
        for pathway in training.pathways:
            if pathway.service and service_keys.get(services.get(worker_id)) != pathway.service:
                continue
            if (worker_id, pathway.key) in awarded:
                continue
            progress = pathway_progress(pathway, *done[worker_id])
            if progress.complete and progress.completed_on:
                rows.append(
                    dict(
                        worker_id=worker_id,
                        kind="pathway",
                        key=pathway.key,
                        achieved_on=progress.completed_on,
                        expires_on=None,
                        status="waiting",
                    )
                )
    return rows


def _service_keys(session: Session) -> dict[int | None, str]:
    from storage.models import Service

    return dict(session.execute(select(Service.id, Service.key)).all())


def renewal_due(
    calendar: WorkingCalendar, title: str, expires_on: date, expiry_rule: str
) -> tuple[date, str]:
    """A renewal item's due date (the expiry, or the working day before it when the expiry
    is a weekend or bank holiday) and the rule text that explains it."""
    due = calendar.previous_working_day(expires_on)
    rule = f"{title}: {expiry_rule}"
    if due != expires_on:
        rule += f"; expiry {expires_on} is not a working day, so due {due}"
    return due, rule


def ensure_renewal_items(session: Session, organisation: Organisation) -> int:
    """A renewal item (obligation) for every active credential of a refresher its holder's
    role must keep; due on the expiry, or the working day before when that is a weekend or
    bank holiday. Idempotent: one item per credential."""
    training = _programme(organisation)
    calendar = organisation.working_calendar()
    mandatory = {(r.module, role) for r in training.refreshers for role in r.roles}
    rows = session.execute(
        select(Credential, Worker.role)
        .join(Worker, Worker.id == Credential.worker_id)
        .where(Credential.status == "active", Worker.status != "left")
    ).all()
    wanted = [(c, role) for c, role in rows if (c.module, role) in mandatory]
    have = renewal_sources(session, sources=[f"credential:{c.id}" for c, _ in wanted])
    items = []
    for credential, _ in wanted:
        source = f"credential:{credential.id}"
        if source in have:
            continue
        module = training.module(credential.module)
        due, rule = renewal_due(calendar, module.title, credential.expires_on, credential.rule)
        items.append(
            dict(
                source=source,
                subject_id=credential.worker_id,
                enrolment_id=None,
                kind=RENEWAL,
                milestone=credential.module,
                title=f"{module.title} renewal",
                due_date=due,
                responsible_role="worker",
                reminder_policy=training.reminder_policy,
                rule=rule,
                status="open",
            )
        )
    return insert_obligations(session, rows=items)


def import_completions(
    session: Session, organisation: Organisation, path: Path, *, actor: str, today: date
) -> tuple[int, TrainingUpdate]:
    """All or nothing: a bad row raises RosterError (every problem listed); re-importing
    the same file records nothing twice. Returns (rows in the file, what changed)."""
    training = _programme(organisation)
    header, raw = read_csv(path)
    rows = parse_completions(
        header,
        raw,
        source=path.name,
        training=training,
        known_ids=known_external_ids(session),
        today=today,
    )
    ids = dict(session.execute(select(Worker.external_id, Worker.id)).all())
    result = record_completions(
        session,
        organisation,
        rows=[
            dict(
                worker_id=ids[r.external_id],
                module=r.module,
                completed_on=r.completed_on,
                source="import",
                source_ref=f"{path.name}:{r.row}",
            )
            for r in rows
        ],
        actor=actor,
        today=today,
    )
    record_event(
        session,
        kind="training.completions_imported",
        actor=actor,
        occurred_on=today,
        payload={"file": path.name, "rows": len(rows), "new": result.completions},
    )
    return len(rows), result


def import_sessions(
    session: Session, organisation: Organisation, path: Path, *, actor: str, today: date
) -> tuple[int, int]:
    header, raw = read_csv(path)
    rows = parse_sessions(header, raw, source=path.name, training=_programme(organisation))
    added = add_sessions(
        session,
        rows=[
            dict(
                module=r.module,
                held_on=r.held_on,
                starts_at=r.starts_at,
                minutes=r.minutes,
                venue=r.venue,
                district=r.district,
                capacity=r.capacity,
            )
            for r in rows
        ],
    )
    record_event(
        session,
        kind="training.sessions_imported",
        actor=actor,
        occurred_on=today,
        payload={"file": path.name, "rows": len(rows), "new": added},
    )
    return len(rows), added


# --- credit for prior learning ---------------------------------------------------------------


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
    training = _programme(organisation)
    subject = _worker(session, worker)
    try:
        training.module(module)
    except KeyError as exc:
        raise TrainingError(str(exc.args[0])) from None
    if learned_on > today:
        raise TrainingError(f"{learned_on} is in the future; give the date the learning ended")
    if not evidence.strip():
        raise TrainingError("credit needs evidence: name the certificate, course or portfolio")
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
) -> CreditRequest:
    """Approve or reject a credit request, once, with a reason, by someone whose role may
    approve credit (training.yaml: credit_approvers). Approved credit counts as a completion
    on the date the prior learning ended."""
    training = _programme(organisation)
    request = session.get(CreditRequest, request_id, with_for_update=True)
    if request is None:
        raise TrainingError(f"no credit request {request_id}")
    approver = _worker(session, actor)
    if approver.role not in training.credit_approvers:
        raise TrainingError(
            f"{actor} is a {approver.role}; credit is decided by a "
            f"{' or '.join(training.credit_approvers)}"
        )
    if approver.id == request.worker_id:
        raise TrainingError("nobody decides their own credit; ask another approver")
    if request.status != "requested":
        raise TrainingError(
            f"credit request {request_id} was already {request.status} on {request.decided_on} "
            f"by {request.decided_by}; a decision is recorded once"
        )
    if not reason.strip():
        raise TrainingError("give the reason for the decision (--reason)")
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
    if done.rowcount != 1:
        raise TrainingError(f"credit request {request_id} was decided by someone else meanwhile")
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
    return request


def _worker(session: Session, external_id: str) -> Worker:
    worker = worker_by_external_id(session, external_id)
    if worker is None:
        raise TrainingError(f"no worker with id '{external_id}' in Ladder; check the id")
    return worker


# --- refresher bookings ----------------------------------------------------------------------


@dataclass(frozen=True)
class BookingResult:
    booked: int
    waitlisted: int
    no_session: int


def book_refreshers(
    session: Session, organisation: Organisation, *, as_of: date, sender_address: str
) -> BookingResult:
    """Place every worker whose renewal window has opened on a refresher session before
    their expiry: own district first, then the nearest with space; the waiting list when
    every session is full. Each placement is mailed once, a booking with a calendar invite."""
    training = _programme(organisation)
    modules = [m.key for m in training.modules if m.validity is not None]
    due = []
    candidates = [
        (obligation, worker, current)
        for obligation, worker, current, held_on in renewals_to_place(session, modules=modules)
        # booked on a session still to come: settled
        if not (current is not None and current.status == "booked" and held_on >= as_of)
    ]
    expiries = credential_expiries(
        session, ids=[int(o.source.split(":")[1]) for o, _, _ in candidates]
    )
    for obligation, worker, current in candidates:
        validity = training.module(obligation.milestone).validity
        assert validity is not None
        expires = expiries.get(int(obligation.source.split(":")[1]), obligation.due_date)
        if renewal_opens(validity, expires) <= as_of:
            due.append((obligation, worker, expires, current))
    if not due:
        return BookingResult(0, 0, 0)
    latest = max(expires for _, _, expires, _ in due)
    offers: dict[str, list[SessionOffer]] = defaultdict(list)
    details = {}
    for s, booked in sessions_with_places(
        session,
        modules={o.milestone for o, _, _, _ in due},
        start=as_of + timedelta(days=1),
        end=latest,
    ):
        offers[s.module].append(SessionOffer(s.id, s.held_on, s.district, s.capacity, booked))
        details[s.id] = s
    rows, missing = [], 0
    # A booking that ends: "missed" (its session passed and the renewal is still open) or
    # "moved" (a waiting-list place became a real place elsewhere). Kept, for the history.
    ended: list[dict[str, Any]] = []
    promoted: list[Any] = []  # waiting-list places that became places on the same session
    for obligation, worker, expires, current in due:  # earliest expiry first
        missed = current is not None and current.status == "booked"
        options = offers[obligation.milestone]
        placement = choose_session(
            training,
            options,
            home=worker.district,
            earliest=as_of + timedelta(days=1),
            latest=expires,
        )
        if placement is None:
            missing += 1
            if missed:
                ended.append({"id": current.id, "status": "missed"})
            continue
        stale = current is not None and current.session_id not in details  # its day passed
        if (
            current is not None
            and current.status == "waitlisted"
            and placement.status != "booked"
            and not stale
        ):
            continue  # still no place: they stay on the waiting list they are on
        if placement.status == "booked":
            index = next(i for i, o in enumerate(options) if o.id == placement.session_id)
            chosen = options[index]
            options[index] = SessionOffer(
                chosen.id, chosen.held_on, chosen.district, chosen.capacity, chosen.booked + 1
            )
        if current is not None and current.session_id == placement.session_id:
            promoted.append((current.id, current.session_id, worker.id, obligation.id, "booked"))
            ended.append({"id": current.id, "status": "booked"})
            continue
        if current is not None:
            ended.append({"id": current.id, "status": "missed" if missed else "moved"})
        rows.append(
            dict(
                session_id=placement.session_id,
                worker_id=worker.id,
                obligation_id=obligation.id,
                status=placement.status,
                why=placement.why[:200],
                placed_on=as_of,
            )
        )
    end_bookings(session, changes=ended)
    placed = add_bookings(session, rows=rows) + promoted
    workers = {w.id: w for _, w, _, _ in due}
    obligations = {o.id: o for o, _, _, _ in due}
    zone = ZoneInfo(organisation.profile.calendar.timezone)
    mails = []
    for booking_id, session_id, worker_id, obligation_id, status in placed:
        s, worker = details[session_id], workers[worker_id]
        starts = datetime.combine(s.held_on, time.fromisoformat(s.starts_at), tzinfo=zone)
        view = MeetingView(starts, s.minutes, f"{s.venue} ({s.district})")
        obligation = obligations[obligation_id]
        message = compose.booking(
            person_name=worker.name,
            title=training.module(obligation.milestone).title,
            meeting=view,
            waitlisted=status == "waitlisted",
            expires=obligation.due_date,
            org_name=organisation.name,
        )
        ics = None
        if status == "booked":
            ics = meeting_ics(
                uid=f"booking-{booking_id}@{sender_address.rpartition('@')[2]}",
                sequence=0,
                starts=starts,
                minutes=s.minutes,
                summary=training.module(obligation.milestone).title,
                location=view.location,
                description=(
                    f"Refresher before your {training.module(obligation.milestone).title} "
                    f"expires ({human_date(obligation.due_date)})."
                ),
                organiser=Attendee(organisation.profile.sender_name, sender_address),
                attendees=[Attendee(worker.name, worker.email)],
                stamp=datetime.now(UTC),
            )
        key = f"booking:{booking_id}:{status}"
        mails.append(
            outbox_row(
                key,
                sender_address,
                worker,
                "worker",
                message,
                send_on=as_of,
                kind=obligation.milestone,
                step="booked" if status == "booked" else "waitlisted",
                obligation_id=obligation_id,
                channel="invite",
                ics=ics,
            )
        )
    enqueue(session, rows=mails)
    booked = sum(1 for p in placed if p[4] == "booked")
    return BookingResult(booked, len(placed) - booked, missing)


@task(name="refresh-training", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def refresh_training(as_of: date) -> dict[str, int]:
    """Renewal items for every credential that needs one, and refresher bookings for every
    worker whose renewal window has opened."""
    runtime = current_runtime()
    if runtime.organisation.training is None:
        return {}
    with Session(runtime.engine) as session, session.begin():
        items = ensure_renewal_items(session, runtime.organisation)
        booking = book_refreshers(
            session, runtime.organisation, as_of=as_of, sender_address=runtime.sender_address
        )
    get_run_logger().info(
        "%d renewal item(s) added; %d booked on a refresher, %d waitlisted, %d with no session",
        items,
        booking.booked,
        booking.waitlisted,
        booking.no_session,
    )
    return {
        "renewal_items": items,
        "booked": booking.booked,
        "waitlisted": booking.waitlisted,
        "no_session": booking.no_session,
    }


# --- changing a validity rule ----------------------------------------------------------------


@dataclass(frozen=True)
class ValidityChange:
    credential_id: int
    worker: str
    module: str
    old: date
    new: date
    rule: str


def validity_changes(session: Session, organisation: Organisation) -> list[ValidityChange]:
    """Every credential whose expiry the validity rules in training.yaml would now set
    differently from the date on record. Nothing is changed."""
    training = _programme(organisation)
    names = dict(session.execute(select(Worker.id, Worker.external_id)).all())
    chains: dict[tuple[int, str], list[Credential]] = defaultdict(list)
    for credential in all_credentials(session):
        chains[(credential.worker_id, credential.module)].append(credential)
    changes = []
    for (worker_id, module_key), chain in chains.items():
        validity = training.module(module_key).validity
        if validity is None:
            continue
        previous: date | None = None
        for credential in chain:  # oldest first
            expiry = expiry_for(validity, credential.valid_from, previous)
            if expiry.expires_on != credential.expires_on:
                changes.append(
                    ValidityChange(
                        credential.id,
                        names[worker_id],
                        module_key,
                        credential.expires_on,
                        expiry.expires_on,
                        expiry.rule,
                    )
                )
            previous = expiry.expires_on
    return sorted(changes, key=lambda c: (c.module, c.worker, c.old))


def apply_validity_changes(
    session: Session, organisation: Organisation, *, reason: str, actor: str, today: date
) -> list[ValidityChange]:
    """Apply what validity_changes shows: new expiry dates, open renewal items moved to
    match, and each change recorded with the reason."""
    if not reason.strip():
        raise TrainingError("changing people's expiry dates needs a reason (--reason)")
    training = _programme(organisation)
    calendar = organisation.working_calendar()
    changes = validity_changes(session, organisation)
    for change in changes:
        session.execute(
            update(Credential)
            .where(Credential.id == change.credential_id)
            .values(expires_on=change.new, rule=change.rule)
            .execution_options(synchronize_session=False)
        )
    open_items = {
        o.source: o
        for o in session.scalars(
            select(Obligation).where(
                Obligation.source.in_([f"credential:{c.credential_id}" for c in changes]),
                Obligation.status == "open",
            )
        )
    }
    moves = []
    for change in changes:
        item = open_items.get(f"credential:{change.credential_id}")
        if item is None:
            continue
        title = training.module(change.module).title
        due, rule = renewal_due(calendar, title, change.new, change.rule)
        moves.append({"id": item.id, "due_date": due, "rule": rule})
    reschedule_open(session, changes=moves)
    ids = dict(session.execute(select(Worker.external_id, Worker.id)).all())
    record_events(
        session,
        rows=[
            dict(
                kind="training.expiry_changed",
                actor=actor,
                occurred_on=today,
                subject_id=ids[c.worker],
                payload={
                    "module": c.module,
                    "credential": c.credential_id,
                    "old": c.old.isoformat(),
                    "new": c.new.isoformat(),
                    "reason": reason.strip(),
                },
            )
            for c in changes
        ],
    )
    record_event(
        session,
        kind="training.validity_applied",
        actor=actor,
        occurred_on=today,
        payload={"changes": len(changes), "reason": reason.strip()},
    )
    return changes
