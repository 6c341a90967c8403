"""Files that outlast a power cut as the database rows naming them do.

A committed row is on the disk when its transaction returns (SQLite `synchronous = FULL`, PostgreSQL
`synchronous_commit = on`); a file the kernel has only been handed is not, for up to half a minute, and a
folder's new entry neither. So a file is forced to the disk before it takes its name, and the folders
given new entries before the rows naming them are committed: a row never names a file a power cut left
empty or missing."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

# Forcing a folder's entries to the disk takes a descriptor of the folder, which POSIX systems give and
# Windows does not (NTFS journals its folders' entries itself).
_FOLDERS_SYNC = hasattr(os, "O_DIRECTORY")


def sync_file(fd: int) -> None:
    """Force the bytes written through `fd` (and what reading them back needs) to the disk."""
    if hasattr(os, "fdatasync"):  # not on macOS or Windows
        os.fdatasync(fd)
    else:
        os.fsync(fd)


def sync_folders(folders: Iterable[Path | str]) -> None:
    """Force each folder's entries (files renamed or folders made in it) to the disk, once each."""
    if not _FOLDERS_SYNC:
        return
    for folder in dict.fromkeys(os.fspath(f) for f in folders):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
