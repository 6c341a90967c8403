"""A letter's Word document written as text (adapters/letter_docx.py, `_Skeleton`) is the one python-docx
builds: every letter template (templates/letters/*.html.j2) rendered with `rr templates check`'s sample
values (hostile text: `Sample & <Co> {{ 7*7 }} Zoë`), on a training database and a live one, and a
letter using every kind of block the letters use, written both ways: the packages hold the same parts
with the same bytes (document.xml, the page header and footer, the document properties), so the text and
the paragraph structure are the same too (compared as well, read back by python-docx, to say what differs
if the bytes ever do). The marking, title and footer carry `& < > " '` and a tab.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest

from rr_workflow.adapters import templates
from rr_workflow.adapters.config import shipped_dir
from rr_workflow.adapters.letter_docx import html_to_docx, python_docx_letter
from rr_workflow.service.template_files import _sample_values

EVERY_BLOCK = """<html><head><title>x</title><style>p { color: red }</style></head><body>
<p class="marking">OFFICIAL-SENSITIVE</p><p class="training">TRAINING — NOT A REAL CASE</p>
<p class="letterhead"><strong>O'Brien &amp; &lt;Sons&gt; "Ltd"</strong><br>County Hall</p>
<h1>Heading one</h1><h2>Heading two</h2><h3>Heading three</h3>
<p>  Plain <em>italic</em> <b>bold <i>both</i></b> end.  </p>
<ul><li>a bullet</li></ul><ol><li>a number</li><li><strong>bold</strong> in a number</li></ol>
<div class="to-write">Write here</div>
<table><tr><th>First</th><th>Second</th><th>Third</th></tr><tr><td>a<br>b</td><td><em>c</em></td></tr>
<tr><td></td></tr></table>
<p class="address">Address line</p><img alt="logo"><div>text in a plain div</div></body></html>"""

LETTERS = sorted(
    p.name for p in (shipped_dir("templates") / "letters").glob("*.html.j2") if not p.name.startswith("_")
)
HEADINGS = {"title": "Title & <more> \"quoted\" 'too'", "marking": "OFFICIAL & <SENSITIVE>"}
FOOTER = "O'Brien & <Sons>\tLSCP · Rapid Review RR-1"


@pytest.fixture(autouse=True)
def shipped_templates_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RR_TEMPLATES", raising=False)
    monkeypatch.setenv("RR_HOME", str(tmp_path / "rr_home"))


def letter_html(name: str, training: bool) -> str:
    return templates.render(f"letters/{name}", **{**_sample_values(), "training": training})


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def structure(data: bytes) -> list[tuple[Any, ...]]:
    document = docx.Document(io.BytesIO(data))
    shown: list[tuple[Any, ...]] = [
        ("p", p.style.name, p.alignment, tuple((r.text, r.bold, r.italic) for r in p.runs))
        for p in document.paragraphs
    ]
    for table in document.tables:
        shown += [("row", *(cell.text for cell in row.cells)) for row in table.rows]
    section = document.sections[0]
    shown += [("header", p.text) for p in section.header.paragraphs]
    shown += [("footer", p.text) for p in section.footer.paragraphs]
    shown.append(("title", document.core_properties.title, document.core_properties.keywords))
    return shown


def assert_same(html: str, training: bool) -> bytes:
    reference = python_docx_letter(html, footer=FOOTER, training=training, **HEADINGS)
    written = html_to_docx(html, footer=FOOTER, training=training, **HEADINGS)
    assert structure(written) == structure(reference)
    expected, got = parts(reference), parts(written)
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name] == expected[name], name
    return written


@pytest.mark.parametrize("training", [True, False], ids=["training", "live"])
@pytest.mark.parametrize("name", LETTERS)
def test_each_letter_template_is_the_document_python_docx_builds(name: str, training: bool) -> None:
    """Planted bugs that fail this: a run's empty <w:rPr/> left out; a table column 1 twip narrower; the
    space-keeping attribute on every <w:t>."""
    written = assert_same(letter_html(name, training), training)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(written)).paragraphs)
    assert "Sample & <Co> {{ 7*7 }} Zoë" in text  # as typed: escaped once, never evaluated
    assert "49" not in text.replace("2049", "")


@pytest.mark.parametrize("training", [True, False], ids=["training", "live"])
def test_every_kind_of_block_is_written_as_python_docx_writes_it(training: bool) -> None:
    written = assert_same(EVERY_BLOCK, training)
    document = docx.Document(io.BytesIO(written))
    shown = [p.text for p in document.paragraphs]
    assert shown[0] == ('O\'Brien & <Sons> "Ltd"\nCounty Hall' if training else "TRAINING — NOT A REAL CASE")
    assert [text for text in shown if not text.startswith("TRAINING")][:2] == [
        'O\'Brien & <Sons> "Ltd"\nCounty Hall',
        "Heading one",
    ]
    assert [[c.text for c in row.cells] for row in document.tables[1].rows] == [
        ["First", "Second", "Third"],
        ["a\nb", "c", ""],
        ["", "", ""],
    ]
    header = document.sections[0].header.paragraphs[0].text
    assert header == (
        "OFFICIAL & <SENSITIVE>\nTRAINING — NOT A REAL CASE" if training else "OFFICIAL & <SENSITIVE>"
    )


def test_a_character_xml_cannot_hold_is_refused_as_python_docx_refuses_it() -> None:
    html = "<html><body><p>bell \x07 here</p></body></html>"
    with pytest.raises(ValueError, match="XML compatible"):
        python_docx_letter(html, footer=FOOTER, **HEADINGS)
    with pytest.raises(ValueError, match="XML compatible"):
        html_to_docx(html, footer=FOOTER, **HEADINGS)


def test_a_letter_carries_no_part_it_does_not_need() -> None:
    """Word 2010's second copy of the styles and the blank's thumbnail are neither written nor listed (they
    were 40% of a 37 kB letter). Planted bug that fails this: the blank's parts kept as python-docx makes
    them."""
    written = html_to_docx(EVERY_BLOCK, footer=FOOTER, training=False, **HEADINGS)
    got = parts(written)
    assert "word/stylesWithEffects.xml" not in got and "docProps/thumbnail.jpeg" not in got
    listed = got["[Content_Types].xml"] + got["_rels/.rels"] + got["word/_rels/document.xml.rels"]
    assert b"stylesWithEffects" not in listed and b"thumbnail" not in listed and b"jpeg" not in listed
    assert b'Target="styles.xml"' in got["word/_rels/document.xml.rels"]  # the styles themselves stay
    assert len(written) < 25_000
    assert docx.Document(io.BytesIO(written)).styles["Normal"].font.name == "Arial"
