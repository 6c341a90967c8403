"""meetings: the invitation UID (fixed when a meeting is created), location, join link; the SIN's reference

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uid", sa.String(255), nullable=True))
        batch_op.add_column(sa.Column("location", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("join_url", sa.Text(), nullable=True))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sin_reference", sa.Text(), nullable=True))
    # Meetings set before this revision: a UID of their own, so a later change keeps one stable UID.
    op.execute(
        "UPDATE meetings SET uid = 'rr-meeting-' || case_id || '-' || number || '@rr-workflow' "
        "WHERE uid IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("sin_reference")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("join_url")
        batch_op.drop_column("location")
        batch_op.drop_column("uid")
