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
import re
import threading
from dataclasses import dataclass, field
from html import unescape
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

    def at_rest(self) -> tuple[Any, ...] | None:
        """Everything the rest of the HTML is read with, as values, where no table is open (None where
        one is). An open paragraph is part of it (the space between a table's rows opens one)."""
        if self.table is not None or self.cell is not None:
            return None
        current = self.current
        if current is not None:
            runs = tuple((r.text, r.bold, r.italic, r.br) for r in current.runs)
            current = (current.kind, runs, current.classes)  # type: ignore[assignment]
        return (
            self.bold,
            self.italic,
            tuple(self.lists),
            self.cell_header,
            self.skip,
            tuple(self.skip_tags),
            self.in_body,
            current,
        )

    def rest_at(self, state: tuple[Any, ...]) -> None:
        """Be as `at_rest` found a parser that read what this one has not."""
        bold, italic, lists, self.cell_header, self.skip, skip_tags, self.in_body, current = state
        self.bold, self.italic, self.lists, self.skip_tags = bold, italic, list(lists), list(skip_tags)
        self.current = None
        if current is not None:
            kind, runs, classes = current
            self.current = Block(kind, [Run(*run) for run in runs], classes)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip:
            if tag == self.skip_tags[-1]:
                self.skip_tags.append(tag)
                self.skip += 1
            return
        classes = tuple((dict(attrs).get("class") or "").split()) if attrs else ()
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
        if not data:
            return
        if data.isspace():
            text = " "
        else:  # text with whitespace in it: each stretch of it one space, the ends' kept
            text = " ".join(data.split())
            if data[:1].isspace():
                text = " " + text
            if data[-1:].isspace():
                text += " "
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


# -- the letters' plain HTML read without html.parser's general machinery ---------------------------------

_SPACE = "[\t\n\r\f ]"
_PLAIN = re.compile(
    "<(?:"
    f"([a-zA-Z][a-zA-Z0-9]*)((?:{_SPACE}+[a-zA-Z_:][-a-zA-Z0-9_:.]*"  # a start tag: its name, attributes
    f"""(?:{_SPACE}*={_SPACE}*(?:"[^"]*"|'[^']*'))?)*){_SPACE}*(/?)>"""  # quoted values; / before >
    f"|/([a-zA-Z][-.a-zA-Z0-9:_]*){_SPACE}*>"  # an end tag
    "|!--[^-<>](?:[^-<>]|-(?!-))*-->"  # a comment without -- inside
    "|![dD][oO][cC][tT][yY][pP][eE][^<>]*>"  # the doctype
    ")"
)
_ATTRIBUTE = re.compile(f"""{_SPACE}+([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:{_SPACE}*={_SPACE}*("[^"]*"|'[^']*'))?""")
# Elements whose text holds no tags (for html.parser, or for newer versions of it): whether their text is
# unescaped (not for html.parser's CDATA elements, script and style); read plainly when that text has no "<".
_TEXT_ONLY = {"script": False, "style": False, "title": True, "textarea": True}
_OTHER_TEXT = ("xmp", "iframe", "noembed", "noframes", "noscript", "plaintext")


def _feed_plain(parser: _Parser, html: str) -> bool:
    """Call `parser`'s handlers as html.parser (fed `html` whole, then closed) calls them, for HTML made
    only of text, tags with quoted attribute values, comments without "--" inside and the doctype, as the
    letter templates are: False, having called some, at anything else (a lone "<", an unquoted value, a
    processing instruction, an element whose text other Python versions read differently), where
    html.parser must read it. A letter is read in about half the time (0.26 ms to 0.15 ms, handlers
    included): one regular expression a tag, no line counting."""
    position, end = 0, len(html)
    while position < end:
        opening = html.find("<", position)
        if opening < 0:
            opening = end
        if opening > position:
            parser.handle_data(unescape(html[position:opening]))
            if opening == end:
                break
        tag = _PLAIN.match(html, opening)
        if tag is None:
            return False
        position = tag.end()
        name, attributes, closed, end_name = tag.groups()
        if end_name is not None:
            parser.handle_endtag(end_name.lower())
        elif name is not None:
            name = name.lower()
            if name in _OTHER_TEXT:
                return False
            parser.handle_starttag(name, _attributes(attributes) if attributes else [])
            if closed:
                parser.handle_endtag(name)
            elif name in _TEXT_ONLY:
                position = _text_only(parser, html, position, name)
                if position < 0:
                    return False
    return True


def _attributes(text: str) -> list[tuple[str, str | None]]:
    """html.parser's attributes: names in lower case, values unquoted and unescaped (None: no value)."""
    out: list[tuple[str, str | None]] = []
    for name, value in _ATTRIBUTE.findall(text):
        if not value:  # findall gives "" for no value at all
            out.append((name.lower(), None))
        else:
            out.append((name.lower(), unescape(value[1:-1]) if len(value) > 2 else value[1:-1]))
    return out


