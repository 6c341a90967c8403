"""a case's documents indexed by their case, a mail's attachments by their mail, cases by their
reference folded to lower case

A case's documents had no index on their case: the submit step's look-up of the finished report attached
to its case (none, when the draft is sent) read every document ever stored, newest first, as did a
case's document list; sending a mail read every attachment ever queued to find its own; opening a case
(which refuses a reference differing from another only in case) and finding one typed in another case
read every reference. Costs that grew with every case recorded.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_documents_case_id", "documents", ["case_id"], unique=False)
    op.create_index("ix_mail_attachments_mail_id", "mail_attachments", ["mail_id"], unique=False)
    op.create_index("ix_cases_ref_folded", "cases", [sa.text("lower(ref)")], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_ref_folded", table_name="cases")
    op.drop_index("ix_mail_attachments_mail_id", table_name="mail_attachments")
    op.drop_index("ix_documents_case_id", table_name="documents")
