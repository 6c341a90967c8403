"""UnitOfWork.write_file: a document's file, written whole under `<name>.part` then renamed, mode 0600
whatever the umask, kept only if its change is committed; a `.part` another writer (or a crash) left is
never written into nor renamed."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def folder(sqlite_rig: Any) -> Path:
    made = sqlite_rig.app.home / "documents" / "test"
    made.mkdir(parents=True)
    return made


def test_a_committed_file_is_whole_private_and_alone(sqlite_rig: Any, folder: Path) -> None:
    path = folder / "abc-Letter.docx"
    with sqlite_rig.app.uow() as uow:
        old = os.umask(0o277)  # a file made with mode 0600 would be 0400: the mode is set on the file too
        try:
            uow.write_file(path, b"the letter")
        finally:
            os.umask(old)
        uow.commit()
    assert path.read_bytes() == b"the letter"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["abc-Letter.docx"]  # no .part left


def test_a_file_whose_change_is_not_committed_is_removed(sqlite_rig: Any, folder: Path) -> None:
    path = folder / "abc-Letter.docx"
    with sqlite_rig.app.uow() as uow:
        uow.write_file(path, b"the letter")
        assert path.read_bytes() == b"the letter"
    assert list(folder.iterdir()) == []


def test_the_same_name_already_there_is_kept(sqlite_rig: Any, folder: Path) -> None:
    path = folder / "abc-Letter.docx"
    path.write_bytes(b"the letter")  # as a committed row names it (the name carries the content's hash)
    inode = path.stat().st_ino
    with sqlite_rig.app.uow() as uow:
        uow.write_file(path, b"the letter")
    assert path.read_bytes() == b"the letter"  # not written, so not removed with the rollback
    assert path.stat().st_ino == inode


def test_the_same_name_cut_short_is_written_again_and_kept(sqlite_rig: Any, folder: Path) -> None:
    path = folder / "abc-Letter.docx"
    path.write_bytes(b"")  # what a power cut can leave of a file whose bytes had not reached the disk
    with sqlite_rig.app.uow() as uow:
        uow.write_file(path, b"the letter")
    assert path.read_bytes() == b"the letter"  # whole again, and kept: a committed row may name it
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["abc-Letter.docx"]


def test_a_part_file_left_by_another_writer_is_not_touched(sqlite_rig: Any, folder: Path) -> None:
    path = folder / "abc-Letter.docx"
    other = folder / "abc-Letter.docx.part"
    other.write_bytes(b"half a let")  # another writer's (or a crash's): not ours to write into or rename
    with sqlite_rig.app.uow() as uow:
        uow.write_file(path, b"the letter")
        uow.commit()
    assert path.read_bytes() == b"the letter"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert other.read_bytes() == b"half a let"
    assert sorted(p.name for p in folder.iterdir()) == ["abc-Letter.docx", "abc-Letter.docx.part"]
