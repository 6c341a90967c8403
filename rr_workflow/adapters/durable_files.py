"""Files that outlast a power cut as the database rows naming them do.

A committed row is on the disk when its transaction returns (SQLite `synchronous = FULL`, PostgreSQL
`synchronous_commit = on`); a file the kernel has only been handed is not, for up to half a minute, and a
folder's new entry neither. So a file is forced to the disk before it takes its name, and the folders
given new entries before the rows naming them are committed: a row never names a file a power cut left
empty or missing. A file is written whole under `<name>.part` and then renamed, so no crash leaves part
of a file under its name either."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

# Forcing a folder's entries to the disk takes a descriptor of the folder, which POSIX systems give and
# Windows does not (NTFS journals its folders' entries itself).
_FOLDERS_SYNC = hasattr(os, "O_DIRECTORY")
# Linux starts writing a file's dirty pages back when told its cache is not needed (macOS has no call).
_START_WRITE_BACK = hasattr(os, "posix_fadvise")


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
    """Write `content` under `path` (as `write_all` writes each file); True when this call made the file,
    False when it was there."""
    return write_all([(path, content)])[0]


def write_all(files: Sequence[tuple[Path, bytes]], synced: bool = True) -> list[bool]:
    """Write each `content` under its `path`, readable by the service user only, on the disk before it
    takes its name (their folders' new entries are the caller's to force, with `sync_folders`, before a
    row names them). A `.part` is made by this call (O_EXCL), never one another writer may still be
    writing: one left by a crash is written beside (a name of its own). A file already there under its
    name (the names given carry their content's hash) is kept; one of another length (cut short) is
    written again. For each file, in order: True when this call made it, False when it was there.

    The files are written together: every file's bytes are handed to the disk before the first is waited
    for, so one journal commit covers them all, and they take their names only once all are on the disk
    (a rename between two syncs would cost the second sync a journal commit of its own): a step writing
    nine files waits for the disk about twice, not eighteen times.

    `synced=False`: copies of what the database holds (a letter's content is stored with its row), not
    waited for: a power cut may leave one empty, and the database still has it."""
    made: dict[str, bool] = {}
    repaired: list[str] = []
    parts: list[tuple[int, str, str]] = []  # (descriptor or -1 once closed, .part, name), not yet renamed
    try:
        for path, content in files:
            name = os.fspath(path)
            if name in made:
                continue  # the same letter twice (its name carries its content's hash)
            try:
                if os.stat(name).st_size == len(content):
                    made[name] = False  # the same content under the same name
                    continue
                made[name] = False
                repaired.append(name)  # cut short: written again
            except FileNotFoundError:
                made[name] = True
            fd, partial = _open_part(name)
            parts.append((fd, partial, name))
            os.fchmod(fd, 0o600)  # exactly, whatever the umask took away
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view) :]
            if synced and _START_WRITE_BACK:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)  # its write-back begins now
        for fd, _, _ in parts:
            if synced:
                sync_file(fd)
        for i, (fd, partial, name) in enumerate(parts):
            parts[i] = (-1, partial, name)
            os.close(fd)
        while parts:
            _, partial, name = parts[0]
            os.replace(partial, name)
            parts.pop(0)
    except BaseException:
        for fd, partial, _ in parts:
            if fd >= 0:
                os.close(fd)
            os.unlink(partial)
        raise
    if synced:
        sync_folders(os.path.dirname(name) for name in repaired)
    return [made[os.fspath(path)] for path, _ in files]


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
