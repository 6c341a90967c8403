"""durable_files.write_copy: a copy of what the database holds (a letter's file) written straight under its
name, private whatever the umask, neither waited for on the disk nor renamed into place; kept when it is
there whole, written again when it was cut short. Real files in a temporary folder; the system calls
asked of Python's `os` noted in order."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from rr_workflow.adapters import durable_files


class Calls:
    """("sync", path the descriptor names) and ("rename", to), in the order asked."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[tuple[str, str]] = []
        for name in ("fsync", "fdatasync"):
            monkeypatch.setattr(os, name, self._syncing(getattr(os, name)))
        real_replace = os.replace

        def replace(source: Any, target: Any) -> None:
            self.seen.append(("rename", os.fspath(target)))
            real_replace(source, target)

        monkeypatch.setattr(os, "replace", replace)

    def _syncing(self, real: Any) -> Any:
        def sync(fd: int) -> None:
            self.seen.append(("sync", os.readlink(f"/proc/self/fd/{fd}")))
            real(fd)

        return sync


def test_a_copy_is_written_straight_under_its_name_private_whatever_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "abc-letter.docx"
    calls = Calls(monkeypatch)
    old = os.umask(0o277)  # a file made with mode 0600 would be 0400: the mode is set on the file too
    try:
        durable_files.write_copy(path, b"the letter")
    finally:
        os.umask(old)

    assert path.read_bytes() == b"the letter"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert calls.seen == []  # neither waited for on the disk nor renamed into place
    assert [p.name for p in tmp_path.iterdir()] == ["abc-letter.docx"]


def test_a_copy_already_there_whole_is_kept_and_one_cut_short_is_written_again(tmp_path: Path) -> None:
    whole, cut_short = tmp_path / "a-letter.docx", tmp_path / "b-letter.docx"
    whole.write_bytes(b"the letter")
    cut_short.write_bytes(b"the l")
    os.utime(whole, (1_000_000_000, 1_000_000_000))

    durable_files.write_copy(whole, b"THE LETTER")
    durable_files.write_copy(cut_short, b"the letter")

    assert whole.read_bytes() == b"the letter" and whole.stat().st_mtime == 1_000_000_000  # not touched
    assert cut_short.read_bytes() == b"the letter"


def test_a_copy_that_cannot_be_written_whole_is_not_left_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "abc-letter.docx"
    real_write = os.write

    def disk_full_after_four_bytes(fd: int, data: Any) -> int:
        if os.fstat(fd).st_size >= 4:
            raise OSError(28, "No space left on device")
        return real_write(fd, bytes(data[:4]))

    monkeypatch.setattr(os, "write", disk_full_after_four_bytes)
    with pytest.raises(OSError, match="No space left"):
        durable_files.write_copy(path, b"the letter")

    assert list(tmp_path.iterdir()) == []
