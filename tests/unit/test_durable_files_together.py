"""durable_files.write_all: a step's files written together, each on the disk before it takes its name,
none named before all are on the disk (so one journal commit covers them), and nothing left half done
when one of them cannot be written. Real files in a temporary folder; the system calls the product asks
of Python's `os` are noted in order."""

from __future__ import annotations

import os
import stat
import sys
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


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="names a descriptor through /proc/self/fd")
def test_every_file_is_on_the_disk_before_the_first_takes_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [tmp_path / f"{n}-letter.docx" for n in ("aaa", "bbb", "ccc")]
    calls = Calls(monkeypatch)

    made = durable_files.write_all([(names[0], b"one"), (names[1], b"two two"), (names[2], b"three")])

    assert made == [True, True, True]
    assert calls.seen == [
        ("sync", f"{names[0]}.part"),
        ("sync", f"{names[1]}.part"),
        ("sync", f"{names[2]}.part"),
        ("rename", str(names[0])),
        ("rename", str(names[1])),
        ("rename", str(names[2])),
    ]
    assert [p.read_bytes() for p in names] == [b"one", b"two two", b"three"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in names)
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in names]  # no .part left


def test_a_file_already_there_is_kept_and_one_cut_short_is_written_again(tmp_path: Path) -> None:
    kept, cut_short, new = tmp_path / "a-kept.docx", tmp_path / "b-cut.docx", tmp_path / "c-new.docx"
    kept.write_bytes(b"kept")
    cut_short.write_bytes(b"cu")

    made = durable_files.write_all([(kept, b"KEPT"), (cut_short, b"cut short"), (new, b"new")])

    assert made == [False, False, True]
    assert kept.read_bytes() == b"kept"  # the same length under a name carrying its hash: the same letter
    assert cut_short.read_bytes() == b"cut short"
    assert new.read_bytes() == b"new"


def test_the_same_letter_twice_is_written_once(tmp_path: Path) -> None:
    path = tmp_path / "abc-letter.docx"

    made = durable_files.write_all([(path, b"the letter"), (path, b"the letter")])

    assert made == [True, True]
    assert path.read_bytes() == b"the letter"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["abc-letter.docx"]


def test_a_file_that_cannot_be_written_leaves_none_of_them(tmp_path: Path) -> None:
    first, second = tmp_path / "a-letter.docx", tmp_path / "b-letter.docx"
    missing = tmp_path / "no-such-folder" / "c-letter.docx"

    with pytest.raises(FileNotFoundError):
        durable_files.write_all([(first, b"one"), (second, b"two"), (missing, b"three")])

    assert list(tmp_path.iterdir()) == []  # no .part left, and no letter under its name
