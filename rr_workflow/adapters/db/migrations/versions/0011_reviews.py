"""reviews: the review that follows a Rapid Review, its schedules, checkpoints and deviations; deadlines
say which review they belong to (NULL: the Rapid Review's own, as every existing row)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_schedules",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_review_schedules")),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("case_ref", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("schedule_version", sa.String(length=64), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("reviewer", sa.Text(), nullable=True),
        sa.Column("reviewer_appointed_on", sa.Date(), nullable=True),
        sa.Column("tor_agreed_on", sa.Date(), nullable=True),
        sa.Column("draft_on", sa.Date(), nullable=True),
        sa.Column("final_sent_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("short_notice_reason", sa.Text(), nullable=True),
        sa.Column("not_published_on", sa.Date(), nullable=True),
        sa.Column("not_published_reason", sa.Text(), nullable=True),
        sa.Column("panel_decided_on", sa.Date(), nullable=True),
        sa.Column("panel_undertakes", sa.Boolean(), nullable=True),
        sa.Column("panel_note", sa.Text(), nullable=True),
        sa.Column("allowed", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_reviews_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["schedule_version"],
            ["review_schedules.version"],
            name=op.f("fk_reviews_schedule_version_review_schedules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
    )
    op.create_index(op.f("ix_reviews_case_id"), "reviews", ["case_id"], unique=False)
    op.create_table(
        "review_checkpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_checkpoints_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_checkpoints")),
        sa.UniqueConstraint("review_id", "number", name="uq_review_checkpoints_review_number"),
    )
    op.create_table(
        "review_deviations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("deadline_key", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("extended_to", sa.Date(), nullable=True),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_deviations_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_deviations")),
    )
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_deadlines_review_id"), ["review_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_deadlines_review_id_reviews"), "reviews", ["review_id"], ["id"], ondelete="CASCADE"
        )


def downgrade() -> None:
    op.execute("DELETE FROM deadlines WHERE review_id IS NOT NULL")
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_deadlines_review_id_reviews"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_deadlines_review_id"))
        batch_op.drop_column("review_id")
    op.drop_table("review_deviations")
    op.drop_table("review_checkpoints")
    op.drop_index(op.f("ix_reviews_case_id"), table_name="reviews")
    op.drop_table("reviews")
    op.drop_table("review_schedules")
