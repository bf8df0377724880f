"""events say the channel a decision came through beside the person named

A decision names the person acting (`actor`, a roster id). `channel` says how it reached
Ladder: `cli:<login>` for a command, `form:<flow run id>` for a Prefect form run,
`link:<token id>` for a signed link, `schedule:<flow run id>` for the daily run. Earlier
events predate the column and keep it empty.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("channel")
