"""What HAS HAPPENED: the schema, as SQLAlchemy 2.0 typed models.

One module on purpose, though it is long: the schema is one concept, read beside the
migrations that make it, and its foreign keys cross every lifecycle (a worker's obligations,
enrolments, candidacies, awards and messages); split by table it would scatter them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Service(Base):
    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))


class Worker(Base):
    __tablename__ = "workers"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(64), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id"))
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id"))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id"))
    start_date: Mapped[date] = mapped_column(Date)
    # Since when the worker holds their current role: the start date, or the day a roster
    # import first showed the new role (what "within 30 days of moving into the role" and
    # "weekly for the first six weeks in role" count from). None: since the start date.
    role_since: Mapped[date | None] = mapped_column(Date)
    district: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Enrolment(Base):
    """A worker on a dated programme: the ASYE year (`asye`), an induction, a probation."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("worker_id", "programme", "start_date"),
        Index("ix_enrolments_programme_status", "programme", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    programme: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[date] = mapped_column(Date)
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    outcome: Mapped[str | None] = mapped_column(String(32))
    # Months the programme was extended by (a final recommendation of "extend"): the
    # recommendation and what follows it are dated that much later.
    extended_months: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The day the programme was finished (its report in, or its last milestone recorded).
    completed_on: Mapped[date | None] = mapped_column(Date)
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    worker: Mapped[Worker] = relationship(foreign_keys=[worker_id])


class LeavePeriod(Base):
    """Recorded leave that pauses an enrolment (the ASYE year stops while a worker is away)."""

    __tablename__ = "leave_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))


class Obligation(Base):
    """A dated thing someone owes: a review, a report, evidence, an action."""

    __tablename__ = "obligations"
    __table_args__ = (
        Index("ix_obligations_status_due", "status", "due_date"),
        Index("ix_obligations_unswept", "first_swept_on", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(200), unique=True)  # e.g. asye:12:review_3
    subject_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))  # e.g. asye.review
    milestone: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date)
    responsible_role: Mapped[str] = mapped_column(String(32))
    reminder_policy: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(Text)
    # open, done, cancelled (no longer owed), left (the worker left: kept in the history,
    # out of the overdue counts)
    status: Mapped[str] = mapped_column(String(16), default="open")
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The first sweep that saw the item. Until then it may be a backlog: an item already
    # overdue when Ladder first met it (go-live, a late import, a long outage) gets one
    # catch-up notice instead of the steps it can no longer send.
    first_swept_on: Mapped[date | None] = mapped_column(Date)


