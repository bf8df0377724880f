"""every duty: role dates, ASYE extensions, backlog marks on obligations, supervision and
CPD records

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role_since", sa.Date(), nullable=True))
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("extended_months", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_swept_on", sa.Date(), nullable=True))
        batch_op.create_index("ix_obligations_unswept", ["first_swept_on", "status"])
    # Items that existed before this revision were swept by the old rules: they are not a
    # backlog, so none of them gets a catch-up notice on the first run after the upgrade.
    op.execute(sa.text("UPDATE obligations SET first_swept_on = CURRENT_DATE"))
    op.create_table(
        "supervision_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["workers.id"],
            name=op.f("fk_supervision_records_supervisor_id_workers"),
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_supervision_records_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_records")),
        sa.UniqueConstraint("worker_id", "held_on", name=op.f("uq_supervision_records_worker_id")),
    )
    op.create_index(op.f("ix_supervision_records_worker_id"), "supervision_records", ["worker_id"])
    op.create_table(
        "cpd_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("peer_reflection", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["workers.id"], name=op.f("fk_cpd_records_worker_id_workers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpd_records")),
        sa.UniqueConstraint("worker_id", "done_on", "title", name=op.f("uq_cpd_records_worker_id")),
    )
    op.create_index(op.f("ix_cpd_records_worker_id"), "cpd_records", ["worker_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_cpd_records_worker_id"), table_name="cpd_records")
    op.drop_table("cpd_records")
    op.drop_index(op.f("ix_supervision_records_worker_id"), table_name="supervision_records")
    op.drop_table("supervision_records")
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_index("ix_obligations_unswept")
        batch_op.drop_column("first_swept_on")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_column("extended_months")
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.drop_column("role_since")
