"""Files that outlast a power cut as the database rows naming them do.

A committed row is on the disk when its transaction returns (SQLite `synchronous = FULL`, PostgreSQL
`synchronous_commit = on`); a file the kernel has only been handed is not, for up to half a minute, and a
folder's new entry neither. So a file is forced to the disk before it takes its name, and the folders
given new entries before the rows naming them are committed: a row never names a file a power cut left
empty or missing. A file is written whole under `<name>.part` and then renamed, so no crash leaves part
of a file under its name either. A copy of what the database holds (`write_copy`) needs none of this."""

from __future__ import annotations

import os
import uuid
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


def write(path: Path, content: bytes) -> bool:
    """Write `content` under `path`, readable by the service user only, on the disk before it takes its
    name (its folder's new entry is the caller's to force, with `sync_folders`, before a row names it).
    The .part is made by this call (O_EXCL), never one another writer may still be writing: one left by
    a crash is written beside (a name of its own). A file already there under the name (the names given
    carry their content's hash) is kept; one of another length (cut short) is written again. True when
    this call made the file, False when it was there. Seven system calls, no path ones twice."""
    name = os.fspath(path)
    try:
        if os.stat(name).st_size == len(content):
            return False  # the same content under the same name
        repairing = True
    except FileNotFoundError:
        repairing = False
    fd, partial = _open_part(name)
    try:
        os.fchmod(fd, 0o600)  # exactly, whatever the umask took away
        _write_whole(fd, content)
        sync_file(fd)
        os.close(fd)
        fd = -1
        os.replace(partial, name)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        os.unlink(partial)
        raise
    if repairing:
        sync_folders([os.path.dirname(name)])
    return not repairing


def write_copy(path: Path, content: bytes) -> None:
    """Write `content` under `path`, readable by the service user only, as a copy of what the database
    holds (a letter's content is committed with its row, and read from there): straight under its name,
    not waited for on the disk, so a power cut (or the process killed) may leave it cut short or empty,
    and the next write of the same letter writes it whole again; one that fails to be written (a full
    disk) is removed. One already there whole is kept (the names given carry
    their content's hash). A file is made with one entry in its folder, not two (no `.part` renamed):
    making a file is most of what a copy costs."""
    name = os.fspath(path)
    try:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        if os.stat(name).st_size == len(content):
            return
        fd = os.open(name, os.O_WRONLY | os.O_TRUNC | os.O_CLOEXEC)
    try:
        os.fchmod(fd, 0o600)  # exactly, whatever the umask took away
        _write_whole(fd, content)
    except BaseException:
        os.close(fd)
        os.unlink(name)  # no half-written copy (a full disk, say): the next write makes it whole
        raise
    os.close(fd)


def _write_whole(fd: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view) :]


def _open_part(name: str) -> tuple[int, str]:
    """A new `<name>.part` (or, where one a crash left is there, a `.part` name of its own), opened for
    writing: its descriptor and its name."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    partial = name + ".part"
    try:
        return os.open(partial, flags, 0o600), partial
    except FileExistsError:
        partial = f"{name}.{uuid.uuid4().hex[:12]}.part"
        return os.open(partial, flags, 0o600), partial
