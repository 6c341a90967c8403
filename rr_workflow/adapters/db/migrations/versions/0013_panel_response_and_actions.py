"""cases: the National Panel's response and the answer to its questions; actions: the register's columns

Revision ID: 0013
Revises: 0012

Cases already closed stay closed. A case whose report is with the Panel (`submitted`) now waits for the
Panel's response before it closes: its stored allowed steps say so. Actions recorded before the register
are open with no due date (a coordinator sets one, or records them done or dropped).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("panel_response_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("panel_agrees", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("panel_questions", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("panel_answered_on", sa.Date(), nullable=True))
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="action"))
        batch_op.add_column(sa.Column("source_ref", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("agency", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("agreed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("due", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="open"))
        batch_op.add_column(sa.Column("done_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("evidence", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("evidence_document_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("impact", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("dropped_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("drop_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("next_fire_at", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_actions_next_fire_at"), ["next_fire_at"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_actions_agency_agencies"), "agencies", ["agency"], ["key"])
        batch_op.create_foreign_key(
            batch_op.f("fk_actions_evidence_document_id_documents"),
            "documents",
            ["evidence_document_id"],
            ["id"],
        )
    # An action's owner typed as a registered agency's key is that agency.
    op.execute(
        "UPDATE actions SET agency = (SELECT a.key FROM agencies a WHERE a.key = lower(trim(actions.owner))) "
        "WHERE agency IS NULL"
    )
    op.execute(
        "UPDATE actions SET agreed_on = (SELECT c.decided_on FROM cases c WHERE c.id = actions.case_id)"
    )
    # A report with the Panel now waits for its response before the case closes.
    op.execute(
        "UPDATE cases SET allowed = replace(allowed, 'close', 'record_panel_response') "
        "WHERE state = 'submitted'"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE cases SET allowed = replace(allowed, 'record_panel_response', 'close') "
        "WHERE state = 'submitted'"
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_actions_evidence_document_id_documents"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_actions_agency_agencies"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_actions_next_fire_at"))
        for column in (
            "next_fire_at",
            "drop_reason",
            "dropped_on",
            "impact",
            "evidence_document_id",
            "evidence",
            "done_on",
            "status",
            "due",
            "agreed_on",
            "agency",
            "source_ref",
            "kind",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for column in ("panel_answered_on", "panel_questions", "panel_agrees", "panel_response_on"):
            batch_op.drop_column(column)
