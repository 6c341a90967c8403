"""A letter's HTML (from its Jinja template) as a Word document, with the marking on every page.

Letters are written once, as HTML templates a partnership can edit (templates/letters/*.html.j2); this
turns the rendered HTML into the .docx that is stored and e-mailed (secure mail gateways strip .html
attachments). It understands what the letter templates use: h1, h2, p, br, strong/b, em/i, ul/ol/li,
table/tr/th/td, img (the letterhead logo) and elements marked `class="letterhead"`, `"address"`,
`"training"`, `"to-write"` (a box for people to write in), `"marking"` (left out: the marking is in the
page header and footer of every page instead).

python-docx is imported by the function that uses it (it costs ~170 ms with docxtpl).
"""

from __future__ import annotations

import copy
import functools
import io
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

TRAINING_MARK = "TRAINING — NOT A REAL CASE"


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    br: bool = False


@dataclass
class Block:
    kind: str  # p, h1, h2, li-ul, li-ol, img, box
    runs: list[Run] = field(default_factory=list)
    classes: tuple[str, ...] = ()


@dataclass
class TableBlock:
    kind: str = "table"
    rows: list[list[tuple[bool, list[Run]]]] = field(default_factory=list)  # (header cell?, runs)


class _Parser(HTMLParser):
    """HTML -> a flat list of blocks (paragraphs and tables); whitespace collapsed as a browser would."""

    BLOCKS = ("p", "h1", "h2", "h3", "li", "div")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block | TableBlock] = []
        self.current: Block | None = None
        self.bold = self.italic = 0
        self.lists: list[str] = []
        self.table: TableBlock | None = None
        self.cell: list[Run] | None = None
        self.cell_header = False
        self.skip = 0  # inside <head>, <style>, <title>, or class="marking"
        self.skip_tags: list[str] = []
        self.in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = tuple((dict(attrs).get("class") or "").split())
        if self.skip:
            if tag == self.skip_tags[-1]:
                self.skip_tags.append(tag)
                self.skip += 1
            return
        if tag in ("head", "style", "title", "script") or "marking" in classes:
            self.skip_tags.append(tag)
            self.skip += 1
            return
        if tag == "body":
            self.in_body = True
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "br":
            self._runs().append(Run("", br=True))
        elif tag in ("ul", "ol"):
            self.lists.append(tag)
        elif tag == "table":
            self.table = TableBlock()
        elif tag == "tr" and self.table is not None:
            self.table.rows.append([])
        elif tag in ("td", "th") and self.table is not None:
            self.cell, self.cell_header = [], tag == "th"
        elif tag == "img":
            self.blocks.append(Block("img", [Run(dict(attrs).get("alt") or "")], classes))
        elif tag in self.BLOCKS and self.table is None:
            kind = tag
            if tag == "li":
                kind = "li-" + (self.lists[-1] if self.lists else "ul")[:2]
            if tag == "div" and "to-write" not in classes:
                return  # a plain container
            if "to-write" in classes:
                kind = "box"
            self.current = Block(kind, [], classes)

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if self.skip_tags and tag == self.skip_tags[-1]:
                self.skip_tags.pop()
                self.skip -= 1
            return
        if tag in ("strong", "b"):
            self.bold = max(0, self.bold - 1)
        elif tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag in ("td", "th") and self.table is not None and self.cell is not None:
            if self.table.rows:
                self.table.rows[-1].append((self.cell_header, _trim(self.cell)))
            self.cell = None
        elif tag == "table" and self.table is not None:
            self.blocks.append(self.table)
            self.table = None
        elif tag in self.BLOCKS and self.current is not None and self.table is None:
            self.current.runs = _trim(self.current.runs)
            self.blocks.append(self.current)
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.skip or not self.in_body:
            return
        text = " ".join(data.split())
        if data[:1].isspace() and text:
            text = " " + text
        if data[-1:].isspace() and text and not text.endswith(" "):
            text += " "
        if not text and data and not data.isspace():
            return
        if not text and data:
            text = " "
        if not text:
            return
        if self.table is None and self.current is None and not text.strip():
            return
        if self.table is None and self.current is None:
            self.current = Block("p")
        self._runs().append(Run(text, self.bold > 0, self.italic > 0))

    def _runs(self) -> list[Run]:
        if self.cell is not None:
            return self.cell
        if self.current is None:
            self.current = Block("p")
        return self.current.runs


