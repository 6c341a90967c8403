"""A docxtpl Word template parsed and compiled once, rendered many times: the same document, a tenth of
the work.

docxtpl, for every document, re-reads the .docx, parses every part, serialises the body back to text,
runs its clean-up of Word's split runs (`patch_xml`), compiles the result as a Jinja template, renders
it, parses it again, and saves the whole package (every part serialised and compressed again). Here the
first four happen once per template file (per path, modification time and size) and per process:

- the package is read with python-docx and saved once, as docxtpl would save it; every part a rendering
  does not change is kept as its compressed bytes and copied into each document as it is;
- the body of `word/document.xml` and each page header and footer are turned into Jinja source by
  docxtpl's own `patch_xml` and compiled once;

and for each document only what depends on the values is done, with docxtpl's own steps in docxtpl's
order: render, undo the paragraph markers and docxtpl's tag escapes, `resolve_listing` (line breaks and
tabs in values; only on the paragraphs that have one, as it changes nothing otherwise), `fix_tables` and
`fix_docpr_ids` on the body, the document properties rendered where they hold template tags. The body,
headers and footers are serialised as python-docx serialises a part, and the package written with the
kept parts copied and the three or four changed ones compressed.

A body proven text-ready when compiled (adapters/text_ready.py: every rendering well-formed, with nothing
for `fix_tables` or `fix_docpr_ids` to change, its template data written as lxml writes it; the shipped
forms are) is also compiled with values written as lxml writes text, and rendered that way: the text is
then the document's body as parsing and writing it would give (elements left empty aside), so it is put
in place as it is - half the work of a form. Only the paragraphs where a value brings a line break or a
tab are resolved as docxtpl resolves them and parsed and written on their own. Where a step skipped so
would change something in this document (docxtpl's tag escapes, a value that is markup, a paragraph with
a line break that is not XML on its own), the body is rendered the regular way.

A template with a part this does not compile (footnotes with template tags) is rendered by docxtpl
itself, as before. tests/unit/test_compiled_docx.py renders every shipped form both ways and compares.
"""

from __future__ import annotations

import copy
import functools
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rr_workflow.adapters.text_ready import EmptyElements, NotReady, prove
from rr_workflow.adapters.zip_package import KeptPackage
from rr_workflow.domain.errors import ConfigError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")  # what docxtpl renders
_TAGS = ("{{", "{%", "{#")
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)  # what resolve_listing calls a paragraph


class _NotAlone(Exception):
    """A paragraph that is not XML on its own."""


@dataclass
class _Part:
    """A page header or footer: its compiled template and where it goes in the package."""

    name: str  # its member name in the zip
    template: Any


