"""flow leases: one run at a time of the daily sweep, the certificate batch, panel steps

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 20:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "flow_leases",
        sa.Column("flow", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("held_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("flow", name=op.f("pk_flow_leases")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("flow_leases")
