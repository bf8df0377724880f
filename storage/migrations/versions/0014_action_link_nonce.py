"""a signed link names its row by a random nonce, so the links a day's reminders carry are
made in one statement on every database (SQLite returns ids in order only row by row)

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("action_links") as table:
        table.add_column(sa.Column("nonce", sa.String(length=32), nullable=True))
    op.create_index("ix_action_links_nonce", "action_links", ["nonce"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_action_links_nonce", table_name="action_links")
    with op.batch_alter_table("action_links") as table:
        table.drop_column("nonce")
