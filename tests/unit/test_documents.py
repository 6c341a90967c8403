"""The documents (docs/letters.md): the Word forms and the meeting invitations.

- Word forms are filled in from docxtpl templates; a value is text, never markup or template code: '&',
  '<script>', '{{ 7*7 }}', '{% raw %}', non-ASCII names and 5,000-character texts come out exactly as
  given (read back with python-docx from every paragraph, table cell, header and footer).
- A value not known (None) leaves a line to fill in; a training database's documents say so at the top.
- A partnership's own template (docx/<name>.docx in $RR_TEMPLATES, else $RR_HOME/templates) wins over
  the shipped one; a broken or unsafe one is refused with the file named.
- Invitations: METHOD in the calendar, one UID for the meeting's life, SEQUENCE raised on every change,
  STATUS:CANCELLED on a cancellation, 10:00 local with TZID=Europe/London in summer and in winter, and a
  VTIMEZONE bounded to the meeting's year.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import docx
import pytest
from icalendar import Calendar

from rr_workflow.adapters import documents
from rr_workflow.adapters.config import shipped_dir
from rr_workflow.adapters.documents import (
    BLANK,
    DECISIONS,
    NOT_DECIDED,
    NOT_YET,
    TRAINING_MARK,
    ics_mime_part,
    meeting_invitation_ics,
    report_draft_docx,
    scoping_template_docx,
)
from rr_workflow.domain.errors import ConfigError

LONDON = ZoneInfo("Europe/London")
NAME = "Zoë Ó Súilleabháin"
LONG = ("Ninety-nine words & more <i>, ‘quoted’ — Łódź; " * 120)[:5000]
HOSTILE = {
    "ampersand": "Smith & Jones",
    "markup": "<script>alert('x')</script>",
    "jinja": "{{ 7*7 }}",
    "raw": "{% raw %}",
    "docxtpl": "{_{ ref }_} {%p if training %} {{r x }}",
    "xml": "]]> <w:t>&amp;</w:t> &#123;",
    "non_ascii": NAME,
    "long": LONG,
}
assert len(LONG) == 5000


@pytest.fixture(autouse=True)
def no_partnership_templates(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The shipped templates only, whatever the developer's environment holds."""
    monkeypatch.delenv("RR_TEMPLATES", raising=False)
    home = tmp_path / "rr_home"
    monkeypatch.setenv("RR_HOME", str(home))
    return home


# -- reading a .docx back ----------------------------------------------------------------------------------


def texts(data: bytes) -> list[str]:
    """Every paragraph's and every table cell's text (nested tables too), headers and footers included."""
    document = docx.Document(io.BytesIO(data))
    found: list[str] = []

    def walk(container: Any) -> None:
        found.extend(paragraph.text for paragraph in container.paragraphs)
        for table in container.tables:
            for row in table.rows:
                for cell in row.cells:
                    found.append(cell.text)
                    walk(cell)

    walk(document)
    for section in document.sections:
        walk(section.header)
        walk(section.footer)
    return found


def body_paragraphs(data: bytes) -> list[str]:
    return [paragraph.text for paragraph in docx.Document(io.BytesIO(data)).paragraphs]


def table_rows(data: bytes, first_header: str) -> list[list[str]]:
    """The rows (cell texts) of the body table whose first header cell is `first_header`."""
    for table in docx.Document(io.BytesIO(data)).tables:
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        if rows[0][0] == first_header:
            return rows
    raise AssertionError(f"no table headed {first_header!r}")


def facts(data: bytes) -> dict[str, str]:
    """Label -> value of every two-column table."""
    out: dict[str, str] = {}
    for table in docx.Document(io.BytesIO(data)).tables:
        for row in table.rows:
            cells = row.cells
            if len(cells) == 2:
                out.setdefault(cells[0].text, cells[1].text)
    return out


# -- the values --------------------------------------------------------------------------------------------


