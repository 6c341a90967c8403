"""Build the shipped Word templates, templates/docx/*.docx, with python-docx.

The templates are docxtpl templates: ordinary Word documents whose text holds Jinja tags ({{ ref }},
{%p if training %}, {%tr for row in agencies %}). rr_workflow/adapters/documents.py fills them in and
documents which values each one receives. A partnership that wants its own wording or layout copies a
file into its templates folder (docx/<name>.docx under $RR_TEMPLATES or $RR_HOME/templates), edits it in
Word and keeps the tags; this script only rebuilds the shipped defaults.

    python tools/make_docx_templates.py [--out templates/docx]

The output is byte-for-byte reproducible (fixed dates in the document properties and in the zip), so a
rebuild without a change in this script leaves git clean.
"""

from __future__ import annotations

import argparse
import io
import zipfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from rr_workflow.adapters.letter_docx import without_unneeded_parts

OUT = Path(__file__).resolve().parents[1] / "templates" / "docx"
FIXED_TIME = datetime(2026, 1, 1, tzinfo=UTC)
MARKING = "OFFICIAL-SENSITIVE"
TRAINING = "TRAINING — NOT A REAL CASE"
RED = RGBColor(0xC0, 0x00, 0x00)
GREY = RGBColor(0x59, 0x59, 0x59)

Doc = Any  # python-docx's Document object


# -- building blocks ---------------------------------------------------------------------------------------


def new_document(title: str, footer: str) -> Doc:
    doc = Document()
    without_unneeded_parts(doc)
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin = section.bottom_margin = Cm(2.0)

    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    marking = header.add_run(MARKING)
    marking.bold = True
    # Inline tags: the header keeps its (empty) paragraph when the document is not a training one.
    warning = section.header.add_paragraph()
    warning.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = warning.add_run(f"{{% if training %}}{TRAINING}{{% endif %}}")
    run.bold = True
    run.font.color.rgb = RED

    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = foot.add_run(footer)
    run.font.size = Pt(9)
    run.font.color.rgb = GREY

    properties = doc.core_properties
    properties.title = title
    properties.author = properties.last_modified_by = "rr-workflow"
    properties.comments = properties.keywords = properties.subject = properties.category = ""
    properties.language = "en-GB"
    properties.created = properties.modified = FIXED_TIME
    properties.revision = 1
    return doc


def training_banner(doc: Doc) -> None:
    """A bold red line at the very top of the body, only on a training database's documents."""
    doc.add_paragraph("{%p if training %}")
    banner = doc.add_paragraph()
    banner.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = banner.add_run(TRAINING)
    run.bold = True
    run.font.size = Pt(16)
    run.font.color.rgb = RED
    doc.add_paragraph("{%p endif %}")


def note(doc: Doc, text: str) -> None:
    run = doc.add_paragraph().add_run(text)
    run.italic = True
    run.font.size = Pt(10)
    run.font.color.rgb = GREY


def grid(doc: Doc, rows: int, cols: int, widths: Sequence[float]) -> Any:
    table = doc.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)  # the grid, which LibreOffice follows; Word follows the cells
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
    return table