class SupervisionRecord(Base):
    """A supervision session held: with whom, when, and the supervisor's notes."""

    __tablename__ = "supervision_records"
    __table_args__ = (UniqueConstraint("worker_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("workers.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(300))  # "recorded", or file:row of an import
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CpdRecord(Base):
    """A piece of continuing professional development a worker recorded for registration."""

    __tablename__ = "cpd_records"
    __table_args__ = (UniqueConstraint("worker_id", "done_on", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    done_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int] = mapped_column(Integer, default=0)  # time spent, for hours rules
    peer_reflection: Mapped[bool] = mapped_column(default=False)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Event(Base):
    """Append-only history of decisions and happenings: who, what, when. Never updated."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(100))  # a worker's external id, or "system"
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id"), index=True)
    obligation_id: Mapped[int | None] = mapped_column(Integer)
    occurred_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # how it reached Ladder: "cli:<login>", "form:<flow run id>", "link:<token id>", ...
    channel: Mapped[str | None] = mapped_column(String(200))


class OutboxMessage(Base):
    """A rendered message, queued once under its dedup key and delivered at most once."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(300), unique=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    obligation_id: Mapped[int | None] = mapped_column(ForeignKey("obligations.id"), index=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id"))
    recipient_role: Mapped[str] = mapped_column(String(32))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    send_on: Mapped[date] = mapped_column(Date)
    # direct (one item), digest (a person's day of items) or invite (a meeting, with .ics)
    channel: Mapped[str] = mapped_column(String(16), default="direct", server_default="direct")
    ics: Mapped[str | None] = mapped_column(Text)  # the iCalendar invite an invite carries
    attachment_path: Mapped[str | None] = mapped_column(Text)  # e.g. a certificate's PDF
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A delivery run leases the messages it is sending, so a second run (another worker, a
    # manual `ladder daily`) skips them. A lease whose holder's process is gone from this
    # machine is taken over at once; one held elsewhere runs out at `lease_until`.
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The run holding the lease ("delivery ... on HOST pid PID"); it stays after the lease
    # ends, naming the run that last handled the message (what a run's summary counts).
    lease_token: Mapped[str | None] = mapped_column(String(200), index=True)
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Notice(Base):
    """One step of an item's reminder policy for one person, decided by a sweep; the compose
    step then turns a person's notices for the day into direct mails and at most one digest."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_status_recipient", "status", "recipient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(300), unique=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    recipient_role: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(64))
    escalation: Mapped[bool] = mapped_column(default=False)
    mode: Mapped[str] = mapped_column(String(16))  # direct or digest, from the routing policy
    due_date: Mapped[date] = mapped_column(Date)
    day: Mapped[date] = mapped_column(Date)  # the sweep's as_of
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, composed, dropped
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Meeting(Base):
    """A booked meeting for an obligation (an ASYE review): invites carry it as .ics."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(200), unique=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), unique=True)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    minutes: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(200))
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # RFC 5545: bumped on each change
    status: Mapped[str] = mapped_column(String(16), default="booked")  # booked, cancelled
    booked_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Completion(Base):
    """A module completed (attendance sheet, LMS export) or credited (prior learning)."""

    __tablename__ = "completions"
    __table_args__ = (UniqueConstraint("worker_id", "module", "completed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    module: Mapped[str] = mapped_column(String(64))
    completed_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))  # import or credit
    source_ref: Mapped[str] = mapped_column(String(300))  # file:row, or credit request id
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CreditRequest(Base):
    """Credit for prior learning: requested with evidence, decided once by an approver."""

    __tablename__ = "credit_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    module: Mapped[str] = mapped_column(String(64))
    learned_on: Mapped[date] = mapped_column(Date)  # when the prior learning was completed
    evidence: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="requested")  # approved, rejected
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)


class Credential(Base):
    """A completion of a module with a validity period: valid from, expires on, and why."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    module: Mapped[str] = mapped_column(String(64))
    completion_id: Mapped[int] = mapped_column(ForeignKey("completions.id"), unique=True)
    valid_from: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    rule: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active, superseded
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("credentials.id"))


class Award(Base):
    """Something a worker earned that waits for its certificate (issued by another flow)."""

    __tablename__ = "awards"
    __table_args__ = (UniqueConstraint("worker_id", "kind", "key", "achieved_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # module, pathway
    key: Mapped[str] = mapped_column(String(64))
    achieved_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    # waiting (for the certificate batch), issued, or uncertified (the YAML gives no certificate)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TrainingSession(Base):
    __tablename__ = "training_sessions"
    __table_args__ = (UniqueConstraint("module", "held_on", "venue"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module: Mapped[str] = mapped_column(String(64), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[str] = mapped_column(String(5), default="09:30")  # HH:MM, local time
    minutes: Mapped[int] = mapped_column(Integer, default=360)
    venue: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(100))
    capacity: Mapped[int] = mapped_column(Integer)


class Booking(Base):
    """A worker's place (or place on the waiting list) on a session, for one renewal."""

    __tablename__ = "bookings"
    __table_args__ = (UniqueConstraint("obligation_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"))
    status: Mapped[str] = mapped_column(String(16))  # booked, waitlisted, missed, moved
    why: Mapped[str] = mapped_column(String(200))
    placed_on: Mapped[date] = mapped_column(Date)


class TrainingNeed(Base):
    """A team that must train someone: e.g. a replacement for a worker promoted out of it."""

    __tablename__ = "training_needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    level: Mapped[str] = mapped_column(String(64))
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"))  # who moved up
    reason: Mapped[str] = mapped_column(String(300))
    noted_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")