def _trim(runs: list[Run]) -> list[Run]:
    """Collapse the spaces a browser would not show: at the start and end, and after a line break."""
    out: list[Run] = []
    for run in runs:
        if run.br:
            if out and not out[-1].br:
                out[-1].text = out[-1].text.rstrip()
            out.append(run)
            continue
        text = run.text
        if not out or out[-1].br or out[-1].text.endswith(" "):
            text = text.lstrip()
        if text:
            out.append(Run(text, run.bold, run.italic))
    if out and not out[-1].br:
        out[-1].text = out[-1].text.rstrip()
    return out


def parse(html: str) -> list[Block | TableBlock]:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    if parser.current is not None:
        parser.current.runs = _trim(parser.current.runs)
        parser.blocks.append(parser.current)
    return [b for b in parser.blocks if isinstance(b, TableBlock) or b.runs or b.kind in ("img", "box")]


def html_to_docx(
    html: str,
    *,
    title: str,
    marking: str,
    footer: str,
    training: bool = False,
    logo: Path | None = None,
) -> bytes:
    """The Word document for a letter's HTML: A4, Arial 11, `marking` at the top and bottom of every
    page (with the training mark on a training database's documents), `footer` and 'Page N of M'.

    Without a logo, a letter is written into this thread's one blank letter (emptied first) and only the
    parts a letter changes are serialised and compressed, appended to the blank's saved package (copying
    and saving a whole python-docx package was most of a letter's cost). With a logo (an image part in
    the package), into a copy of the blank, saved whole."""
    if logo is not None:
        doc = copy.deepcopy(_blank())
        section = doc.sections[0]
        _write(doc, section.header, section.footer, html, title, marking, footer, training, logo)
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()
    letter = _reused()
    letter.empty()
    _write(letter.doc, letter.header, letter.footer, html, title, marking, footer, training, None)
    return letter.package()


def _write(
    doc: Any,
    page_header: Any,
    page_footer: Any,
    html: str,
    title: str,
    marking: str,
    footer: str,
    training: bool,
    logo: Path | None,
) -> None:
    from datetime import UTC, datetime

    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    header = page_header.paragraphs[0] if page_header.paragraphs else page_header.add_paragraph()
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    header.add_run(marking).bold = True
    if training:
        warning = header.add_run(f"\n{TRAINING_MARK}")
        warning.bold = True
        warning.font.color.rgb = RGBColor(0xC0, 0, 0)
    foot = page_footer.paragraphs[0] if page_footer.paragraphs else page_footer.add_paragraph()
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    marked = foot.add_run(marking)
    marked.bold = True
    marked.font.size = Pt(11)
    foot.add_run(f"\n{footer} · Page ")
    _field(foot, "PAGE")
    foot.add_run(" of ")
    _field(foot, "NUMPAGES")

    for block in parse(html):
        if isinstance(block, TableBlock):
            _table(doc, block)
            continue
        if block.kind == "img":
            if logo is not None:
                picture = doc.add_paragraph()
                picture.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                picture.add_run().add_picture(str(logo), height=Cm(2.0))
            continue
        if block.kind == "box":
            table = doc.add_table(rows=1, cols=1)
            table.style = "Table Grid"
            row = table.rows[0]
            row.height, row.height_rule = Cm(3.0), WD_ROW_HEIGHT_RULE.AT_LEAST
            _runs(row.cells[0].paragraphs[0], block.runs)
            doc.add_paragraph()
            continue
        if "training" in block.classes and training:
            continue  # the page header of every page says so already
        if block.kind in ("h1", "h2", "h3"):
            paragraph = doc.add_heading(level=int(block.kind[1]))
        elif block.kind.startswith("li-"):
            paragraph = doc.add_paragraph(style="List Number" if block.kind == "li-ol" else "List Bullet")
        else:
            paragraph = doc.add_paragraph()
        if "letterhead" in block.classes or "address" in block.classes:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            paragraph.paragraph_format.space_before = Pt(12)
        if "training" in block.classes:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _runs(paragraph, block.runs, red="training" in block.classes)

    properties = doc.core_properties
    properties.title = title
    properties.author = properties.last_modified_by = "rr-workflow"
    properties.keywords = marking
    properties.language = "en-GB"
    properties.created = properties.modified = datetime(2026, 1, 1, tzinfo=UTC)


