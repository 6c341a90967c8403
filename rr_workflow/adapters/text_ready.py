"""Whether a compiled Word body template renders straight to lxml's own text of the document it makes.

docxtpl parses every rendered body with a recovering parser, corrects tables whose cells do not fit
their grid, renumbers drawings' ids and writes the tree out again. The static text of a compiled body is
lxml's own serialisation, so where every rendering is well-formed XML with nothing for those steps to
change, parsing and writing it again gives the same text, up to two things the render can do
differently: a value's characters written as lxml writes text (only `& < >` escaped), and an element
left empty written as `<name .../>` (`EmptyElements`). `prove` decides that once per template,
conservatively, on Jinja's own parse of the source (statements and template data as Jinja
compiles them), and says no to anything it does not prove:

- only `if`/`elif`/`else` and non-recursive `for`/`else` statements, and every `{{ }}` in text, inside
  the body element (the template data tokenised as `<...>` markup and text with whole entity
  references: exact for lxml's output, which escapes `<` and `>` in text and attribute values); no
  `<!`, `<?`, no `docPr` (drawings, whose ids docxtpl renumbers);
- each branch of a statement (and the whole) balanced: it closes exactly the elements it opens, so any
  rendering is well-formed and the recovering parser repairs nothing;
- tables as docxtpl's `fix_tables` reads them (every row in the table, nested tables' too): one grid
  with no template tag inside; no cell, cell properties or grid span that a statement can add or take
  out of a row; each row with no more cells than the grid's columns; one row always there (in no
  statement opened inside the table) spanning them all: `fix_tables` then changes nothing;
- all the template data put together, parsed and written by lxml, is itself (empty elements apart):
  every static character is already written as lxml writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NoReturn

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PIECE = re.compile(r"<[^<>]*>|[^<>]+|[<>]")
_TEXT = re.compile(r"(?:[^&<>]|&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)*")
_START = re.compile(r"<([^\s/<>!?]+)(\s[^<>]*?)?(/?)>")
_END = re.compile(r"</([^\s/<>!?]+)>")
_SPAN = re.compile(r'\sw:val="([0-9]+)"')
# A start tag immediately followed by its own end tag (the start tag not itself closed: no `/` before
# its `>`): lxml writes that element `<name attributes/>`.
_EMPTY = re.compile(r"<([^\s/<>!?]+)((?:\s[^<>]*)?)(?<!/)></\1>")


def as_written(xml: str) -> str:
    """Well-formed XML text with each element that holds nothing written `<name .../>`, as lxml writes it."""
    return _EMPTY.sub(r"<\1\2/>", xml)


class EmptyElements:
    """`as_written` for the renderings of one text-ready template, ~100 times faster: an element is left
    empty where its start tag is followed by its end tag, and in a rendering that happens only where the
    two are together in one piece of template data, or where the start tag ends a piece (what comes
    after it is rendered). The few start tags found so are looked for as they are, followed by their end
    tag (`<` in well-formed XML text always starts a tag, so every match is one)."""

    def __init__(self, start_tags: set[str]) -> None:
        self.pairs = tuple(
            (f"{tag}</{_START.fullmatch(tag).group(1)}>", f"{tag[:-1]}/>")  # type: ignore[union-attr]
            for tag in sorted(start_tags)
        )

    def __call__(self, xml: str) -> str:
        for pair, written in self.pairs:
            if pair in xml:
                xml = xml.replace(pair, written)
        return xml


class NotReady(Exception):
    """The template is not proven text-ready (the reason, for tests and debugging)."""


@dataclass
class _Element:
    name: str
    level: int  # how many statement branches were open when it opened
    columns: int = 0  # w:tbl: its grid's columns; w:tblGrid: its gridCol children
    grid: bool = False  # w:tbl: has its grid
    rows: list[tuple[int, int, int]] = field(default_factory=list)  # w:tbl: (level, cells, span)
    cells: int = 0  # w:tr: its w:tc children; w:tc: its w:tcPr children; w:tcPr: its w:gridSpan ones
    span: int = 0  # w:tr: its cells' spans; w:tc: its grid span


class _Reader:
    def __init__(self) -> None:
        self.stack: list[_Element] = []
        self.branches: list[int] = []  # the element depth each open branch started at
        self.data: list[str] = []
        self.closed = False  # the body element has been closed
        self.start_tags: set[str] = set()  # of elements a rendering can leave empty (EmptyElements)

    def fail(self, reason: str) -> NoReturn:
        raise NotReady(reason)

    def statements(self, nodes: list[Any]) -> None:
        from jinja2 import nodes as jn

        for node in nodes:
            if isinstance(node, jn.Output):
                for child in node.nodes:
                    if isinstance(child, jn.TemplateData):
                        self.text_data(child.data)
                    else:
                        self.value()
            elif isinstance(node, jn.If):
                self.branch(node.body)
                for other in node.elif_:
                    self.branch(other.body)
                self.branch(node.else_)
            elif isinstance(node, jn.For) and not node.recursive:
                self.branch(node.body)
                self.branch(node.else_)
            else:
                self.fail(f"statement {type(node).__name__}")

    def branch(self, nodes: list[Any]) -> None:
        self.tag_here()
        depth = len(self.stack)
        self.branches.append(depth)
        self.statements(nodes)
        if len(self.stack) != depth:
            self.fail("a statement's branch leaves an element open")
        self.branches.pop()
        self.tag_here()

    def tag_here(self) -> None:
        """A template tag here: inside the body element, not in a table's grid."""
        if not self.stack or self.closed:
            self.fail("template tag outside the body element")
        if any(element.name == "w:tblGrid" for element in self.stack):
            self.fail("template tag in a table's grid")

    def value(self) -> None:
        self.tag_here()

    def text_data(self, data: str) -> None:
        self.data.append(data)
        if "docPr" in data:
            self.fail("docPr")
        self.start_tags.update(
            empty.group(0)[: empty.group(0).rindex("<")] for empty in _EMPTY.finditer(data)
        )
        pieces = _PIECE.findall(data)
        if pieces and _START.fullmatch(pieces[-1]) and not pieces[-1].endswith("/>"):
            self.start_tags.add(pieces[-1])
        for piece in pieces:
            if piece[0] != "<" or piece == "<":
                if not _TEXT.fullmatch(piece):
                    self.fail("text not as lxml writes it")
                if not self.stack or self.closed:
                    self.fail("text outside the body element")
                continue
            end = _END.fullmatch(piece)
            if end:
                self.close(end.group(1))
                continue
            start = _START.fullmatch(piece)
            if not start:
                self.fail("markup other than an element's tag")
            self.open(start.group(1), start.group(2) or "")
            if start.group(3):
                self.close(start.group(1))

    def open(self, name: str, attributes: str) -> None:
        if self.closed:
            self.fail("a second top element")
        if not self.stack and f'xmlns:w="{W}"' not in attributes:
            self.fail("the body element does not declare w as WordprocessingML")
        if self.stack and ("xmlns:w=" in attributes or f'"{W}"' in attributes):
            self.fail("WordprocessingML's namespace declared again")  # tables under another name
        level = len(self.branches)
        parent = self.stack[-1] if self.stack else None
        element = _Element(name, level)
        if parent is not None and parent.name == "w:tbl" and name == "w:tblGrid":
            if parent.grid or level != parent.level:
                self.fail("a table's grid not there in every rendering, or two")
            parent.grid = True
        elif parent is not None and parent.name == "w:tblGrid" and name == "w:gridCol":
            parent.columns += 1
        elif parent is not None and parent.name == "w:tr" and name == "w:tc":
            if level != parent.level:
                self.fail("a cell a statement can add to a row or take out")
            element.span = 1
        elif parent is not None and parent.name == "w:tc" and name == "w:tcPr":
            parent.cells += 1
            if parent.cells > 1 or level != parent.level:
                self.fail("cell properties a statement can change, or two")
        elif parent is not None and parent.name == "w:tcPr" and name == "w:gridSpan":
            parent.cells += 1
            span = _SPAN.search(attributes)
            cell = self.stack[-2]
            if parent.cells > 1 or level != parent.level or span is None:
                self.fail("a grid span a statement can change, or not a number")
            if cell.name == "w:tc":
                cell.span = int(span.group(1))
        self.stack.append(element)

    def close(self, name: str) -> None:
        if not self.stack or len(self.stack) <= (self.branches[-1] if self.branches else 0):
            self.fail("an element closed that its branch did not open")
        element = self.stack.pop()
        if element.name != name:
            self.fail("end tag of another element")
        parent = self.stack[-1] if self.stack else None
        if element.name == "w:tblGrid" and parent is not None and parent.name == "w:tbl":
            parent.columns = element.columns
        elif element.name == "w:tc" and parent is not None and parent.name == "w:tr":
            parent.cells += 1
            parent.span += element.span
        elif element.name == "w:tr":
            for table in self.stack:
                if table.name == "w:tbl":
                    table.rows.append((element.level, element.cells, element.span))
        elif element.name == "w:tbl":
            columns = element.columns
            if not element.grid:
                self.fail("a table without a grid")
            if any(cells > columns for _, cells, _ in element.rows):
                self.fail("a row with more cells than the grid")
            if not any(level == element.level and span >= columns for level, _, span in element.rows):
                self.fail("no row always there spanning the grid")
        if not self.stack:
            self.closed = True


def prove(source: str, environment: Any, start: bytes, end: bytes) -> EmptyElements:
    """That `source` (a compiled body's Jinja source, paragraph markers in), whose body written on its
    own starts with `start` and ends with `end`, is text-ready: how its renderings' empty elements are
    written. NotReady (why) where that is not proven."""
    from lxml import etree

    reader = _Reader()
    if "\x00" in source:
        reader.fail("NUL in the source")
    reader.statements(environment.parse(source).body)
    if not reader.closed:
        reader.fail("no body element")
    static = "".join(reader.data).replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
    try:
        written = etree.tostring(etree.fromstring(static), encoding="UTF-8", xml_declaration=False)
    except (etree.XMLSyntaxError, ValueError):
        reader.fail("the template data together is not XML")
    if written != as_written(static).encode("utf-8"):
        reader.fail("the template data is not as lxml writes it")
    if not (written.startswith(start) and written.endswith(end)):
        reader.fail("the body's start or end tag not as written on its own")
    return EmptyElements(reader.start_tags)