class Certificate(Base):
    """An issued certificate. Never changed after issue, except to say it was superseded by a
    newer one or revoked; a correction or renewal is a new certificate."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("award_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(64), unique=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    achieved_on: Mapped[date] = mapped_column(Date)
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    issuer: Mapped[str] = mapped_column(String(200))
    pdf_path: Mapped[str] = mapped_column(Text)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    credential: Mapped[str] = mapped_column(Text)  # the signed VC-JWT
    status: Mapped[str] = mapped_column(String(16), default="issued")  # superseded, revoked
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    revoked_on: Mapped[date | None] = mapped_column(Date)
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Panel(Base):
    """A progression panel meeting, with its submission deadline (and why it is that day)."""

    __tablename__ = "panels"

    id: Mapped[int] = mapped_column(primary_key=True)
    meets_on: Mapped[date] = mapped_column(Date, unique=True)
    starts_at: Mapped[str] = mapped_column(String(5))  # HH:MM, local time
    venue: Mapped[str] = mapped_column(String(200))
    deadline: Mapped[date] = mapped_column(Date)
    deadline_rule: Mapped[str] = mapped_column(Text)
    # scheduled -> locked (deadline passed, packs frozen) -> packed (members have the pack);
    # past: a panel Ladder first saw after it met; empty: no complete pack (neither gets a
    # panel pack)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    locked_on: Mapped[date | None] = mapped_column(Date)
    packed_on: Mapped[date | None] = mapped_column(Date)
    pack_path: Mapped[str | None] = mapped_column(Text)
    scheduled_by: Mapped[str] = mapped_column(String(100))
    invited_on: Mapped[date | None] = mapped_column(Date)  # the members' calendar invite


class Candidacy(Base):
    """One candidate at one panel: nominated, then submitted (pack complete at the deadline)
    or rolled over to the next panel; then progressed or deferred, once."""

    __tablename__ = "candidacies"
    __table_args__ = (UniqueConstraint("worker_id", "panel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id"), index=True)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("candidacies.id"))
    nominated_by: Mapped[str] = mapped_column(String(100))
    nominated_on: Mapped[date] = mapped_column(Date)
    # nominated, submitted, rolled_over, progressed, deferred
    status: Mapped[str] = mapped_column(String(16), default="nominated")
    pack: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the locked manifest
    locked_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(16))
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    reasons: Mapped[str | None] = mapped_column(Text)
    further_work: Mapped[str | None] = mapped_column(Text)
    decision_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    report_path: Mapped[str | None] = mapped_column(Text)  # the outcome report PDF
    placement: Mapped[str | None] = mapped_column(String(16))  # slotted, waiting


class Evidence(Base):
    """A piece of the evidence pack: who wrote it, when, and the stored file."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacies.id"), index=True)
    item: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(200))  # an id, or an external professional
    dated: Mapped[date] = mapped_column(Date)
    file_path: Mapped[str | None] = mapped_column(Text)  # under the data folder
    file_name: Mapped[str | None] = mapped_column(String(300))  # as it was given
    sha256: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="current")  # current, replaced
    carried_from: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))


class Post(Base):
    """A post at a level in a team: vacant until a progressed candidate is slotted into it."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    level: Mapped[str] = mapped_column(String(64))
    opened_on: Mapped[date] = mapped_column(Date)
    opened_by: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="vacant")  # vacant, filled
    filled_by: Mapped[int | None] = mapped_column(ForeignKey("workers.id"))
    filled_on: Mapped[date | None] = mapped_column(Date)


class SweepRun(Base):
    """The watermark of the daily sweep: which calendar dates have been handled."""

    __tablename__ = "sweep_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    flow: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date] = mapped_column(Date)
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class FlowLease(Base):
    """Who is running a flow that must never overlap with itself (the daily sweep, the
    certificate batch, panel steps). A run takes the lease before it works and gives it
    back at the end; a lease whose holder died expires at `held_until`."""

    __tablename__ = "flow_leases"

    flow: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    held_until: Mapped[datetime] = mapped_column(UtcDateTime)


class ActionLink(Base):
    """A signed link a mail carries so one person can record one thing on Ladder's web app
    (sign an outcome report): bound to the person and the item, usable once, until its day.
    The token itself is never stored; its signature is checked against the secret key."""

    __tablename__ = "action_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What a token names its row by (random, so a batch of links needs no ids back).
    nonce: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[int] = mapped_column(Integer)
    expires_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
