"""actions: the open ones indexed by case and due date

The board reads, in its one query, the cases whose open actions are past their due date (a closed case
stays on it until they are done or dropped) and how many each has: a range of this index, which holds
only the open actions, so it does not grow with the register's history.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_actions_open_due",
        "actions",
        ["case_id", "due"],
        unique=False,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("ix_actions_open_due", table_name="actions")
