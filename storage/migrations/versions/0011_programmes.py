"""dated programmes: the ASYE year becomes one programme among others (an induction, a
probation review); enrolments say when they were finished

Existing ASYE data keeps its keys (`asye:<enrolment>:<milestone>`, kinds `asye.review` ...),
which are the general form `<programme>:<enrolment>:<milestone>` with the programme `asye`.
What it gains is the day each finished enrolment was completed, taken from the last item
it closed, and an index for the daily scan of each programme's enrolments.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("completed_on", sa.Date(), nullable=True))
        batch_op.create_index("ix_enrolments_programme_status", ["programme", "status"])
    # A finished year's completion day is when its last item (the assessor's report) closed.
    op.execute(
        sa.text(
            "UPDATE enrolments SET completed_on = ("
            " SELECT MAX(o.closed_on) FROM obligations o"
            " WHERE o.enrolment_id = enrolments.id AND o.status = 'done')"
            " WHERE status = 'completed'"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrolments_programme_status")
        batch_op.drop_column("completed_on")
