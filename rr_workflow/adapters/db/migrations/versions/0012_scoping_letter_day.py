"""involvements: the day the scoping letter to the agency was dated, when later than the step's date

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for every existing row: its letter was dated the day the template was recorded as sent.
    with op.batch_alter_table("involvements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("letter_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("involvements", schema=None) as batch_op:
        batch_op.drop_column("letter_on")
