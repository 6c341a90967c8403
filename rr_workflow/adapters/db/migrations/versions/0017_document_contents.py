"""each generated letter's content kept in the database beside its row

A letter's file had to reach the disk (a journal commit of the file system for each new file) before the
transaction storing its row: the costliest part of a step. Its content now goes into `document_contents`
in that same transaction, on the disk with the row by the commit itself; the file is a copy for people
browsing the documents folder, and the product reads the content from the database.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_contents",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_contents_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_document_contents")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # A Word document is a zip file already: PostgreSQL need not try to compress it again.
        op.execute("ALTER TABLE document_contents ALTER COLUMN content SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("document_contents")
