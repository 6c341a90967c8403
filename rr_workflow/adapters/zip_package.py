"""A package (a .docx is a zip file) made of kept parts and a few changed ones, with the bytes zipfile's
append mode writes, without zipfile reading the kept package back for every document.

A letter or a form is its template's unchanging parts, kept compressed, and three or four parts that change
from one document to the next. `ZipFile(kept, "a")` then `writestr` of each changed part reads the kept
package's central directory back into objects, writes the changed parts' entries where that directory was,
and writes the whole directory out again from the objects. Here the kept entries and their directory
records are bytes made once; for each document only the changed parts are compressed (those that come back
document after document, as a page header does, once per content) and their entries and records written,
as zipfile writes them (its own local header; its central directory record and end record
written out below). All the changed parts of one document carry the same modification time (zipfile takes
the clock again for each). A package so large it would need zip64 records is written by zipfile itself.
tests/unit/test_zip_package.py compares the bytes with zipfile's.
"""

from __future__ import annotations

import functools
import io
import struct
import time
import zipfile
import zlib
from collections.abc import Collection, Iterable

_CENTRAL = struct.Struct(zipfile.structCentralDir)
# zlib's fastest level: a letter's changed parts (its text, some 20 kB of XML) deflate three times faster
# than at the default level (6), into about a fifth more bytes: some 400 bytes more in a 37 kB document,
# whose size is the template's kept parts' (its styles), compressed once.
LEVEL = 1
_END = struct.Struct(zipfile.structEndArchive)


class KeptPackage:
    """A package's kept parts, ready to have changed parts added (`with_parts`). Immutable: any thread may
    use one."""

    def __init__(self, kept: bytes) -> None:
        with zipfile.ZipFile(io.BytesIO(kept)) as package:
            infos = package.infolist()
            start = package.start_dir
            self._comment = package.comment
        self.kept = kept
        self._entries = kept[:start]
        self._directory = b"".join(_central_record(info) for info in infos)
        self._count = len(infos)
        # zipfile writes these kept entries' records otherwise (a zip64 field, a higher version needed)
        self._plain = all(
            info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            and max(info.file_size, info.compress_size, info.header_offset) <= zipfile.ZIP64_LIMIT
            for info in infos
        )

    def with_parts(self, parts: Iterable[tuple[str, bytes]], repeating: Collection[str] = ()) -> bytes:
        """The package with `parts` (name, content) added, deflated, after the kept ones. `repeating`:
        the names of the parts whose content comes back document after document (a page header, the
        properties): their compressed bytes are remembered (by content) instead of compressed again."""
        parts = list(parts)
        if not self._plain:
            return _appended(self.kept, parts)
        date_time = time.localtime(time.time())[:6]
        entries, records = [self._entries], [self._directory]
        offset = len(self._entries)
        for name, content in parts:
            info, entry = _entry(name, content, date_time, offset, name in repeating)
            if _needs_zip64(info):
                return _appended(self.kept, parts)
            entries.append(entry)
            records.append(_central_record(info))
            offset += len(entry)
        directory = b"".join(records)
        count = self._count + len(parts)
        if count > zipfile.ZIP_FILECOUNT_LIMIT or offset + len(directory) > zipfile.ZIP64_LIMIT:
            return _appended(self.kept, parts)
        end = _END.pack(
            zipfile.stringEndArchive, 0, 0, count, count, len(directory), offset, len(self._comment)
        )
        return b"".join((*entries, directory, end, self._comment))


def _entry(
    name: str, content: bytes, date_time: tuple[int, ...], offset: int, repeating: bool
) -> tuple[zipfile.ZipInfo, bytes]:
    """`ZipFile.writestr(name, content)`'s entry at `offset`: its ZipInfo and its local header and data."""
    info = zipfile.ZipInfo(filename=name, date_time=date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16  # ?rw-------
    info.file_size = len(content)
    info.flag_bits = 0
    info.header_offset = offset
    info.CRC, data = _remembered(content) if repeating else _deflated(content)
    info.compress_size = len(data)
    return info, info.FileHeader(False) + data


def _deflated(content: bytes) -> tuple[int, bytes]:
    """Its CRC and its data deflated as zipfile deflates an entry at `LEVEL` (raw deflate). In one call:
    the same bytes as zipfile's compressor object, in about half the time for a letter's part."""
    return zlib.crc32(content), zlib.compress(content, LEVEL, -15)


_remembered = functools.lru_cache(maxsize=64)(_deflated)


def _needs_zip64(info: zipfile.ZipInfo) -> bool:
    """Whether zipfile writes the entry with zip64 fields (its local header, as `_open_to_write` decides,
    or its central directory record)."""
    limit = zipfile.ZIP64_LIMIT
    return info.file_size * 1.05 > limit or info.compress_size > limit or info.header_offset > limit


def _central_record(info: zipfile.ZipInfo) -> bytes:
    """`ZipFile._write_end_record`'s central directory record of an entry needing no zip64 field."""
    year, month, day, hour, minute, second = info.date_time
    dosdate = (year - 1980) << 9 | month << 5 | day
    dostime = hour << 11 | minute << 5 | (second // 2)
    filename, flag_bits = info._encodeFilenameFlags()
    record = _CENTRAL.pack(
        zipfile.stringCentralDir,
        info.create_version,
        info.create_system,
        info.extract_version,
        info.reserved,
        flag_bits,
        info.compress_type,
        dostime,
        dosdate,
        info.CRC,
        info.compress_size,
        info.file_size,
        len(filename),
        len(info.extra),
        len(info.comment),
        0,
        info.internal_attr,
        info.external_attr,
        info.header_offset,
    )
    return record + filename + info.extra + info.comment


def _appended(kept: bytes, parts: list[tuple[str, bytes]]) -> bytes:
    """zipfile's own append: for the packages too large for `with_parts`' records."""
    out = io.BytesIO(kept)
    out.seek(0, io.SEEK_END)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=LEVEL) as package:
        for name, content in parts:
            package.writestr(name, content)
    return out.getvalue()
