"""Letters and forms written with `KeptPackage` (adapters/zip_package.py) are the bytes zipfile's append
mode wrote, as they were written before: every letter template, training and live, and every shipped form
with plain and hostile values, compared whole (local entries, central directory, end record) with the
clock held still, the parts that repeat from one document to the next remembered compressed (by their
content); and packages zipfile treats specially (stored entries, an empty part, a part that does not
compress, a name outside ASCII, a kept entry compressed otherwise) the same.
"""

from __future__ import annotations

import io
import random
import time
import zipfile
from pathlib import Path
from typing import Any
from unittest import mock

import docx
import pytest

from rr_workflow.adapters import documents, letter_docx, templates
from rr_workflow.adapters.config import shipped_dir
from rr_workflow.adapters.zip_package import KeptPackage
from rr_workflow.service.template_files import _sample_values

LETTERS = sorted(
    p.name for p in (shipped_dir("templates") / "letters").glob("*.html.j2") if not p.name.startswith("_")
)
NOW = time.mktime((2026, 11, 27, 10, 30, 17, 0, 0, -1))
HOSTILE = 'O\'Brien & <Sons> "Ltd" {{ 7*7 }} Zoë'


@pytest.fixture(autouse=True)
def shipped_templates_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RR_TEMPLATES", raising=False)
    monkeypatch.setenv("RR_HOME", str(tmp_path / "rr_home"))


def appended(kept: bytes, parts: list[tuple[str, bytes]]) -> bytes:
    """How letters and forms were written: zipfile's append mode on the kept package, at zlib's fastest
    level (1)."""
    out = io.BytesIO(kept)
    out.seek(0, io.SEEK_END)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        for name, content in parts:
            package.writestr(name, content)
    return out.getvalue()


def added_parts(data: bytes, kept: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(kept)) as before:
        count = len(before.namelist())
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None
        return [(name, package.read(name)) for name in package.namelist()[count:]]


def assert_as_appended(data: bytes, kept: bytes) -> list[str]:
    parts = added_parts(data, kept)
    with mock.patch("time.time", return_value=NOW):
        assert data == appended(kept, parts)
    return [name for name, _ in parts]


@pytest.mark.parametrize("training", [True, False], ids=["training", "live"])
@pytest.mark.parametrize("name", LETTERS)
def test_each_letter_is_the_package_zipfile_appended(name: str, training: bool) -> None:
    """Planted bugs that fail this: the parts given the permissions 0o644; deflated at level 9; the
    central directory's records of the added parts in reverse order."""
    html = templates.render(f"letters/{name}", **{**_sample_values(), "training": training})
    with mock.patch("time.time", return_value=NOW):
        data = letter_docx.html_to_docx(html, title=HOSTILE, marking="OFFICIAL", footer=HOSTILE)
    kept = letter_docx._skeleton().package.kept
    names = assert_as_appended(data, kept)
    assert names == ["word/document.xml", "word/header1.xml", "word/footer1.xml", "docProps/core.xml"]
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.getinfo("word/document.xml").date_time == (2026, 11, 27, 10, 30, 16)
    assert docx.Document(io.BytesIO(data)).core_properties.title == HOSTILE


SCOPING = {
    "ref": "RR-2026-014",
    "received": "2026-12-21",
    "aware": "2026-12-18",
    "agency": HOSTILE,
    "due": "2026-12-31",
    "child_initials": "Z.Ó.S.",
}
REPORT = {
    "ref": "RR-2026-014",
    "received": "2026-12-21",
    "aware": "2026-12-18",
    "referrer": HOSTILE,
    "summary": "Admitted to hospital.\nSiblings at home.\tTabbed.",
    "agencies": [{"name": HOSTILE, "sent_on": "2026-12-22", "returned_on": "2026-12-30"}],
    "attendees": [{"name": "A Smith", "agency": "Children's Social Care"}],
    "meeting_date": "2027-01-07",
    "meeting_mode": "remote",
    "decision": "local_cspr",
    "rationale": "Learning for the whole partnership.",
    "actions": [{"owner": "CSC", "text": HOSTILE}],
}


@pytest.mark.parametrize("training", [True, False], ids=["training", "live"])
@pytest.mark.parametrize(
    ("render", "template", "values"),
    [
        (documents.scoping_template_docx, documents.SCOPING_TEMPLATE, SCOPING),
        (documents.report_draft_docx, documents.REPORT_TEMPLATE, REPORT),
    ],
    ids=["scoping", "report"],
)
def test_each_form_is_the_package_zipfile_appended(
    render: Any, template: str, values: dict[str, Any], training: bool
) -> None:
    with mock.patch("time.time", return_value=NOW):
        data = render({**values, "training": training})
    path = documents.docx_template(template)
    stat = path.stat()
    kept = documents._compiled_form(path, stat.st_mtime_ns, stat.st_size).package.kept
    names = assert_as_appended(data, kept)
    assert names[0] == "word/document.xml"
    assert names[-1] == "docProps/core.xml"
    docx.Document(io.BytesIO(data))  # python-docx opens it


def kept_package(*entries: tuple[str, bytes, int]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, content, compression in entries:
            package.writestr(zipfile.ZipInfo(name, (2020, 1, 2, 3, 4, 6)), content, compression)
    return out.getvalue()


def test_awkward_parts_and_kept_entries_are_written_as_zipfile_appends_them() -> None:
    """Planted bug that fails this: the UTF-8 flag left off a name outside ASCII."""
    noise = random.Random(7).randbytes(200_000)
    kept = kept_package(("a.xml", b"<a/>" * 100, zipfile.ZIP_DEFLATED), ("b.bin", noise, zipfile.ZIP_STORED))
    parts = [("empty.xml", b""), ("word/Zoë.xml", "Zoë".encode()), ("noise.bin", noise), ("c.xml", b"<c/>")]
    with mock.patch("time.time", return_value=NOW):
        data = KeptPackage(kept).with_parts(parts)
        assert data == appended(kept, parts)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None
        assert package.namelist() == ["a.xml", "b.bin", "empty.xml", "word/Zoë.xml", "noise.bin", "c.xml"]
        assert package.read("noise.bin") == noise


def test_a_kept_entry_compressed_otherwise_is_left_to_zipfile() -> None:
    kept = kept_package(("a.xml", b"<a/>" * 100, zipfile.ZIP_BZIP2), ("b.xml", b"<b/>", zipfile.ZIP_DEFLATED))
    parts = [("c.xml", b"<c/>" * 10)]
    with mock.patch("time.time", return_value=NOW):
        assert KeptPackage(kept).with_parts(parts) == appended(kept, parts)


def test_a_repeating_part_is_compressed_again_when_its_content_changes() -> None:
    """Planted bug that fails this: the compressed part remembered by its name, not its content."""
    kept = kept_package(("a.xml", b"<a/>" * 100, zipfile.ZIP_DEFLATED))
    package = KeptPackage(kept)
    for header in (b"<h>one</h>", b"<h>two</h>", b"<h>one</h>", b""):
        parts = [("word/document.xml", b"<d/>" * 50), ("word/header1.xml", header)]
        with mock.patch("time.time", return_value=NOW):
            assert package.with_parts(parts, repeating={"word/header1.xml"}) == appended(kept, parts)