def scoping_values(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "ref": "RR-2026-014",
        "received": date(2026, 12, 21),
        "aware": date(2026, 12, 18),
        "agency": "Northshire NHS Foundation Trust",
        "due": date(2026, 12, 31),
        "child_initials": "Z.Ó.S.",
        "child_dob": date(2019, 5, 3),
        "child_name": None,
        "child_address": None,
    }
    return {**values, **changes}


def report_values(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "ref": "RR-2026-014",
        "received": date(2026, 12, 21),
        "aware": date(2026, 12, 18),
        "referrer": "Northshire Police",
        "sin_notified": date(2026, 12, 22),
        "child_initials": "Z.Ó.S.",
        "child_dob": date(2019, 5, 3),
        "summary": "Admitted to hospital with injuries.",
        "agencies": [
            {
                "name": "Northshire Police",
                "sent_on": date(2026, 12, 22),
                "returned_on": date(2026, 12, 30),
                "secured_on": date(2026, 12, 23),
            },
            {"key": "school", "sent_on": "2026-12-22", "returned_on": None, "secured_on": None},
        ],
        "meeting_date": datetime(2027, 1, 7, 10, 0, tzinfo=LONDON),
        "meeting_mode": "in_person",
        "decision": "local_cspr",
        "rationale": "Two agencies did not share concerns.\nLearning for the whole partnership.",
        "actions": [
            {"owner": "Children's Social Care", "text": "Strategy discussion for the siblings today."},
            ("Police", "Check on the household."),
        ],
        "endorsed_on": date(2027, 1, 8),
        "endorsed_by": "A. Scrutineer",
    }
    return {**values, **changes}


# -- the scoping template ----------------------------------------------------------------------------------


class TestScopingTemplate:
    """The Initial Scoping and Information Sharing template: the case facts, then space for the agency."""

    def test_the_case_facts_are_filled_in(self) -> None:
        data = scoping_template_docx(scoping_values())
        shown = facts(data)
        assert shown["Case reference"] == "RR-2026-014"
        assert shown["Date the referral was received"] == "Monday 21 December 2026"
        assert shown["Date the partnership became aware"] == "Friday 18 December 2026"
        assert shown["Sent to (agency)"] == "Northshire NHS Foundation Trust"
        assert shown["Return this template by"] == "Thursday 31 December 2026"
        assert shown["Child's initials"] == "Z.Ó.S."
        assert shown["Child's date of birth"] == "3 May 2019"  # a date of birth has no weekday
        assert "To: Northshire NHS Foundation Trust" in body_paragraphs(data)

    def test_a_value_not_known_leaves_a_line_to_fill_in(self) -> None:
        shown = facts(scoping_template_docx(scoping_values(child_initials=None, child_dob="")))
        for label in ("Child's initials", "Child's date of birth", "Child's name", "Child's address"):
            assert shown[label] == BLANK

    def test_name_and_address_shown_when_given(self) -> None:
        shown = facts(scoping_template_docx(scoping_values(child_name=NAME, child_address="1 High St\nTown")))
        assert shown["Child's name"] == NAME
        assert shown["Child's address"] == "1 High St\nTown"  # a line break in the cell

    def test_iso_dates_are_accepted(self) -> None:
        shown = facts(scoping_template_docx(scoping_values(received="2026-12-21", due="2026-12-31")))
        assert shown["Date the referral was received"] == "Monday 21 December 2026"
        assert shown["Return this template by"] == "Thursday 31 December 2026"

    def test_sections_for_the_agency_to_complete(self) -> None:
        data = scoping_template_docx(scoping_values())
        paragraphs = body_paragraphs(data)
        for heading in (
            "1. Your agency's involvement with the child and family",
            "2. Analysis against the Rapid Review criteria",
            "3. Immediate safeguarding concerns",
            "4. Learning",
            "5. Records secured",
        ):
            assert heading in paragraphs
        involvement = table_rows(data, "Date(s)")
        assert involvement[0] == ["Date(s)", "Service / team", "Key practice episodes"]
        assert len(involvement) > 5 and all(cell == "" for row in involvement[1:] for cell in row)
        assert table_rows(data, "Criterion")[0] == ["Criterion", "Your agency's view and evidence"]
        assert facts(data)["Nominated representative: name"] == BLANK
        assert any(text.startswith("☐ I confirm that my agency's records") for text in paragraphs)

    def test_a_missing_required_value_is_refused(self) -> None:
        with pytest.raises(ValueError, match="due"):
            scoping_template_docx(scoping_values(due=None))

    @pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
    def test_hostile_values_come_out_as_typed(self, value: str) -> None:
        data = scoping_template_docx(
            scoping_values(ref=value, agency=value, child_name=value, child_address=value, partnership=value)
        )
        shown = facts(data)
        for label in ("Case reference", "Sent to (agency)", "Child's name", "Child's address", "Agency"):
            assert shown[label] == value
        assert f"From: {value}" in body_paragraphs(data)
        assert f"To: {value}" in body_paragraphs(data)
        assert any(value in text for text in texts(data) if text.startswith("Rapid Review "))  # footer
        assert "49" not in "\n".join(texts(data))  # '{{ 7*7 }}' was not evaluated

    def test_characters_a_document_cannot_hold_are_dropped(self) -> None:
        shown = facts(scoping_template_docx(scoping_values(agency="A\x00B\x0cC\r\nD\tE")))
        assert shown["Sent to (agency)"] == "ABC\nD\tE"


