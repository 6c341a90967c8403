"""active agencies and people: deactivated, never deleted (the audit trail names them)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 13:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("agencies", "people"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("active", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    for table in ("agencies", "people"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("active")
