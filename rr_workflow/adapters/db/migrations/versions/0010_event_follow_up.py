"""outbox: who is following an event up (its claim) and when it was done; the events stored so far are done

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(255), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.String(32), nullable=True))
        batch_op.add_column(sa.Column("done_at", sa.String(32), nullable=True))
        batch_op.create_index("ix_outbox_status", ["status"])
    # Before this revision a step wrote its letters in its own transaction: every stored event is done.
    op.execute("UPDATE outbox SET status = 'done', done_at = created_at WHERE status <> 'done'")


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status")
        batch_op.drop_column("done_at")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claimed_by")