# -- the report --------------------------------------------------------------------------------------------


class TestReportDraft:
    """The Rapid Review report: case facts, agencies, meeting, decision in words, actions, endorsement."""

    def test_the_report_is_filled_in(self) -> None:
        data = report_draft_docx(report_values())
        shown = facts(data)
        assert shown["Case reference"] == "RR-2026-014"
        assert shown["Referring agency"] == "Northshire Police"
        assert shown["Serious Incident Notification"] == "Tuesday 22 December 2026"
        assert shown["Date"] == "Thursday 7 January 2027, 10:00"
        assert shown["Held"] == "In person"
        assert shown["Endorsed by"] == "A. Scrutineer"
        assert shown["Date of endorsement"] == "Friday 8 January 2027"
        paragraphs = body_paragraphs(data)
        assert "Undertake a local Child Safeguarding Practice Review" in paragraphs
        assert "Two agencies did not share concerns.\nLearning for the whole partnership." in paragraphs

    def test_agencies_table(self) -> None:
        rows = table_rows(report_draft_docx(report_values()), "Agency")
        assert rows == [
            ["Agency", "Scoping template sent", "Returned", "Records secured"],
            ["Northshire Police", "Tuesday 22 December 2026", "Wednesday 30 December 2026",
             "Wednesday 23 December 2026"],
            ["school", "Tuesday 22 December 2026", NOT_YET, NOT_YET],
        ]  # fmt: skip

    def test_actions_table_with_owners(self) -> None:
        rows = table_rows(report_draft_docx(report_values()), "No.")
        assert rows == [
            ["No.", "Action", "Owner"],
            ["1", "Strategy discussion for the siblings today.", "Children's Social Care"],
            ["2", "Check on the household.", "Police"],
        ]

    def test_empty_lists_say_so(self) -> None:
        data = report_draft_docx(report_values(agencies=[], actions=None))
        assert table_rows(data, "Agency")[1:] == [["No agency recorded."] * 4]  # one merged cell
        assert table_rows(data, "No.")[1:] == [["No immediate action recorded."] * 3]

    @pytest.mark.parametrize("decision", DECISIONS)
    def test_decision_in_words(self, decision: str) -> None:
        paragraphs = body_paragraphs(report_draft_docx(report_values(decision=decision)))
        assert DECISIONS[decision] in paragraphs
        assert decision not in "\n".join(paragraphs)

    def test_a_draft_before_the_decision(self) -> None:
        data = report_draft_docx(
            report_values(
                decision=None, rationale=None, endorsed_on=None, endorsed_by=None, meeting_date=None
            )
        )
        assert NOT_DECIDED in body_paragraphs(data)
        shown = facts(data)
        assert shown["Endorsed by"] == shown["Date of endorsement"] == BLANK
        assert shown["Date"] == NOT_YET

    def test_a_remote_meeting_and_its_reason(self) -> None:
        shown = facts(report_draft_docx(report_values(meeting_mode="remote", meeting_reason="Snow & ice")))
        assert shown["Held"] == "By telephone or video conference"
        assert shown["Why not in person"] == "Snow & ice"

    def test_unknown_decision_or_mode_is_refused(self) -> None:
        with pytest.raises(ValueError, match="decision"):
            report_draft_docx(report_values(decision="maybe"))
        with pytest.raises(ValueError, match="meeting mode"):
            report_draft_docx(report_values(meeting_mode="carrier pigeon"))

    @pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
    def test_hostile_values_come_out_as_typed(self, value: str) -> None:
        data = report_draft_docx(
            report_values(
                referrer=value,
                summary=value,
                rationale=value,
                endorsed_by=value,
                meeting_reason=value,
                agencies=[{"name": value, "sent_on": None, "returned_on": None, "secured_on": None}],
                actions=[{"owner": value, "text": value}],
            )
        )
        shown = facts(data)
        for label in ("Referring agency", "Summary of the incident", "Endorsed by", "Why not in person"):
            assert shown[label] == value
        assert value in body_paragraphs(data)  # the rationale
        assert table_rows(data, "Agency")[1] == [value, NOT_YET, NOT_YET, NOT_YET]
        assert table_rows(data, "No.")[1] == ["1", value, value]
        assert "49" not in "\n".join(texts(data))