def _text_only(parser: _Parser, html: str, position: int, name: str) -> int:
    """The text of an element that holds no tags (unescaped or not) and its end tag; -1 where the text
    holds a "<" of its own."""
    opening = html.find("<", position)
    closing = f"</{name}>"
    if opening < 0 or html[opening : opening + len(closing)].lower() != closing:
        return -1
    if opening > position:
        text = html[position:opening]
        parser.handle_data(unescape(text) if _TEXT_ONLY[name] else text)
    parser.handle_endtag(name)
    return opening + len(closing)


def parse(html: str) -> list[Block | TableBlock]:
    parser = _Parser()
    if not _feed_plain(parser, html):
        parser = _Parser()
        parser.feed(html)
        parser.close()
    return _shown(parser.blocks + _ended(parser))


def _ended(parser: _Parser) -> list[Block | TableBlock]:
    """The paragraph left open at the end of the HTML, as a block."""
    if parser.current is None:
        return []
    parser.current.runs = _trim(parser.current.runs)
    return [parser.current]


def _shown(blocks: list[Block | TableBlock]) -> list[Block | TableBlock]:
    return [b for b in blocks if isinstance(b, TableBlock) or b.runs or b.kind in ("img", "box")]


# -- a letter's body read and written a piece at a time, each piece's XML remembered -----------------------

# A piece ends after each end tag of a paragraph, heading, list, table, div, title, style or head: letters
# are mostly the same pieces (the letterhead, the procedure's wording, the same letter to the next agency).
_PIECE_END = re.compile(r"</(?:p|h[123]|ul|ol|table|div|title|style|head)[\t\n\r\f ]*>", re.IGNORECASE)
_REMEMBERED = 4096  # pieces (about 2 MB of the shipped letters'); all forgotten at once beyond that
_pieces: dict[tuple[str, tuple[Any, ...], bool], tuple[str, tuple[Any, ...]]] = {}


def _body(html: str, training: bool) -> str:
    """The letter's body as `_Skeleton.blocks` writes `parse(html)`, read a piece at a time by one parser
    (`_feed_plain`, called on each piece as on the whole: a piece ends just after a tag, so no tag or
    text is cut). A piece read from rest to rest (`_Parser.at_rest`) is remembered with the XML of its
    blocks and the state it leaves: read again from the same state, it is that XML and that state. HTML
    `_feed_plain` cannot read is read whole, as `parse` reads it."""
    skeleton, parser = _skeleton(), _Parser()
    out: list[str] = []
    start = 0
    ends = [m.end() for m in _PIECE_END.finditer(html)]
    for end in [*ends, len(html)]:
        piece = html[start:end]
        start = end
        if not piece:
            continue
        before = parser.at_rest()
        key = (piece, before, training) if before is not None else None
        known = _pieces.get(key) if key is not None else None
        if known is not None:
            out.append(known[0])
            parser.rest_at(known[1])
            continue
        read = len(parser.blocks)
        if not _feed_plain(parser, piece):
            return skeleton.blocks(parse(html), training)
        written = skeleton.blocks(_shown(parser.blocks[read:]), training)
        out.append(written)
        after = parser.at_rest()
        if key is not None and after is not None:
            if len(_pieces) >= _REMEMBERED:
                _pieces.clear()
            _pieces[key] = (written, after)
    out.append(skeleton.blocks(_shown(_ended(parser)), training))
    return "".join(out)


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

    Without a logo (an image part in the package), the document's XML is written as text (`_Skeleton`):
    the same bytes python-docx writes for the same letter (tests/unit/test_letter_xml.py compares them
    for every letter template), without building python-docx's objects, which cost ten times more. With
    a logo, through python-docx (`python_docx_letter`)."""
    if logo is not None:
        return python_docx_letter(
            html, title=title, marking=marking, footer=footer, training=training, logo=logo
        )
    return _skeleton().letter(_body(html, training), title, marking, footer, training)


def python_docx_letter(
    html: str,
    *,
    title: str,
    marking: str,
    footer: str,
    training: bool = False,
    logo: Path | None = None,
) -> bytes:
    """The letter built with python-docx: with a logo, into a copy of the blank, saved whole; without,
    into this thread's one blank letter (emptied first), only the parts a letter changes serialised and
    compressed, appended to the blank's saved package."""
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

    _set_properties(doc, title, marking)


def _set_properties(doc: Any, title: str, marking: str) -> None:
    from datetime import UTC, datetime

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
    without_unneeded_parts(doc)
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