class CompiledForm:
    """One Word template, compiled (see the module's text). `render` may be called from any thread."""

    def __init__(self, path: Path, environment: Any, text_environment: Any = None) -> None:
        from docx import Document
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.opc.exceptions import PackageNotFoundError
        from docx.opc.oxml import serialize_part_xml
        from docx.oxml.parser import parse_xml
        from docxtpl import DocxTemplate
        from lxml import etree

        self.path = path
        self._docxtpl = DocxTemplate(path)  # its methods, on text; it never loads the file itself here
        try:
            doc = Document(str(path))
        except (zipfile.BadZipFile, PackageNotFoundError, KeyError):  # KeyError: no Word parts in the zip
            raise ConfigError(f"{path}: not a Word .docx file") from None
        self.fallback = any(
            rel.reltype == RT.FOOTNOTES
            and any(tag in rel.target_part.blob.decode("utf-8", "replace") for tag in _TAGS)
            for rel in doc.part.rels.values()
        )
        if self.fallback:
            return

        body_source = etree.tostring(doc.element.body, encoding="unicode")
        self.body = self._compile(body_source, environment)
        shell = copy.deepcopy(doc.element)
        self.body_index = list(shell).index(shell.body)
        shell.replace(shell.body, etree.Element(f"{{{W}}}body"))
        self.shell = shell
        self.document_name = doc.part.partname.membername

        self.parts: list[_Part] = []
        for rel in doc.part.rels.values():
            if rel.reltype in (RT.HEADER, RT.FOOTER) and rel.target_part.blob:
                source = etree.tostring(parse_xml(rel.target_part.blob), encoding="unicode")
                self.parts.append(
                    _Part(rel.target_part.partname.membername, self._compile(source, environment))
                )

        core = doc.core_properties  # docxtpl renders these six every time, tags or not
        sources = {name: getattr(core, name) for name in PROPERTIES}
        self.properties = {name: self._compile_text(source, environment) for name, source in sources.items()}
        self.core_name = "docProps/core.xml"
        self._serialize = serialize_part_xml
        self._splice = self._body_splice(body_source)
        self._splice_text = (
            None if self._splice is None else (self._splice[0].decode(), self._splice[1].decode())
        )
        # The body rendered straight to the document's text where that is proven the same (text_ready).
        self.text_body: Any = None
        self._empty_elements: EmptyElements | None = None
        self.text_renders = 0  # documents whose body went that way (for tests)
        self.not_text_ready: str | None = "no environment for it, or the body is not put in place"
        if text_environment is not None and self._splice is not None:
            source = self._source(body_source)
            try:
                self._empty_elements = prove(source, environment, *self._splice[:2])
            except NotReady as reason:
                self.not_text_ready = str(reason)
            else:
                self.not_text_ready = None
                self.text_body = self._compile_text(source, text_environment)

        replaced = {self.document_name, self.core_name, *(part.name for part in self.parts)}
        saved = io.BytesIO()
        doc.save(saved)
        base = io.BytesIO()
        with zipfile.ZipFile(saved) as whole, zipfile.ZipFile(base, "w", zipfile.ZIP_DEFLATED) as kept:
            self.core = whole.read(self.core_name) if self.core_name in whole.namelist() else None
            for info in whole.infolist():
                if info.filename not in replaced:
                    kept.writestr(info, whole.read(info))
        self.package = KeptPackage(base.getvalue())
        # Without a template tag in them (as usual), the properties are the same in every document.
        tagged = any(_tagged(source) for source in sources.values())
        self.fixed_core = None if tagged or self.core is None else self._core_part({})
        # The page headers and footers (the same marking on every document) and fixed properties.
        self.repeating = {part.name for part in self.parts} | ({self.core_name} if self.fixed_core else set())

    def _compile(self, xml: str, environment: Any) -> Any:
        """docxtpl's `patch_xml` and the paragraph markers of its `render_xml_part`, compiled."""
        return self._compile_text(self._source(xml), environment)

    def _source(self, xml: str) -> str:
        return re.sub(r"<w:p([ >])", r"\n<w:p\1", self._docxtpl.patch_xml(xml))

    def _compile_text(self, source: str, environment: Any) -> Any:
        from jinja2 import TemplateError

        try:
            return environment.from_string(source)
        except TemplateError as error:
            raise ConfigError(f"{self.path}: {error.message or type(error).__name__}") from None

    def _fill(self, template: Any, context: Mapping[str, Any]) -> str:
        """docxtpl's `render_xml_part` from the rendering on."""
        xml = self._fill_text(template, context)
        xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")  # re.sub(r"\n<w:p([ >])", ...)
        # docxtpl's tag escapes, each pair looked for once (usually neither is there): "{_{" before "{_%",
        # "}_}" before "%_}" as docxtpl does; the two pairs' replacements never make or break a match of
        # the other pair (no pattern of one holds a character the other's replacement brings together)
        if "{_" in xml:
            xml = xml.replace("{_{", "{{").replace("{_%", "{%")
        if "_}" in xml:
            xml = xml.replace("}_}", "}}").replace("%_}", "%}")
        if _listed(xml):  # resolve_listing changes nothing else
            xml = _PARAGRAPH.sub(self._resolve_paragraph, xml)
        return xml

    def _resolve_paragraph(self, paragraph: re.Match[str]) -> str:
        """docxtpl's resolve_listing of one of the paragraphs it goes through, only where the paragraph
        holds a line break, tab, new paragraph or page break (it changes the others in nothing, and
        costs 0.4 ms on a report). Given only that paragraph, it finds it again whole."""
        text = paragraph.group(0)
        return str(self._docxtpl.resolve_listing(text)) if _listed(text) else text

    def _resolved_as_written(self, paragraph: re.Match[str]) -> str:
        """`_resolve_paragraph` on the straight-to-text body, and the paragraph it gives written as lxml
        writes it (resolve_listing's elements left empty, by a value that ends with a line break say,
        as lxml writes them): parsed alone inside the body's start tag, which declares every namespace
        the body uses, as the regular way parses it inside the whole body. _NotAlone where that
        paragraph is not XML on its own (one holding another, in a text box: the regular way then)."""
        from lxml import etree

        text = paragraph.group(0)
        if not _listed(text):
            return text
        alone_start, alone_end = self._splice_text  # type: ignore[misc]
        try:
            element = etree.fromstring(alone_start + self._resolve_paragraph(paragraph) + alone_end)
        except etree.XMLSyntaxError:
            raise _NotAlone from None
        written = etree.tostring(element, encoding="unicode")
        if not (written.startswith(alone_start) and written.endswith(alone_end)):
            raise _NotAlone
        return written[len(alone_start) : -len(alone_end)]

    def _fill_text(self, template: Any, context: Mapping[str, Any]) -> str:
        from jinja2 import TemplateError

        try:
            return str(template.render(context))
        except TemplateError as error:
            raise ConfigError(f"{self.path}: {error.message or type(error).__name__}") from None

    def render(self, context: Mapping[str, Any]) -> bytes:
        context = dict(context)
        document = None if self.text_body is None else self._text_document(context)
        if document is None:
            xml = self._fill(self.body, context)
            tree = self._fix_tables(xml)
            if "docPr" in xml:  # (no element is named so where the text does not hold the name)
                ids = 1000
                for element in tree.xpath("//wp:docPr", namespaces=_nsmap()):  # docxtpl's fix_docpr_ids
                    ids += 1
                    element.attrib["id"] = str(ids)
            document = self._document(tree)
        changed = {self.document_name: document}
        for part in self.parts:
            changed[part.name] = _part_xml(self._fill(part.template, context))
        if self.core is not None:
            changed[self.core_name] = self.fixed_core or self._core_part(context)
        return self.package.with_parts(changed.items(), self.repeating)

    def _text_document(self, context: Mapping[str, Any]) -> bytes | None:
        """The document part from the text-ready body (text_ready.py) rendered with values written as
        lxml writes text: the paragraph markers undone, elements left empty written as lxml writes them,
        and put in place as `_document` does; a paragraph with a line break or tab in it resolved as
        docxtpl resolves it and written as lxml writes it (`_resolved_as_written`). None (the document is
        rendered the regular way) where a step skipped here would change something: a value that is
        markup (NUL, see documents' `_as_xml_text`), docxtpl's tag escapes, a paragraph with a line break
        that is not XML on its own, or an error (the regular rendering reports it)."""
        from jinja2 import TemplateError

        if self._splice is None or self._empty_elements is None:  # (a test takes the splice away)
            return None
        try:
            xml = str(self.text_body.render(context))
        except TemplateError:
            return None
        xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
        if "\x00" in xml or "{_" in xml or "_}" in xml:
            return None
        alone_start, alone_end, before, after = self._splice
        if _listed(xml):
            try:
                xml = _PARAGRAPH.sub(self._resolved_as_written, xml)
            except _NotAlone:
                return None
        body = self._empty_elements(xml).encode("utf-8")
        if not (body.startswith(alone_start) and body.endswith(alone_end)):
            return None  # (a body left with nothing in it)
        self.text_renders += 1
        return b"".join((before, body[len(alone_start) : -len(alone_end)], after))

    def _document(self, body: Any) -> bytes:
        """The document part with `body` (python-docx's serialisation of the document element holding
        it): the body written on its own and put between the document's text before and after it, as
        `_body_splice` found them; else the body moved into a copy of the document element (lxml then
        walks the whole body to fix its namespaces: ~40 us a form) and that written."""
        from lxml import etree

        if self._splice is not None:
            alone_start, alone_end, before, after = self._splice
            alone = etree.tostring(body, encoding="UTF-8", xml_declaration=False)
            if alone.startswith(alone_start) and alone.endswith(alone_end):
                return b"".join((before, alone[len(alone_start) : -len(alone_end)], after))
        root = copy.deepcopy(self.shell)
        root.replace(root[self.body_index], body)
        return bytes(self._serialize(root))

    def _body_splice(self, body_source: str) -> tuple[bytes, bytes, bytes, bytes] | None:
        """How a rendered body, written on its own, becomes the document part: (its start tag and its end
        tag written on their own, the document's text up to the body's content and from the body's end
        tag on). Found by doing it once with a body holding one marker element: written on its own the
        body's start tag declares its namespaces; moved into the document element, lxml drops those the
        document element declares (by URI), and points the body's elements at the document element's.
        Everything inside is written the same either way where each namespace the body declares is
        declared by the document element under the same prefix only, or not at all: otherwise (and for a
        body with nothing in it, or template tags in its start tag) None, and the body is moved."""
        from lxml import etree

        start = body_source[: body_source.find(">") + 1]
        if not start.startswith("<") or start.endswith("/>") or _tagged(start):
            return None
        name = start[1:].split(None, 1)[0].rstrip(">")
        marker = b"<rr-body-marker/>"
        probe = etree.fromstring(f"{start}{marker.decode()}</{name}>")
        alone_start, found, alone_end = etree.tostring(
            probe, encoding="UTF-8", xml_declaration=False
        ).partition(marker)
        if not found or alone_end != f"</{name}>".encode():
            return None
        for prefix, uri in probe.nsmap.items():
            declared = [p for p, u in self.shell.nsmap.items() if u == uri]
            if declared and declared != [prefix]:
                return None
        root = copy.deepcopy(self.shell)
        root.replace(root[self.body_index], probe)
        whole = bytes(self._serialize(root))
        if whole.count(marker) != 1:
            return None
        before, _, after = whole.partition(marker)
        if not after.startswith(alone_end):
            return None
        return alone_start, alone_end, before, after

    def _core_part(self, context: Mapping[str, Any]) -> bytes:
        """The document properties' part with the six properties docxtpl renders."""
        from lxml import etree

        core = etree.fromstring(self.core)
        for name, template in self.properties.items():
            self._set_property(core, name, self._fill_text(template, context))
        return bytes(self._serialize(core))

    def _fix_tables(self, xml: str) -> Any:
        """docxtpl's fix_tables: the body parsed with a recovering parser, each table's grid corrected
        where a row has more cells than the grid has columns, or no row spans them all (cells made or
        removed by template tags). Most documents need nothing corrected: that is checked first by
        XPath, and docxtpl's own (slower) fix_tables runs only where it would change something."""
        from lxml import etree

        tree = etree.fromstring(xml, etree.XMLParser(recover=True))
        for table in tree.iter(f"{{{W}}}tbl"):
            grid = table.find(f"{{{W}}}tblGrid")
            if grid is None:
                return self._docxtpl.fix_tables(xml)  # docxtpl's own answer, whatever it is
            if not _fits_grid()(table, n=len(grid.findall(f"{{{W}}}gridCol"))):
                return self._docxtpl.fix_tables(xml)
        return tree

    def _set_property(self, core: Any, name: str, value: str) -> None:
        """python-docx's CoreProperties setter of one text property, on the parsed core.xml."""
        from lxml import etree

        if len(value) > 255:
            raise ConfigError(f"{self.path}: the document property {name} is longer than 255 characters")
        tag = "{http://purl.org/dc/elements/1.1/}" + _PROPERTY_TAGS[name].partition(":")[2]
        element = core.find(tag)
        if element is None:
            element = etree.SubElement(core, tag)
        element.text = value


