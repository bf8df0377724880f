"""notices (digests and flood control), meetings with invites, practice supervisors

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supervisor_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_workers_supervisor_id_workers", "workers", ["supervisor_id"], ["id"]
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=16), server_default="direct", nullable=False)
        )
        batch_op.add_column(sa.Column("ics", sa.Text(), nullable=True))
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=300), nullable=False),
        sa.Column("obligation_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("recipient_role", sa.String(length=32), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("escalation", sa.Boolean(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["obligation_id"], ["obligations.id"], name="fk_notices_obligation_id_obligations"
        ),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], name="fk_notices_outbox_id_outbox"),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["workers.id"], name="fk_notices_recipient_id_workers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notices"),
        sa.UniqueConstraint("dedup_key", name="uq_notices_dedup_key"),
    )
    op.create_index("ix_notices_obligation_id", "notices", ["obligation_id"])
    op.create_index("ix_notices_recipient_id", "notices", ["recipient_id"])
    op.create_index("ix_notices_status_recipient", "notices", ["status", "recipient_id"])
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=200), nullable=False),
        sa.Column("obligation_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("booked_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["obligation_id"], ["obligations.id"], name="fk_meetings_obligation_id_obligations"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_meetings"),
        sa.UniqueConstraint("obligation_id", name="uq_meetings_obligation_id"),
        sa.UniqueConstraint("uid", name="uq_meetings_uid"),
    )


def downgrade() -> None:
    op.drop_table("meetings")
    op.drop_index("ix_notices_status_recipient", table_name="notices")
    op.drop_index("ix_notices_recipient_id", table_name="notices")
    op.drop_index("ix_notices_obligation_id", table_name="notices")
    op.drop_table("notices")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("ics")
        batch_op.drop_column("channel")
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.drop_constraint("fk_workers_supervisor_id_workers", type_="foreignkey")
        batch_op.drop_column("supervisor_id")