class _Reused:
    """A blank letter kept by one thread. `empty()` clears its body (not the page settings), page
    header, page footer; `package()` is the blank's saved package with the parts a letter changes (the
    body, header, footer and document properties) appended: the others are not copied, serialised or
    compressed again."""

    def __init__(self) -> None:
        import zipfile

        self.doc = copy.deepcopy(_blank())
        section = self.doc.sections[0]
        self.header, self.footer = section.header, section.footer
        self.header.paragraphs, self.footer.paragraphs  # noqa: B018  their parts are added now
        self.doc.core_properties.title = ""  # and the document properties' part
        package = self.doc.part.package
        self.parts = [
            part
            for part in package.iter_parts()
            if part in (self.doc.part, self.header.part, self.footer.part)
            or str(part.partname) == "/docProps/core.xml"
        ]
        changed = {part.partname.membername for part in self.parts}
        saved = io.BytesIO()
        self.doc.save(saved)
        base = io.BytesIO()
        with zipfile.ZipFile(saved) as whole, zipfile.ZipFile(base, "w", zipfile.ZIP_DEFLATED) as kept:
            for info in whole.infolist():
                if info.filename not in changed:
                    kept.writestr(info, whole.read(info))
        self.base = base.getvalue()

    def empty(self) -> None:
        from docx.oxml.ns import qn

        body = self.doc.element.body
        for child in list(body):
            if child.tag != qn("w:sectPr"):
                body.remove(child)
        for part in (self.header, self.footer):
            element = part._element
            for child in list(element):
                element.remove(child)

    def package(self) -> bytes:
        import zipfile

        out = io.BytesIO(self.base)
        out.seek(0, io.SEEK_END)
        with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as package:
            for part in self.parts:
                package.writestr(part.partname.membername, part.blob)
        return out.getvalue()


_threads = threading.local()


def _reused() -> _Reused:
    letter: _Reused | None = getattr(_threads, "letter", None)
    if letter is None:
        letter = _threads.letter = _Reused()
    return letter


@functools.lru_cache(maxsize=1)
def _blank() -> Any:
    """An empty A4 letter with its styles, built once per process (each letter is written into a copy)."""
    from docx import Document
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    for name, size in (("Heading 1", 14), ("Heading 2", 12), ("Heading 3", 11)):
        style = doc.styles[name]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0, 0, 0)
        _no_theme_font(style)
    footer_style = doc.styles["Footer"]
    footer_style.font.size = Pt(8)
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.0)
    return doc


def _no_theme_font(style: Any) -> None:
    """Word's heading styles name a theme font that wins over the style's own; drop it (Arial shows)."""
    from docx.oxml.ns import qn

    fonts = style.element.rPr.find(qn("w:rFonts")) if style.element.rPr is not None else None
    if fonts is not None:
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)


def _runs(paragraph: Any, runs: list[Run], red: bool = False) -> None:
    from docx.shared import RGBColor

    for run in runs:
        if run.br:
            paragraph.add_run().add_break()
            continue
        added = paragraph.add_run(run.text)
        added.bold = run.bold or red or None
        added.italic = run.italic or None
        if red:
            added.font.color.rgb = RGBColor(0xC0, 0, 0)


def _table(doc: Any, block: TableBlock) -> None:
    columns = max((len(r) for r in block.rows), default=0)
    if not columns:
        return
    table = doc.add_table(rows=len(block.rows), cols=columns)
    table.style = "Table Grid"
    for row, cells in zip(table.rows, block.rows, strict=True):
        for cell, (header, runs) in zip(row.cells, cells, strict=False):
            _runs(cell.paragraphs[0], [Run(r.text, r.bold or header, r.italic, r.br) for r in runs])
    doc.add_paragraph()


def _field(paragraph: Any, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice fill in when the page is laid out."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, f" {code} "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text and text.strip() == code:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)
