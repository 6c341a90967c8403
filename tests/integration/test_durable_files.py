"""A document's file outlasts a power cut as its row does: its bytes are forced to the disk before it takes
its name, and its folder's new entry (and a new case folder's, in the folder above) before the commit of
the row naming it, and before the transaction storing the row begins (no lock held meanwhile). Watched on
the real system calls: each `fsync`/`fdatasync` the product asks of Python's `os` is noted with what the
descriptor names, and each begin and commit the engine makes, in order (SQLite's own syncs of its log are
made in C, past `os`, and are not noted)."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from rr_workflow.service import commands

pytestmark = pytest.mark.skipif(
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


def test_a_steps_letters_are_on_the_disk_before_their_rows_are_committed(
    rig: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig.at(datetime(2026, 11, 2, 9, 0)).open_case("RR-1")
    syncs = Syncs(monkeypatch, rig.app.engine)
    rig.later(days=1)
    commands.scoping_send(rig.app, "RR-1", ["la", "police", "health"])

    with rig.app.engine.connect() as connection:
        stored = connection.execute(text("SELECT path FROM documents ORDER BY id")).scalars()
        paths = [Path(p) for p in stored]
    assert len(paths) == 9  # to each of the three partners: the request, the records letter, the form
    generated = paths[0].parent
    assert generated.name == "generated" and all(p.parent == generated for p in paths)
    case_folder, documents = generated.parent, generated.parent.parent
    for path in paths:
        written = syncs.first("file", f"{path}.part")  # forced to the disk under its .part name
        committed = syncs.commit_after(written)
        # its folder's entry (the file renamed into it) before the commit of its row, and both before
        # that transaction began: no lock is held while they reach the disk
        assert written < syncs.first("folder", str(generated)) < syncs.begin_before(committed), syncs.seen
    first_write = syncs.first("file", f"{paths[0]}.part")
    # the folders the letters made: `generated` in the case's folder, the case's in `documents`
    assert syncs.first("folder", str(case_folder)) < first_write
    assert syncs.first("folder", str(documents)) < first_write
