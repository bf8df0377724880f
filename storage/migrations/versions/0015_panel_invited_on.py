"""panel members are invited to a meeting once, when it is first on the calendar: the day
they were is kept on the panel

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("panels") as table:
        table.add_column(sa.Column("invited_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("panels") as table:
        table.drop_column("invited_on")
