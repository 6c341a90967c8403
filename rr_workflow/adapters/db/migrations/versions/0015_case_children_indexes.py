"""a case's child rows indexed by their case (a meeting's attendances by their meeting)

Every step loads its case with its involvements, meetings and their attendances, immediate actions and
deviations in one query. Involvements and meetings are found through their unique (case_id, ...)
constraints; the other three had no index on the column the query joins on, so each load built a
transient index over the whole table (SQLite's automatic index; a scan on PostgreSQL): a cost that grew
with every case ever recorded (about 5 ms a step with 3,000 cases' rows, 0.1 ms with these indexes).

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_attendances_meeting_id", "attendances", ["meeting_id"], unique=False)
    op.create_index("ix_actions_case_id", "actions", ["case_id"], unique=False)
    op.create_index("ix_deviations_case_id", "deviations", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_deviations_case_id", table_name="deviations")
    op.drop_index("ix_actions_case_id", table_name="actions")
    op.drop_index("ix_attendances_meeting_id", table_name="attendances")