def without_unneeded_parts(doc: Any) -> None:
    """python-docx's blank carries Word 2010's second copy of its styles (`stylesWithEffects.xml`, which
    later versions of Word neither need nor keep) and a thumbnail of its own first page (a picture of an
    empty page, which file browsers would show for every letter): 40% of a letter's (or a shipped form's)
    bytes, stored and mailed with each. Neither is written (the package then lists neither part nor its
    type). tools/make_docx_templates.py calls it for the shipped forms."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    for rel in [r for r in doc.part.rels.values() if r.reltype == _STYLES_WITH_EFFECTS]:
        doc.part.drop_rel(rel.rId)
    package_rels = doc.part.package.rels
    for rel in [r for r in package_rels.values() if r.reltype == RT.THUMBNAIL]:
        package_rels.pop(rel.rId)


_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


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


# -- the letter's XML written as text ----------------------------------------------------------------------

_MARK = "rr-letter-body-goes-here"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BREAKS = re.compile("([\t\r\n])")  # a run's tabs and line ends, kept by split
TWIPS_PER_EMU = 635  # python-docx's Length.twips
RED = "C00000"


class _Skeleton:
    """The blank letter's four changing parts as text around the place their content goes, the blank's
    other parts as its saved, compressed package (laid out once: `KeptPackage`), and the body's width
    for tables. Built once per process from the python-docx blank; immutable after (any thread may write
    letters with it)."""

    def __init__(self) -> None:
        from docx.opc.oxml import serialize_part_xml
        from docx.oxml.ns import qn

        from rr_workflow.adapters.zip_package import KeptPackage

        letter = _Reused()
        letter.empty()
        marker = f"<w:p><w:r><w:t>{_MARK}</w:t></w:r></w:p>"
        body = letter.doc.element.body
        for element in (body, letter.header._element, letter.footer._element):
            paragraph = element.makeelement(qn("w:p"), {})
            run = paragraph.makeelement(qn("w:r"), {})
            text = run.makeelement(qn("w:t"), {})
            text.text = _MARK
            run.append(text)
            paragraph.append(run)
            element.insert(0, paragraph)
        self.document = serialize_part_xml(letter.doc.element).decode("utf-8").split(marker)
        self.header = serialize_part_xml(letter.header._element).decode("utf-8").split(marker)
        self.footer = serialize_part_xml(letter.footer._element).decode("utf-8").split(marker)
        assert len(self.document) == len(self.header) == len(self.footer) == 2
        self.names = {
            "document": letter.doc.part.partname.membername,
            "header": letter.header.part.partname.membername,
            "footer": letter.footer.part.partname.membername,
        }
        core = next(p for p in letter.parts if str(p.partname) == "/docProps/core.xml")
        self.core_name = core.partname.membername
        letter.doc.core_properties.title = _MARK
        letter.doc.core_properties.keywords = _MARK + "-keywords"
        _set_properties(letter.doc, "", "")  # what _write sets, with the title and keywords marked
        letter.doc.core_properties.title = _MARK
        letter.doc.core_properties.keywords = _MARK + "-keywords"
        self.core = core.blob.decode("utf-8")
        section = letter.doc.sections[0]
        self.block_emu = int(section.page_width - section.left_margin - section.right_margin)
        self.package = KeptPackage(letter.base)

    def blocks(self, blocks: list[Block | TableBlock], training: bool) -> str:
        """The body's XML for `blocks`: each block's on its own (none depends on another)."""
        out: list[str] = []
        for block in blocks:
            if isinstance(block, TableBlock):
                self._table(out, block)
            elif block.kind == "img":
                continue  # no logo
            elif block.kind == "box":
                out.append(
                    '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:type="auto" w:w="0"/>'
                    f"{_TABLE_LOOK}</w:tblPr><w:tblGrid>{self._grid(1)}</w:tblGrid><w:tr><w:trPr>"
                    '<w:trHeight w:val="1701" w:hRule="atLeast"/></w:trPr>'
                    f"{self._cell(1, block.runs)}</w:tr></w:tbl><w:p/>"
                )
            elif "training" in block.classes and training:
                continue  # the page header of every page says so already
            else:
                out.append(_paragraph(block))
        return "".join(out)

    def letter(self, body: str, title: str, marking: str, footer: str, training: bool) -> bytes:
        """The letter's package with `body` (`blocks`' XML) in its document, the marking and footer in
        its page header and footer, `title` and the marking in its properties."""
        document = self.document[0] + body + self.document[1]
        header = [f"<w:r><w:rPr><w:b/></w:rPr>{_content(marking)}</w:r>"]
        if training:
            header.append(
                f'<w:r><w:rPr><w:b/><w:color w:val="{RED}"/></w:rPr>{_content(chr(10) + TRAINING_MARK)}</w:r>'
            )
        page_header = self.header[0] + _centred("".join(header)) + self.header[1]
        foot = (
            f'<w:r><w:rPr><w:b/><w:sz w:val="22"/></w:rPr>{_content(marking)}</w:r>'
            f"<w:r>{_content(chr(10) + footer + ' · Page ')}</w:r>{_FIELD.format('PAGE')}"
            f"<w:r>{_content(' of ')}</w:r>{_FIELD.format('NUMPAGES')}"
        )
        page_footer = self.footer[0] + _centred(foot) + self.footer[1]
        core = self.core.replace(_MARK + "-keywords", _escape(marking)).replace(_MARK, _escape(title))
        return self.package.with_parts(
            (
                (self.names["document"], document.encode("utf-8")),
                (self.names["header"], page_header.encode("utf-8")),
                (self.names["footer"], page_footer.encode("utf-8")),
                (self.core_name, core.encode("utf-8")),
            ),
            repeating=(self.names["header"], self.names["footer"], self.core_name),
        )

    def _grid(self, columns: int) -> str:
        return f'<w:gridCol w:w="{self._width(columns)}"/>' * columns

    def _width(self, columns: int) -> int:
        return round((self.block_emu // columns) / TWIPS_PER_EMU)

    def _cell(self, columns: int, runs: list[Run]) -> str:
        width = self._width(columns)
        return f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr>{_paragraph_of(runs)}</w:tc>'

    def _table(self, out: list[str], block: TableBlock) -> None:
        columns = max((len(r) for r in block.rows), default=0)
        if not columns:
            return
        out.append(
            '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:type="auto" w:w="0"/>'
            f"{_TABLE_LOOK}</w:tblPr><w:tblGrid>{self._grid(columns)}</w:tblGrid>"
        )
        for cells in block.rows:
            out.append("<w:tr>")
            for n in range(columns):
                if n < len(cells):
                    header, runs = cells[n]
                    runs = [Run(r.text, r.bold or header, r.italic, r.br) for r in runs]
                else:
                    runs = []
                out.append(self._cell(columns, runs))
            out.append("</w:tr>")
        out.append("</w:tbl><w:p/>")


_TABLE_LOOK = (
    '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" '
    'w:noVBand="1" w:val="04A0"/>'
)
_FIELD = (
    '<w:r><w:fldChar w:fldCharType="begin"/><w:instrText xml:space="preserve"> {0} </w:instrText>'
    '<w:fldChar w:fldCharType="separate"/><w:t>1</w:t><w:fldChar w:fldCharType="end"/></w:r>'
)
_STYLES = {"h1": "Heading1", "h2": "Heading2", "h3": "Heading3", "li-ul": "ListBullet", "li-ol": "ListNumber"}


def _centred(runs: str) -> str:
    return f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr>{runs}</w:p>'


def _paragraph(block: Block) -> str:
    """What `_write` makes of a paragraph block: its style, right-aligned letterhead and address with
    space before, the training mark centred and red."""
    properties = []
    style = _STYLES.get(block.kind)
    if style:
        properties.append(f'<w:pStyle w:val="{style}"/>')
    right = "letterhead" in block.classes or "address" in block.classes
    if right:
        properties.append('<w:spacing w:before="240"/>')
    red = "training" in block.classes
    if red:
        properties.append('<w:jc w:val="center"/>')
    elif right:
        properties.append('<w:jc w:val="right"/>')
    return _paragraph_of(block.runs, "".join(properties), red)


def _paragraph_of(runs: list[Run], properties: str = "", red: bool = False) -> str:
    if not properties and not runs:
        return "<w:p/>"
    out = ["<w:p>", f"<w:pPr>{properties}</w:pPr>" if properties else ""]
    for run in runs:
        if run.br:
            out.append("<w:r><w:br/></w:r>")
            continue
        bold, italic = run.bold or red, run.italic
        look = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
        look += f'<w:color w:val="{RED}"/>' if red else ""
        out.append(f"<w:r><w:rPr>{look}</w:rPr>" if look else "<w:r><w:rPr/>")
        out.append(_content(run.text))
        out.append("</w:r>")
    out.append("</w:p>")
    return "".join(out)


def _content(text: str) -> str:
    """python-docx's run text: a tab as <w:tab/>, a line end as <w:br/>, the rest in <w:t> elements
    (space kept where the text starts or ends with it); refused where XML cannot hold a character, as
    lxml refuses it."""
    if _NOT_XML.search(text):
        raise ValueError(
            "All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters"
        )
    out = []
    pieces = _BREAKS.split(text) if "\n" in text or "\t" in text or "\r" in text else (text,)
    for piece in pieces:
        if piece == "\t":
            out.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            out.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            out.append(f"<w:t{space}>{_escape(piece)}</w:t>")
    return "".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@functools.lru_cache(maxsize=1)
def _skeleton() -> _Skeleton:
    return _Skeleton()