def set_cell(cell: Any, text: str, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold


def facts_table(doc: Doc, rows: Sequence[tuple[str, str]]) -> None:
    """Two columns: a bold label and a Jinja expression."""
    table = grid(doc, len(rows), 2, (6.0, 11.0))
    for row, (label, value) in zip(table.rows, rows, strict=True):
        set_cell(row.cells[0], label, bold=True)
        set_cell(row.cells[1], value)


def space_to_write(doc: Doc, height_cm: float) -> None:
    """A one-cell box of at least `height_cm` for the agency to write in (it grows as they type)."""
    table = grid(doc, 1, 1, (17.0,))
    row = table.rows[0]
    row.height = Cm(height_cm)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def blank_rows_table(doc: Doc, headers: Sequence[str], widths: Sequence[float], rows: int) -> None:
    table = grid(doc, rows + 1, len(headers), widths)
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        set_cell(cell, text, bold=True)
    for row in table.rows[1:]:
        row.height = Cm(1.2)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def loop_table(
    doc: Doc,
    headers: Sequence[str],
    widths: Sequence[float],
    loop: str,
    cells: Sequence[str],
    empty: str,
) -> None:
    """A table with one row per item of a list (docxtpl's {%tr %} rows), or one row saying it is empty."""
    table = grid(doc, 6, len(headers), widths)
    rows = table.rows
    for cell, text in zip(rows[0].cells, headers, strict=True):
        set_cell(cell, text, bold=True)
    set_cell(rows[1].cells[0], f"{{%tr for {loop} %}}")
    for cell, text in zip(rows[2].cells, cells, strict=True):
        set_cell(cell, text)
    set_cell(rows[3].cells[0], "{%tr else %}")
    merged = rows[4].cells[0].merge(rows[4].cells[-1])
    set_cell(merged, empty)
    set_cell(rows[5].cells[0], "{%tr endfor %}")


# -- the documents -----------------------------------------------------------------------------------------


def scoping_template() -> Doc:
    doc = new_document(
        "Rapid Review: Initial Scoping and Information Sharing template",
        "Rapid Review {{ ref }} · Initial Scoping and Information Sharing template · " + MARKING,
    )
    training_banner(doc)
    doc.add_heading("Rapid Review: Initial Scoping and Information Sharing template", level=1)
    doc.add_paragraph("From: {{ partnership }}")
    doc.add_paragraph("To: {{ agency }}")
    doc.add_paragraph(
        "The partnership has received a referral of a serious child safeguarding incident and is holding "
        "a Rapid Review. Please complete this template with what your agency knows about the child and "
        "family, and return it by {{ due }} to {{ return_to }}."
    )

    doc.add_heading("Case details", level=2)
    facts_table(
        doc,
        [
            ("Case reference", "{{ ref }}"),
            ("Date the referral was received", "{{ received }}"),
            ("Date the partnership became aware", "{{ aware }}"),
            ("Sent to (agency)", "{{ agency }}"),
            ("Return this template by", "{{ due }}"),
            ("Child's initials", "{{ child_initials or blank }}"),
            ("Child's date of birth", "{{ child_dob or blank }}"),
            ("Child's name", "{{ child_name or blank }}"),
            ("Child's address", "{{ child_address or blank }}"),
        ],
    )

    doc.add_heading("1. Your agency's involvement with the child and family", level=2)
    note(
        doc,
        "Each contact or period of involvement, most recent first: the dates, the service or team, and "
        "the key practice episodes (what happened, what was decided, what followed). Add rows as needed.",
    )
    blank_rows_table(doc, ["Date(s)", "Service / team", "Key practice episodes"], (3.0, 4.0, 10.0), rows=8)

    doc.add_heading("2. Analysis against the Rapid Review criteria", level=2)
    note(doc, "Your agency's view on each criterion, with the information it rests on.")
    criteria = [
        "The child has died or been seriously harmed.",
        "Abuse or neglect of the child is known or suspected.",
        "The case highlights, or may highlight, improvements needed to safeguard and promote the welfare "
        "of children, including improvements identified before.",
        "The case highlights, or may highlight, recurrent themes in safeguarding and promoting the welfare "
        "of children.",
        "The case highlights, or may highlight, concerns about two or more organisations or agencies "
        "working together effectively to safeguard and promote the welfare of children.",
    ]
    table = grid(doc, len(criteria) + 1, 2, (7.0, 10.0))
    set_cell(table.rows[0].cells[0], "Criterion", bold=True)
    set_cell(table.rows[0].cells[1], "Your agency's view and evidence", bold=True)
    for row, criterion in zip(table.rows[1:], criteria, strict=True):
        set_cell(row.cells[0], criterion)
        row.height = Cm(2.0)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST

    doc.add_heading("3. Immediate safeguarding concerns", level=2)
    note(
        doc,
        "Are other children (siblings, other children in the household or network) or adults at risk now? "
        "What has your agency done, or is it doing, about it?",
    )
    space_to_write(doc, 4.0)

    doc.add_heading("4. Learning", level=2)
    note(doc, "Early learning your agency has identified: good practice, and what could have gone better.")
    space_to_write(doc, 4.0)

    doc.add_heading("5. Records secured", level=2)
    note(
        doc,
        "Your agency's records about this child and family must be secured: moved to a secure place and "
        "reachable only through a nominated representative.",
    )
    doc.add_paragraph(
        "☐ I confirm that my agency's records about this child and family have been secured and can be "
        "reached only through the nominated representative named below."
    )
    facts_table(
        doc,
        [
            ("Records secured on (date)", "{{ blank }}"),
            ("Nominated representative: name", "{{ blank }}"),
            ("Role", "{{ blank }}"),
            ("Telephone", "{{ blank }}"),
            ("E-mail", "{{ blank }}"),
        ],
    )

    doc.add_heading("Completed by", level=2)
    facts_table(
        doc,
        [
            ("Name", "{{ blank }}"),
            ("Role", "{{ blank }}"),
            ("Agency", "{{ agency }}"),
            ("Signature", "{{ blank }}"),
            ("Date", "{{ blank }}"),
        ],
    )
    return doc


TO_WRITE = "TO BE WRITTEN BY THE PARTNERSHIP"


def to_write(doc: Doc, guidance: str, height_cm: float = 4.0) -> None:
    """A marked box for people to write in: what belongs there, in italics, under a bold red label."""
    table = grid(doc, 1, 1, (17.0,))
    row = table.rows[0]
    row.height = Cm(height_cm)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    cell = row.cells[0]
    label = cell.paragraphs[0].add_run(f"{TO_WRITE}: ")
    label.bold = True
    label.font.color.rgb = RED
    hint = cell.paragraphs[0].add_run(guidance)
    hint.italic = True
    hint.font.color.rgb = GREY
    doc.add_paragraph()


def rapid_review_report() -> Doc:
    doc = new_document(
        "Rapid Review report",
        "{{ partnership }} · Rapid Review {{ ref }} · report · DRAFT until the partnership completes it · "
        + MARKING,
    )
    training_banner(doc)
    doc.add_heading("Rapid Review report", level=1)
    doc.add_paragraph(
        "{{ partnership }}{% if area %} · local authority area: {{ area }}{% endif %} · case {{ ref }}"
    )
    note(
        doc,
        "Drafted by rr-workflow from what the partnership recorded. Complete every section marked "
        f"{TO_WRITE} and remove this note; the business unit then attaches the finished report to the "
        "case, and it goes to the National Panel with the covering letter.",
    )

    doc.add_heading("1. The case", level=2)
    facts_table(
        doc,
        [
            ("Case reference", "{{ ref }}"),
            ("Local authority area", "{{ area or blank }}"),
            ("Referring agency", "{{ referrer or blank }}"),
            ("Date the referral was received", "{{ received }}"),
            ("Date the partnership became aware", "{{ aware }}"),
            (
                "Serious Incident Notification",
                "{{ sin_notified or not_yet }}{% if sin_reference %} (reference "
                "{{ sin_reference }}){% endif %}",
            ),
            ("Child's initials", "{{ child_initials or blank }}"),
            ("Child's date of birth", "{{ child_dob or blank }}"),
            ("Summary of the incident", "{{ summary or blank }}"),
        ],
    )

    doc.add_heading("2. The facts and each agency's involvement", level=2)
    loop_table(
        doc,
        ["Agency", "Scoping template sent", "Returned", "Records secured"],
        (5.0, 4.0, 4.0, 4.0),
        "agency in agencies",
        ["{{ agency.name }}", "{{ agency.sent }}", "{{ agency.returned }}", "{{ agency.secured }}"],
        "No agency recorded.",
    )
    doc.add_paragraph()
    to_write(
        doc,
        "The facts of the case, and a summary of each agency's involvement with the child and family, "
        "drawn from the scoping returns.",
        6.0,
    )

    doc.add_heading("3. Key practice episodes", level=2)
    to_write(doc, "The episodes of practice that mattered most, with what happened and why.")

    doc.add_heading("4. Learning identified", level=2)
    to_write(doc, "What the partnership has learned: good practice, and what must improve.")

    doc.add_heading("5. The child's identity and experience", level=2)
    note(
        doc,
        "How the child's race, ethnicity, culture, religion, language, disability, sex, and other "
        "characteristics shaped their lived experience and the practice of the agencies.",
    )
    to_write(doc, "The analysis of race, ethnicity, disability and other characteristics.")

    doc.add_heading("6. Immediate actions", level=2)
    loop_table(
        doc,
        ["No.", "Action", "Owner"],
        (1.5, 10.5, 5.0),
        "action in actions",
        ["{{ loop.index }}", "{{ action.text }}", "{{ action.owner }}"],
        "No immediate action recorded.",
    )

    doc.add_heading("7. Decision and rationale", level=2)
    decision = doc.add_paragraph().add_run("{{ decision }}")
    decision.bold = True
    doc.add_paragraph("{{ rationale or blank }}")

    doc.add_heading("8. The partnership's view on a national review", level=2)
    to_write(
        doc,
        "Whether the partnership considers that a national review may be appropriate, and why; the "
        "criteria for a local review considered.",
    )

    doc.add_heading("9. The Rapid Review meeting and attendees", level=2)
    facts_table(
        doc,
        [
            ("Date", "{{ meeting_date or not_yet }}"),
            ("Held", "{{ meeting_mode or not_yet }}"),
            ("Why not in person", "{{ meeting_reason or '—' }}"),
        ],
    )
    doc.add_paragraph()
    loop_table(
        doc,
        ["Attendee", "Agency"],
        (8.5, 8.5),
        "person in attendees",
        ["{{ person.name }}", "{{ person.agency }}"],
        "No attendance recorded yet.",
    )

    doc.add_heading("10. Endorsement", level=2)
    facts_table(
        doc,
        [
            ("Endorsed by", "{{ endorsed_by or blank }}"),
            ("Date of endorsement", "{{ endorsed_on or blank }}"),
        ],
    )
    return doc


TEMPLATES: dict[str, Callable[[], Doc]] = {
    "scoping_template.docx": scoping_template,
    "rapid_review_report.docx": rapid_review_report,
}


# -- saving, reproducibly ----------------------------------------------------------------------------------


def reproducible_bytes(doc: Doc) -> bytes:
    """The .docx with every zip entry dated 1980-01-01, so the same content gives the same bytes."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            entry = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(item.filename))
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default {OUT})")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, build in TEMPLATES.items():
        path = args.out / name
        path.write_bytes(reproducible_bytes(build()))
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
