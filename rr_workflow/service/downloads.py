"""One stored document of a case, to download: its name, type and bytes. Reading it is audited, as a view
of the case's personal details is (`rr case show`): a document may carry them."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

from sqlalchemy import select

from rr_workflow.adapters.db import audit, lookup
from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.errors import BadInput
from rr_workflow.service import permissions, stored_documents
from rr_workflow.service.app import App


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    content: bytes


def document(app: App, ref: str, document_id: int) -> Download:
    """Document `document_id` of case `ref`; BadInput when the case has no such document."""
    with app.engine.begin() as connection:
        permissions.require(connection, app.actor, "case_show")
        ref = lookup.case_ref(connection, ref)
        d, c = t.documents.c, t.cases.c
        row = connection.execute(
            select(d.filename, d.path, d.sha256, c.state)
            .join(t.cases, c.id == d.case_id)
            .where(c.ref == ref, d.id == document_id)
        ).one_or_none()
        if row is None:
            raise BadInput(f"case {ref} has no document {document_id}")
        content = stored_documents.contents(connection, [document_id])[document_id]
        audit.append(
            connection,
            actor=app.actor,
            recorded_at=app.moment(),
            action="document_viewed",
            case_ref=ref,
            effective_on=app.today(),
            from_state=row.state,
            to_state=row.state,
            details={"document": document_id, "sha256": row.sha256},
        )
    content_type = mimetypes.guess_type(str(row.filename))[0] or "application/octet-stream"
    return Download(str(row.filename), content_type, content)