@functools.cache
def _fits_grid() -> Any:
    """Whether a table fits its grid of $n columns: no row has more cells than that, and a row's cells
    span them all (a cell's gridSpan, else 1). Compiled once per process."""
    from lxml import etree

    crowded = ".//w:tr[count(w:tc) > $n]"
    spanning = ".//w:tr[sum(w:tc/w:tcPr/w:gridSpan/@w:val) + count(w:tc[not(w:tcPr/w:gridSpan)]) >= $n]"
    return etree.XPath(f"not({crowded}) and boolean({spanning})", namespaces={"w": W})


@functools.lru_cache(maxsize=64)
def _part_xml(xml: str) -> bytes:
    """A page header's or footer's XML as python-docx serialises the part: the same text (the same
    marking on every document) is parsed and serialised once."""
    from docx.opc.oxml import serialize_part_xml
    from docx.oxml.parser import parse_xml

    return bytes(serialize_part_xml(parse_xml(xml.encode("utf-8"))))


def _listed(text: str) -> bool:
    """Whether `text` holds a character docxtpl's resolve_listing turns into XML (tab, line break, new
    paragraph, page break): four substring searches, not a regular expression's character class tried
    at every position (about 60 us on a form's body without one)."""
    return "\n" in text or "\t" in text or "\a" in text or "\f" in text


def _tagged(text: str) -> bool:
    return any(tag in text for tag in _TAGS)


def _nsmap() -> dict[str, str]:
    import docx.oxml.ns

    return docx.oxml.ns.nsmap


_PROPERTY_TAGS = {  # all in Dublin Core's namespace
    "author": "dc:creator",
    "comments": "dc:description",
    "identifier": "dc:identifier",
    "language": "dc:language",
    "subject": "dc:subject",
    "title": "dc:title",
}