# -- training ----------------------------------------------------------------------------------------------


RENDERERS = {
    "scoping": lambda **kw: scoping_template_docx(scoping_values(**kw)),
    "report": lambda **kw: report_draft_docx(report_values(**kw)),
}


@pytest.mark.parametrize("render", RENDERERS.values(), ids=RENDERERS.keys())
def test_training_documents_say_so_at_the_top(render: Any) -> None:
    data = render(training=True)
    assert body_paragraphs(data)[0] == TRAINING_MARK
    document = docx.Document(io.BytesIO(data))
    assert TRAINING_MARK in [p.text for p in document.sections[0].header.paragraphs]


@pytest.mark.parametrize("render", RENDERERS.values(), ids=RENDERERS.keys())
def test_live_documents_carry_no_training_mark(render: Any) -> None:
    for data in (render(), render(training=False)):
        assert not any("TRAINING" in text for text in texts(data))
        assert body_paragraphs(data)[0] != ""  # the banner's paragraph is gone, not left empty


# -- a partnership's own templates -------------------------------------------------------------------------


def own_template(folder: Path, name: str, extra: str) -> Path:
    """A copy of the shipped template `name` with one more paragraph, in folder/docx/."""
    path = folder / "docx" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(shipped_dir("templates") / "docx" / name, path)
    document = docx.Document(str(path))
    document.add_paragraph(extra)
    document.save(str(path))
    return path


