"""timer moments and the case board

Each deadline stores the next moment it may fire (indexed; the open ones are also indexed by due date),
and each unfinished case its board row.
Existing open deadlines get a moment long past, so the first tick after the upgrade looks at each once
(what it sends is decided by the notices already sent, as before) and moves it on; the board rows are
built from the stored deadlines.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 13:45:00
"""

import json
from itertools import groupby

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LONG_AGO = "1970-01-01T00:00:00.000000Z"
FINISHED = ("closed", "declined")


def upgrade() -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_fire_at", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_deadlines_next_fire_at"), ["next_fire_at"], unique=False)
    op.create_index(
        "ix_deadlines_open_due",
        "deadlines",
        ["due"],
        unique=False,
        sqlite_where=sa.text("next_fire_at IS NOT NULL"),
        postgresql_where=sa.text("next_fire_at IS NOT NULL"),
    )
    board = op.create_table(
        "case_board",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("next_key", sa.String(length=128), nullable=True),
        sa.Column("next_label", sa.Text(), nullable=True),
        sa.Column("next_due", sa.Date(), nullable=True),
        sa.Column("next_original_due", sa.Date(), nullable=True),
        sa.Column("next_due_soon_from", sa.Date(), nullable=True),
        sa.Column("next_deviation", sa.String(length=16), nullable=True),
        sa.Column("open_deadlines", sa.Text(), server_default="[]", nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_board_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_board")),
    )
    with op.batch_alter_table("case_board", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_board_next_due"), ["next_due"], unique=False)
    _backfill(op.get_bind(), board)


def _backfill(connection: sa.Connection, board: sa.Table) -> None:
    meta = sa.MetaData()
    cases = sa.Table("cases", meta, sa.Column("id", sa.Integer), sa.Column("state", sa.String))
    deadlines = sa.Table(
        "deadlines",
        meta,
        sa.Column("case_id", sa.Integer),
        sa.Column("key", sa.String),
        sa.Column("label", sa.Text),
        sa.Column("due", sa.Date),
        sa.Column("original_due", sa.Date),
        sa.Column("due_soon_from", sa.Date),
        sa.Column("met_on", sa.Date),
        sa.Column("deviation", sa.String),
        sa.Column("next_fire_at", sa.String),
    )
    open_case = sa.select(cases.c.id).where(cases.c.state.not_in(FINISHED))
    live = sa.and_(
        deadlines.c.met_on.is_(None),
        sa.or_(deadlines.c.deviation.is_(None), deadlines.c.deviation != "waived"),
        deadlines.c.case_id.in_(open_case),
    )
    connection.execute(sa.update(deadlines).where(live).values(next_fire_at=LONG_AGO))
    rows = connection.execute(
        sa.select(
            deadlines.c.case_id,
            deadlines.c.key,
            deadlines.c.label,
            deadlines.c.due,
            deadlines.c.original_due,
            deadlines.c.due_soon_from,
            deadlines.c.deviation,
        )
        .where(live)
        .order_by(deadlines.c.case_id, deadlines.c.due, deadlines.c.key)
    ).all()
    with_deadlines = set()
    values = []
    for case_id, group in groupby(rows, key=lambda r: r.case_id):
        found = list(group)
        first = found[0]
        with_deadlines.add(case_id)
        values.append(
            {
                "case_id": case_id,
                "next_key": first.key,
                "next_label": first.label,
                "next_due": first.due,
                "next_original_due": first.original_due,
                "next_due_soon_from": first.due_soon_from,
                "next_deviation": first.deviation,
                "open_deadlines": json.dumps(sorted([r.due.isoformat(), r.label] for r in found)),
            }
        )
    values += [
        {"case_id": case_id, "open_deadlines": "[]"}
        for (case_id,) in connection.execute(open_case)
        if case_id not in with_deadlines
    ]
    if values:
        connection.execute(sa.insert(board), values)


def downgrade() -> None:
    with op.batch_alter_table("case_board", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_board_next_due"))
    op.drop_table("case_board")
    op.drop_index("ix_deadlines_open_due", table_name="deadlines")
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadlines_next_fire_at"))
        batch_op.drop_column("next_fire_at")
