"""A stored document outlasts a power cut as its row does, and goes out only as it was stored.

A letter's content is committed with its `documents` row (`document_contents`): its file in the
documents folder is a copy, and a letter whose file was lost is still mailed whole. A document added by
hand is read from its file, which is forced to the disk before it takes its name, and its folder's new
entry before the commit of the row naming it: watched on the real system calls (each `fsync`/`fdatasync`
the product asks of Python's `os`, with what the descriptor names, and each begin and commit the engine
makes, in order; SQLite's own syncs of its log are made in C, past `os`, and are not noted). Whatever
its kind, a document whose bytes no longer match its row's SHA-256 is neither mailed nor handed out."""

from __future__ import annotations

import hashlib
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest_timers import SmtpSink, smtp_fixture  # noqa: F401 (the `smtp` fixture)
from sqlalchemy import event

from rr_workflow.adapters.mail import SmtpTransport
from rr_workflow.service import commands, delivery, downloads, meeting_pack
from rr_workflow.service.stored_documents import DocumentDamaged

on_linux = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="names an open descriptor through /proc/self/fd"
)


class Syncs:
    """What was forced to the disk and committed, in order: ("file", path), ("folder", path), ("commit",)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, engine: Any) -> None:
        self.seen: list[tuple[str, ...]] = []
        for name in ("fsync", "fdatasync"):
            monkeypatch.setattr(os, name, self._noting(getattr(os, name)))
        event.listen(engine, "begin", lambda connection: self.seen.append(("begin",)))
        event.listen(engine, "commit", lambda connection: self.seen.append(("commit",)))

    def _noting(self, real: Any) -> Any:
        def sync(fd: int) -> None:
            path = os.readlink(f"/proc/self/fd/{fd}")
            self.seen.append(("folder" if os.path.isdir(path) else "file", path))
            real(fd)

        return sync

    def first(self, *entry: str) -> int:
        return self.seen.index(entry)

    def commit_after(self, position: int) -> int:
        return next(i for i, e in enumerate(self.seen) if i > position and e == ("commit",))

    def begin_before(self, position: int) -> int:
        return max(i for i, e in enumerate(self.seen) if i < position and e == ("begin",))


def letters_sent(rig: Any) -> list[dict[str, Any]]:
    """Scoping send to three partners; its documents' rows with their stored content."""
    rig.at(datetime(2026, 11, 2, 9, 0)).open_case("RR-1")
    rig.later(days=1)
    commands.scoping_send(rig.app, "RR-1", ["la", "police", "health"])
    return rig.rows(
        "SELECT d.id, d.path, d.sha256, d.size, c.content FROM documents d "
        "LEFT JOIN document_contents c ON c.document_id = d.id ORDER BY d.id"
    )


def test_a_steps_letters_are_committed_with_their_content(rig: Any) -> None:
    stored = letters_sent(rig)

    assert len(stored) == 9  # to each of the three partners: the request, the records letter, the form
    for row in stored:
        content = bytes(row["content"])
        assert hashlib.sha256(content).hexdigest() == row["sha256"] and len(content) == row["size"]
        assert content[:2] == b"PK"  # a Word document
        assert Path(row["path"]).read_bytes() == content  # the documents folder's copy


def test_a_letter_whose_file_was_lost_is_mailed_whole(rig: Any, smtp: SmtpSink) -> None:
    stored = letters_sent(rig)
    for row in stored[:4]:
        Path(row["path"]).unlink()  # a power cut just after the step
    for row in stored[4:]:
        Path(row["path"]).write_bytes(b"")

    transport = SmtpTransport("127.0.0.1", smtp.port, starttls=False, user=None, password=None, timeout=5)
    counts = delivery.deliver(rig.app, transport, now=rig.clock.now())

    assert counts == {"sent": 3, "failed": 0, "dead": 0}
    assert smtp.wait_for(3, timeout=5)
    attached = sorted(
        hashlib.sha256(part.get_content()).hexdigest()
        for received in smtp.received
        for part in received.message.iter_attachments()
    )
    assert attached == sorted(row["sha256"] for row in stored)


@on_linux
def test_a_document_added_by_hand_is_on_the_disk_before_its_row_is_committed(
    rig: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rig.at(datetime(2026, 11, 2, 9, 0)).open_case("RR-1")
    source = tmp_path / "police-return.docx"
    source.write_bytes(b"PK the police's return")
    syncs = Syncs(monkeypatch, rig.app.engine)

    commands.doc_add(rig.app, "RR-1", "scoping_return", source)

    path = Path(rig.scalar("SELECT path FROM documents WHERE kind = 'scoping_return'"))
    assert path.read_bytes() == b"PK the police's return"
    written = syncs.first("file", f"{path}.part")  # forced to the disk under its .part name
    committed = syncs.commit_after(written)
    # its folder's entry (the file renamed into it) before the commit of its row
    assert written < syncs.first("folder", str(path.parent)) < committed, syncs.seen
    # the folders it made: the case's in `documents`, and the one it went into
    assert syncs.first("folder", str(path.parent.parent)) < written


def test_a_document_changed_on_the_disk_is_neither_handed_out_nor_sent(rig: Any, tmp_path: Path) -> None:
    rig.at(datetime(2026, 11, 2, 9, 0)).open_case("RR-1")
    source = tmp_path / "Quillfeather police return.docx"
    source.write_bytes(b"PK the police's return")
    commands.doc_add(rig.app, "RR-1", "scoping_return", source)
    document_id = rig.scalar("SELECT id FROM documents WHERE kind = 'scoping_return'")
    path = Path(rig.scalar("SELECT path FROM documents WHERE id = :i", i=document_id))
    assert downloads.document(rig.app, "RR-1", document_id).content == b"PK the police's return"
    path.write_bytes(b"PK the police's RETURN")  # the same length, other bytes

    with pytest.raises(DocumentDamaged) as refused:
        downloads.document(rig.app, "RR-1", document_id)
    message = str(refused.value)
    assert message.startswith(f"document {document_id} of RR-1 is not as it was stored")
    assert "Quillfeather" not in message  # a file's name may name a child

    rig.later(days=1)
    commands.scoping_send(rig.app, "RR-1", ["la", "police", "health"])
    commands.meeting_schedule(rig.later(days=1).app, "RR-1", datetime(2026, 11, 12).date())
    queued = rig.scalar("SELECT count(*) FROM mail_outbox")
    with pytest.raises(DocumentDamaged):
        meeting_pack.build(rig.app, "RR-1", send=True)
    assert rig.scalar("SELECT count(*) FROM mail_outbox") == queued  # nothing queued


def test_a_letter_changed_in_the_database_is_not_sent(rig: Any, smtp: SmtpSink) -> None:
    stored = letters_sent(rig)
    rig.tamper(
        "UPDATE document_contents SET content = :c WHERE document_id = :i", c=b"PK forged", i=stored[0]["id"]
    )

    transport = SmtpTransport("127.0.0.1", smtp.port, starttls=False, user=None, password=None, timeout=5)
    counts = delivery.deliver(rig.app, transport, now=rig.clock.now())

    assert counts == {"sent": 2, "failed": 1, "dead": 0}  # the other two partners' mail goes
    assert smtp.wait_for(2, timeout=5)
    failed = rig.rows("SELECT last_error FROM mail_outbox WHERE status = 'pending' AND attempts = 1")
    assert len(failed) == 1 and f"document {stored[0]['id']} of RR-1 is not as it was stored" in str(failed)
