"""What a stored document holds, as it was stored, for everything that sends or hands one out (a mail's
attachments, a download, a meeting pack).

A letter the product wrote has its content in the database (`document_contents`), committed with its
`documents` row: that copy is read, not the file in the documents folder, which may have been lost to a
power cut just after it was written. A document added by hand (and a letter stored before its content
was kept in the database) is read from its file, which was forced to the disk before its row was
committed. Either way the bytes are checked against the SHA-256 and size in the row first: a document
changed or damaged since it was stored is never mailed to an agency or the Panel, nor handed out, as if
it were the one recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Connection, select

from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.errors import RRError


class DocumentDamaged(RRError):
    """A stored document's content no longer matches what was recorded of it (exit 1): its file was
    changed, cut short or removed. Nothing is sent or handed out."""


def contents(connection: Connection, document_ids: Sequence[int]) -> dict[int, bytes]:
    """Each document's content, by id, checked against its row; DocumentDamaged names the first that
    does not match, by its case and number (never its file's name, which may name a child)."""
    if not document_ids:
        return {}
    d, c = t.documents, t.document_contents
    rows = connection.execute(
        select(d.c.id, t.cases.c.ref, d.c.path, d.c.sha256, d.c.size, c.c.content)
        .join(t.cases, t.cases.c.id == d.c.case_id)
        .outerjoin(c, c.c.document_id == d.c.id)
        .where(d.c.id.in_(set(document_ids)))
    )
    found: dict[int, bytes] = {}
    for document_id, ref, path, digest, size, kept in rows:
        content = bytes(kept) if kept is not None else _file(path)
        if content is None or len(content) != size or hashlib.sha256(content).hexdigest() != digest:
            raise DocumentDamaged(
                f"document {document_id} of {ref} is not as it was stored (its file is "
                f"{'missing' if content is None else 'changed or cut short'}): nothing was sent or handed "
                f"out; restore it from the backup of the documents folder (`rr doc list {ref} --json` "
                "gives its path)"
            )
        found[document_id] = content
    missing = [i for i in document_ids if i not in found]
    if missing:
        raise DocumentDamaged(f"there is no document {missing[0]}")
    return found


def _file(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None