class TestPartnershipTemplates:
    """docx/<name>.docx in the partnership's folder wins; without one, the shipped template is used."""

    def test_rr_templates_folder_wins(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        own = tmp_path / "our_templates"
        own_template(own, "scoping_template.docx", "Northshire wording for {{ agency }} on case {{ ref }}.")
        monkeypatch.setenv("RR_TEMPLATES", str(own))
        data = scoping_template_docx(scoping_values(agency="Smith & <Jones>"))
        assert "Northshire wording for Smith & <Jones> on case RR-2026-014." in body_paragraphs(data)

    def test_rr_home_templates_folder_wins(self, no_partnership_templates: Path) -> None:
        own_template(
            no_partnership_templates / "templates", "rapid_review_report.docx", "Ours: {{ decision }}"
        )
        data = report_draft_docx(report_values(decision="no_review"))
        assert "Ours: No further review" in body_paragraphs(data)

    def test_a_folder_without_the_file_falls_back_to_the_shipped_one(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        own = tmp_path / "our_templates"
        own_template(own, "scoping_template.docx", "Only the scoping template is ours.")
        monkeypatch.setenv("RR_TEMPLATES", str(own))
        assert "Only the scoping template is ours." in body_paragraphs(
            scoping_template_docx(scoping_values())
        )
        assert "Only the scoping template is ours." not in body_paragraphs(report_draft_docx(report_values()))

    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            ("{{ no_such_value }}", "no_such_value"),
            ("{% if %}", "Expected an expression"),
            ("{{ ref.__class__.__mro__ }}", "unsafe"),  # the sandbox: no way out to Python objects
        ],
        ids=["undefined", "syntax", "sandbox"],
    )
    def test_a_broken_template_is_refused_naming_the_file(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, extra: str, message: str
    ) -> None:
        path = own_template(tmp_path, "scoping_template.docx", extra)
        monkeypatch.setenv("RR_TEMPLATES", str(tmp_path))
        with pytest.raises(ConfigError, match=message) as refused:
            scoping_template_docx(scoping_values())
        assert str(path) in str(refused.value)

    def test_a_file_that_is_not_a_docx_is_refused(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        (tmp_path / "docx").mkdir()
        (tmp_path / "docx" / "scoping_template.docx").write_text("{{ ref }}", encoding="utf-8")
        monkeypatch.setenv("RR_TEMPLATES", str(tmp_path))
        with pytest.raises(ConfigError, match=r"not a Word \.docx file"):
            scoping_template_docx(scoping_values())


def content_parts(data: bytes) -> dict[str, bytes]:
    """The parts holding a template's text and tags (not python-docx's default styles and settings)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {
            name: package.read(name)
            for name in package.namelist()
            if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", name)
        }


def test_shipped_templates_are_what_the_tools_script_builds() -> None:
    """templates/docx/*.docx are what tools/make_docx_templates.py builds: edit the script, not the files."""
    import runpy

    script = Path(__file__).resolve().parents[2] / "tools" / "make_docx_templates.py"
    if not script.is_file():
        pytest.skip("not a source checkout")
    builder = runpy.run_path(str(script))
    assert set(builder["TEMPLATES"]) == {"scoping_template.docx", "rapid_review_report.docx"}
    for name, build in builder["TEMPLATES"].items():
        shipped = content_parts((shipped_dir("templates") / "docx" / name).read_bytes())
        assert "word/document.xml" in shipped
        assert content_parts(builder["reproducible_bytes"](build())) == shipped, (
            f"templates/docx/{name} differs from what tools/make_docx_templates.py builds: run it"
        )


def test_the_filled_forms_carry_no_part_they_do_not_need() -> None:
    """The shipped forms have neither Word 2010's second copy of the styles nor a thumbnail of the blank
    page (40% of a form's bytes). Planted bug that fails this: the script building them without
    `without_unneeded_parts`, and the forms rebuilt."""
    for filled in (scoping_template_docx(scoping_values()), report_draft_docx(report_values())):
        with zipfile.ZipFile(io.BytesIO(filled)) as package:
            names = package.namelist()
            listed = package.read("[Content_Types].xml") + package.read("_rels/.rels")
        assert "word/stylesWithEffects.xml" not in names and "docProps/thumbnail.jpeg" not in names
        assert b"stylesWithEffects" not in listed and b"thumbnail" not in listed
        assert "word/styles.xml" in names and len(filled) < 28_000


# -- meeting invitations -----------------------------------------------------------------------------------


STAMP = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)


def invite(start: datetime, method: str = "REQUEST", sequence: int = 0, **changes: Any) -> bytes:
    arguments: dict[str, Any] = {
        "uid": "rr-2026-014-meeting@rr-workflow",
        "sequence": sequence,
        "start": start,
        "minutes": 90,
        "summary": "Rapid Review meeting RR-2026-014",
        "description": "Agenda attached.\nBring your agency's scoping template.",
        "organizer": "LSCP Business Unit <lscp@northshire.example>",
        "attendees": ["police@northshire.example", "Zoë Ó Súilleabháin <zoe@health.example>"],
        "method": method,
        "now": STAMP,
    }
    return meeting_invitation_ics(**{**arguments, **changes})


def attendees(event: Any) -> list[Any]:
    found = event.get("ATTENDEE", [])
    return found if isinstance(found, list) else [found]  # a lone ATTENDEE is not a list


def the_event(ics: bytes) -> Any:
    events = Calendar.from_ical(ics).walk("VEVENT")
    assert len(events) == 1
    return events[0]


class TestMeetingInvitation:
    """An invitation, a new time, a cancellation: one UID, SEQUENCE raised each time."""

    def test_request_reschedule_cancel(self) -> None:
        first = invite(datetime(2027, 3, 29, 10, 0, tzinfo=LONDON))
        moved = invite(datetime(2027, 3, 31, 14, 0, tzinfo=LONDON), sequence=1)
        cancelled = invite(datetime(2027, 3, 31, 14, 0, tzinfo=LONDON), method="CANCEL", sequence=2)
        seen = []
        for ics in (first, moved, cancelled):
            calendar = Calendar.from_ical(ics)
            event = the_event(ics)
            seen.append((str(calendar["METHOD"]), str(event["UID"]), event["SEQUENCE"], str(event["STATUS"])))
        uid = "rr-2026-014-meeting@rr-workflow"
        assert seen == [
            ("REQUEST", uid, 0, "CONFIRMED"),
            ("REQUEST", uid, 1, "CONFIRMED"),
            ("CANCEL", uid, 2, "CANCELLED"),
        ]
        assert the_event(moved).decoded("DTSTART") == datetime(2027, 3, 31, 14, 0, tzinfo=LONDON)

    @pytest.mark.parametrize(
        ("day", "offset"),
        [(date(2027, 3, 29), timedelta(hours=1)), (date(2027, 11, 1), timedelta(0))],
        ids=["summer", "winter"],
    )
    def test_ten_o_clock_local_in_summer_and_winter(self, day: date, offset: timedelta) -> None:
        ics = invite(datetime(day.year, day.month, day.day, 10, 0, tzinfo=LONDON))
        assert f"DTSTART;TZID=Europe/London:{day:%Y%m%d}T100000\r\n".encode() in ics
        assert f"DTEND;TZID=Europe/London:{day:%Y%m%d}T113000\r\n".encode() in ics
        event = the_event(ics)
        start = event.decoded("DTSTART")
        assert (start.hour, start.minute) == (10, 0)
        assert start.utcoffset() == offset
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        assert event.decoded("DTEND") - start == timedelta(minutes=90)

    def test_a_start_in_another_zone_is_shown_in_london(self) -> None:
        ics = invite(datetime(2027, 3, 29, 9, 0, tzinfo=UTC))
        assert b"DTSTART;TZID=Europe/London:20270329T100000\r\n" in ics

    def test_vtimezone_bounded_to_the_meeting_year(self) -> None:
        calendar = Calendar.from_ical(invite(datetime(2027, 11, 1, 10, 0, tzinfo=LONDON)))
        (zone,) = calendar.walk("VTIMEZONE")
        assert str(zone["TZID"]) == "Europe/London"
        assert calendar.get_missing_tzids() == set()
        changes = sorted(
            part.decoded("DTSTART") for part in zone.walk() if part.name in {"STANDARD", "DAYLIGHT"}
        )
        assert {change.year for change in changes} == {2027}
        assert datetime(2027, 3, 28, 2, 0) in changes and datetime(2027, 10, 31, 2, 0) in changes
        summer = calendar.walk("DAYLIGHT")[0]
        assert str(summer["TZNAME"]) == "BST"

    def test_a_meeting_running_into_the_new_year_covers_both_years(self) -> None:
        calendar = Calendar.from_ical(invite(datetime(2027, 12, 31, 23, 30, tzinfo=LONDON)))
        (zone,) = calendar.walk("VTIMEZONE")
        assert "2027-01-01 to 2029-01-01" in str(zone["COMMENT"])

    def test_the_whole_invitation_as_outlook_reads_it(self) -> None:
        """Every line, in order: the calendar's, its time zone's, the event's (the time zone's lines are
        made once for each span of years and put in their place). Planted bug: the time zone put after
        the event."""
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//rr-workflow//Rapid Review//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:REQUEST",
            "BEGIN:VTIMEZONE",
            "TZID:Europe/London",
            "COMMENT:This timezone only works from 2027-01-01 to 2028-01-01.",
            "BEGIN:STANDARD",
            "DTSTART:20270101T000000",
            "TZNAME:GMT",
            "TZOFFSETFROM:+0000",
            "TZOFFSETTO:+0000",
            "END:STANDARD",
            "BEGIN:DAYLIGHT",
            "DTSTART:20270328T020000",
            "TZNAME:BST",
            "TZOFFSETFROM:+0000",
            "TZOFFSETTO:+0100",
            "END:DAYLIGHT",
            "BEGIN:STANDARD",
            "DTSTART:20271031T020000",
            "TZNAME:GMT",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0000",
            "END:STANDARD",
            "END:VTIMEZONE",
            "BEGIN:VEVENT",
            "SUMMARY:Rapid Review meeting RR-2026-014",
            "DTSTART;TZID=Europe/London:20271101T100000",
            "DTEND;TZID=Europe/London:20271101T113000",
            "DTSTAMP:20270320T120000Z",
            "UID:rr-2026-014-meeting@rr-workflow",
            "SEQUENCE:0",
            "ATTENDEE;CUTYPE=INDIVIDUAL;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP",
            " =TRUE:mailto:police@northshire.example",
            'ATTENDEE;CN="Zoë Ó Súilleabháin";CUTYPE=INDIVIDUAL;PARTSTAT=NEEDS-ACTI',
            " ON;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:zoe@health.example",
            "DESCRIPTION:Agenda attached.\\nBring your agency's scoping template.",
            "LOCATION:Room 1",
            'ORGANIZER;CN="LSCP Business Unit":mailto:lscp@northshire.example',
            "STATUS:CONFIRMED",
            "TRANSP:OPAQUE",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
        ics = invite(datetime(2027, 11, 1, 10, 0, tzinfo=LONDON), location="Room 1")
        assert ics.decode("utf-8") == "".join(line + "\r\n" for line in lines)

    def test_each_invitation_has_the_time_zone_of_its_own_years(self) -> None:
        """Planted bug: the time zone's lines kept by the first year alone (a meeting running into the
        new year, after one in that year, covered only the first)."""
        comments = [
            str(Calendar.from_ical(invite(start)).walk("VTIMEZONE")[0]["COMMENT"])
            for start in (
                datetime(2027, 11, 1, 10, 0, tzinfo=LONDON),
                datetime(2027, 12, 31, 23, 30, tzinfo=LONDON),
                datetime(2028, 1, 3, 10, 0, tzinfo=LONDON),
            )
        ]
        assert comments == [
            "This timezone only works from 2027-01-01 to 2028-01-01.",
            "This timezone only works from 2027-01-01 to 2029-01-01.",
            "This timezone only works from 2028-01-01 to 2029-01-01.",
        ]

    def test_organizer_and_attendees(self) -> None:
        event = the_event(invite(datetime(2027, 3, 29, 10, 0, tzinfo=LONDON)))
        assert str(event["ORGANIZER"]) == "mailto:lscp@northshire.example"
        assert event["ORGANIZER"].params["CN"] == "LSCP Business Unit"
        invited = attendees(event)
        assert [str(a) for a in invited] == ["mailto:police@northshire.example", "mailto:zoe@health.example"]
        assert invited[1].params["CN"] == NAME
        assert all(a.params["RSVP"] == "TRUE" and a.params["PARTSTAT"] == "NEEDS-ACTION" for a in invited)

    def test_one_attendee_line_per_address(self) -> None:
        event = the_event(
            invite(datetime(2027, 3, 29, 10, 0, tzinfo=LONDON), attendees=["a@x.example", "A <A@X.example>"])
        )
        assert [str(a) for a in attendees(event)] == ["mailto:a@x.example"]

    def test_a_cancellation_asks_for_no_reply(self) -> None:
        event = the_event(invite(datetime(2027, 3, 29, 10, 0, tzinfo=LONDON), method="CANCEL", sequence=3))
        invited = attendees(event)
        assert len(invited) == 2 and all("RSVP" not in a.params for a in invited)

    def test_dtstamp(self) -> None:
        event = the_event(invite(datetime(2027, 3, 29, 10, 0, tzinfo=LONDON)))
        assert event.decoded("DTSTAMP") == STAMP
        before = datetime.now(UTC).replace(microsecond=0)
        event = the_event(invite(datetime(2027, 3, 29, 10, 0, tzinfo=LONDON), now=None))
        assert before <= event.decoded("DTSTAMP") <= datetime.now(UTC)

    @pytest.mark.parametrize("value", [*HOSTILE.values(), "a; b, c \\ d\ne"], ids=[*HOSTILE.keys(), "ical"])
    def test_hostile_text_round_trips(self, value: str) -> None:
        ics = invite(
            datetime(2027, 3, 29, 10, 0, tzinfo=LONDON), summary=value, description=value, location=value
        )
        event = the_event(ics)
        assert (str(event["SUMMARY"]), str(event["DESCRIPTION"]), str(event["LOCATION"])) == (value,) * 3
        assert all(len(line) <= 75 for line in ics.split(b"\r\n"))  # folded, in octets
        ics.decode("utf-8")  # folding never splits a character

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"start": datetime(2027, 3, 29, 10, 0)}, "aware"),
            ({"method": "PUBLISH"}, "method"),
            ({"sequence": -1}, "sequence"),
            ({"minutes": 0}, "minutes"),
            ({"uid": " "}, "uid"),
            ({"organizer": "not an address"}, "organizer"),
            ({"attendees": ["someone@"]}, "attendee"),
        ],
    )
    def test_bad_arguments_are_refused(self, changes: dict[str, Any], message: str) -> None:
        arguments = {"start": datetime(2027, 3, 29, 10, 0, tzinfo=LONDON), **changes}
        with pytest.raises(ValueError, match=message) as refused:
            invite(**arguments)
        assert "not an address" not in str(refused.value) and "someone" not in str(refused.value)


@pytest.mark.parametrize("method", documents.METHODS)
def test_mime_part_for_an_email(method: str) -> None:
    ics = invite(datetime(2027, 3, 29, 10, 0, tzinfo=LONDON), method=method, sequence=1)
    part = ics_mime_part(ics, method)
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == method
    assert part.get_param("charset") == "utf-8"

    message = EmailMessage()
    message["Subject"] = "Rapid Review meeting"
    message.set_content("See the invitation.")
    message.make_mixed()
    message.attach(part)
    received = message_from_bytes(message.as_bytes(policy=policy.SMTP), policy=policy.default)
    (calendar_part,) = [p for p in received.walk() if p.get_content_type() == "text/calendar"]
    assert calendar_part.get_param("method") == method
    assert calendar_part.get_filename() == "invitation.ics"
    assert calendar_part.get_payload(decode=True) == ics  # CRLF line ends and UTF-8 intact
