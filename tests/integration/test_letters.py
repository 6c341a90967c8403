"""Letters, invitations and the report as the people who receive them read them (docs/letters.md).

Every document is read back the way its reader's software reads it: Word files with python-docx (page
header and footer included), mail with the email package, invitations with icalendar. The agencies have
names that differ from their keys ("Northshire Council" for `la`), so a key in a document shows.
"""

from __future__ import annotations

import email
import hashlib
import io
import re
import stat
from datetime import date, datetime, time
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest_timers import SmtpSink, smtp_fixture  # noqa: F401 (the `smtp` fixture)
from icalendar import Calendar

from rr_workflow.adapters.mail import FileTransport, SmtpTransport
from rr_workflow.domain.errors import BadInput, Refused
from rr_workflow.service import commands, delivery, directory, setup

HOSTILE_NAME = "Zoë <script>alert(1)</script> & {{ 7*7 }}"
NAMES = {
    "la": "Northshire Council",
    "police": "Northshire Police",
    "health": "Northshire ICB",
    "school": "Elm Primary School",
}
SECURE = "lscp.secure@testshire.example"  # tests/partnership.toml
FROM = "rapid-reviews@testshire.example"
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
RR_COMMAND = re.compile(
    r"\brr (case|scoping|records|sin|meeting|decide|endorse|submit|outcome|close|extend)\b"
)


@pytest.fixture
def named(rig: Any) -> Any:
    """The rig with real agency names and a chair, as a partnership has them."""
    for key, name in NAMES.items():
        rig.execute("UPDATE agencies SET name = :name WHERE key = :key", name=name, key=key)
    setup.person_add(rig.app, "chair", "Prof Ada Chair", "chair@lscp.example", ["chair"])
    return rig


def generated(rig: Any, kind: str | None = None) -> list[dict[str, Any]]:
    rows = rig.rows("SELECT * FROM documents WHERE generated = 1 ORDER BY id")
    return [r for r in rows if kind is None or r["kind"] == kind]


def word_text(content: bytes) -> dict[str, str]:
    """The text of a Word document: its body (paragraphs and tables), and its page header and footer."""
    document = docx.Document(io.BytesIO(content))
    body = [p.text for p in document.paragraphs]
    body += [c.text for table in document.tables for row in table.rows for c in row.cells]
    section = document.sections[0]
    return {
        "body": "\n".join(body),
        "header": "\n".join(p.text for p in section.header.paragraphs),
        "footer": "\n".join(p.text for p in section.footer.paragraphs),
    }


def sent_mail(rig: Any, folder: Path) -> list[EmailMessage]:
    delivery.deliver(rig.later(minutes=1).app, FileTransport(folder))
    return [
        email.message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for p in sorted(folder.glob("*.eml"))
    ]


def to(messages: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [m for m in messages if address in str(m["To"])]


def attached(message: EmailMessage) -> dict[str, bytes]:
    return {str(part.get_filename()): part.get_content() for part in message.iter_attachments()}


def assert_fit_to_send(text: str, where: str) -> None:
    """What every document and every message to an agency must (not) say."""
    assert not ISO_DATE.search(text), (where, ISO_DATE.search(text))
    assert not RR_COMMAND.search(text), (where, RR_COMMAND.search(text))
    for key in ("la", "health", "police", "school"):
        assert not re.search(rf"(?<![\w@.-]){key}(?![\w@.-])", text), (where, key)
    assert "(s)" not in text and "working day(s)" not in text, where


def run_case(rig: Any, ref: str = "RR-1") -> None:
    """Scoping to the three partners and the school, then the whole procedure to closure."""
    rig.at(datetime(2026, 11, 2, 10))
    commands.case_open(rig.app, ref, date(2026, 11, 2), date(2026, 11, 2), "police", summary="test case")
    rig.at(datetime(2026, 11, 3, 10))
    commands.scoping_send(rig.app, ref, ["la", "police", "health", "school"])
    commands.sin_notified(rig.later().app, ref, reference="SIN-2026-0456")
    for agency in ("la", "police", "health", "school"):
        commands.scoping_returned(rig.later().app, ref, agency)
        commands.records_secured(rig.later().app, ref, agency)
    commands.meeting_schedule(
        rig.later().app, ref, date(2026, 11, 12), time(10), location="Room 2, Shire Hall, Testtown"
    )
    rig.at(datetime(2026, 11, 12, 15))
    commands.meeting_held(rig.app, ref, ["la:A Smith", "police:DS Jones", "health:Dr Patel"])
    commands.decide(
        rig.later().app, ref, "no_review", "learning is local", ["la: safety plan for the siblings"]
    )
    rig.at(datetime(2026, 11, 13, 10))
    commands.endorse(rig.app, ref, by="Prof Ada Chair")
    rig.attach_report(ref)
    commands.submit(rig.later().app, ref)
    commands.outcome_shared(rig.later().app, ref)
    commands.panel_response(rig.later().app, ref, agrees=True)
    commands.close(rig.later().app, ref)


# -- every document -----------------------------------------------------------------------------------------


def test_every_letter_of_a_whole_case_is_a_marked_word_document_with_names_and_one_date_style(
    named: Any, tmp_path: Path
) -> None:
    """Planted bugs this catches: the marking left out of the page header; an agency key for its name
    (an action owner 'la'); a date written with strftime's '%d' (leading zero) or as ISO."""
    run_case(named)
    letters = [d for d in generated(named) if d["filename"].endswith(".docx")]
    kinds = {d["kind"] for d in letters}
    assert kinds >= {
        "scoping_request",
        "records_securing",
        "scoping_template",
        "meeting_invitation",
        "panel_covering_letter",
        "outcome_notification",
        "closure_letter",
        "report_draft",
    }
    for document in letters:
        path = Path(document["path"])
        content = path.read_bytes()
        assert hashlib.sha256(content).hexdigest() == document["sha256"]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        text = word_text(content)
        assert "OFFICIAL-SENSITIVE" in text["header"], document["kind"]
        assert "TRAINING" in text["header"], document["kind"]  # the rig is a training database
        if document["kind"] in ("scoping_template", "report_draft"):
            continue  # forms: checked below
        assert "OFFICIAL-SENSITIVE" in text["footer"], document["kind"]
        assert_fit_to_send(text["body"], document["kind"])
        assert not re.search(r"\b0\d [A-Z][a-z]+ 20\d\d\b", text["body"]), document[
            "kind"
        ]  # no '03 November'
        assert "Dear Colleague" in text["body"] or "Dear Panel colleagues" in text["body"]
        assert "Yours sincerely" in text["body"] and "Yours faithfully" not in text["body"]
        assert "Pat Signer" in text["body"] and "Partnership Business Manager" in text["body"]
        assert SECURE in text["body"] and "01632 960 999" in text["body"]  # the reply route
        assert not re.search(r"\bcoord\b", text["body"].split("Contacts:")[0])  # not signed by a login
    outcome = word_text(Path(generated(named, "outcome_notification")[0]["path"]).read_bytes())["body"]
    assert "Northshire Council" in outcome and "safety plan for the siblings" in outcome
    assert "Thursday 12 November 2026" in outcome


def test_the_scoping_letter_names_the_child_escaped_and_the_mail_does_not(named: Any, tmp_path: Path) -> None:
    rig = named
    rig.at(datetime(2026, 11, 2, 10))
    commands.case_open(
        rig.app,
        "RR-9",
        date(2026, 11, 2),
        date(2026, 11, 2),
        "police",
        child_name=HOSTILE_NAME,
        child_dob=date(2016, 5, 1),
        child_address="1 Elm Row & Co",
    )
    rig.at(datetime(2026, 11, 3, 10))
    commands.scoping_send(rig.app, "RR-9", ["la"])
    request = word_text(Path(generated(rig, "scoping_request")[0]["path"]).read_bytes())["body"]
    assert HOSTILE_NAME in request and "49" not in request  # as typed: not markup, not template code
    assert "1 Elm Row & Co" in request
    assert "born 1 May 2016" in request  # a date of birth has no weekday
    # the return is due 5 working days after Tue 3 Nov 2026: Tue 10 Nov
    assert "Tuesday 10 November 2026" in request and SECURE in request

    (message,) = to(sent_mail(rig, tmp_path / "out"), "la@agency.example")
    assert set(attached(message)) == {
        "RR-9 Scoping request.docx",
        "RR-9 Scoping template.docx",
        "RR-9 Instruction to secure records.docx",
    }
    form = word_text(attached(message)["RR-9 Scoping template.docx"])
    assert HOSTILE_NAME in form["body"] and "49" not in form["body"] and SECURE in form["body"]
    body = message.get_body(("plain",)).get_content()
    subject = str(message["Subject"])
    assert subject == "[TRAINING] OFFICIAL-SENSITIVE: Rapid Review RR-9: scoping request"
    for text in (subject, body):
        assert "Zoë" not in text and "Elm Row" not in text and "2016" not in text
    assert "Tuesday 10 November 2026" in body and SECURE in body and "Dear Colleague" in body
    assert_fit_to_send(body, "mail body")
    assert message["Reply-To"] == SECURE
    assert message["From"] == f"Testshire Rapid Reviews <{FROM}>"
    assert not any(name.endswith(".html") for name in attached(message))


def test_the_childs_details_are_read_only_for_the_letters_that_name_them(named: Any) -> None:
    """The child's name and address are kept apart and read only for the scoping letters, which name
    the child; a meeting invitation does not. Planted: the details read for every step with letters."""
    from sqlalchemy import event

    rig = named
    rig.at(datetime(2026, 11, 2, 10))
    commands.case_open(rig.app, "RR-9", date(2026, 11, 2), date(2026, 11, 2), "police", child_name="A Child")
    reads: list[str] = []

    def read(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM child_details" in statement:
            reads.append(statement)

    event.listen(rig.app.engine, "before_cursor_execute", read)
    try:
        rig.at(datetime(2026, 11, 3, 10))
        commands.scoping_send(rig.app, "RR-9", ["la", "police", "health"])
        assert len(reads) == 1
        rig.at(datetime(2026, 11, 4, 10))
        commands.meeting_schedule(rig.app, "RR-9", date(2026, 11, 12))
        assert len(reads) == 1
    finally:
        event.remove(rig.app.engine, "before_cursor_execute", read)
    assert len(generated(rig, "scoping_request")) == 3 and generated(rig, "meeting_invitation")


def test_each_queued_mail_attaches_its_own_letters_and_each_document_row_is_its_own_file(rig: Any) -> None:
    """A step's documents and mails are stored with one statement per table (SQLite: an executemany, the
    ids worked out from the last one): every id must still be its own row's. Scoping to four agencies
    stores 12 documents and queues 4 mails in one go, after documents stored before (ids not from 1).
    Planted bugs this catches: the ids taken in the wrong order, or counted from the first id instead of
    the last."""
    rig.at(datetime(2026, 11, 2, 10))
    commands.case_open(rig.app, "RR-0", date(2026, 11, 2), date(2026, 11, 2), "police")
    commands.scoping_send(rig.later().app, "RR-0", ["la", "police"])  # rows before: ids not from 1
    commands.case_open(rig.app, "RR-1", date(2026, 11, 2), date(2026, 11, 2), "police")
    rig.at(datetime(2026, 11, 3, 10))
    commands.scoping_send(rig.app, "RR-1", ["la", "police", "health", "school"])
    mails = rig.rows("SELECT m.id, m.to_addrs FROM mail_outbox m WHERE m.case_ref = 'RR-1' ORDER BY m.id")
    assert len(mails) == 4
    emails = {r["key"]: r["email"] for r in rig.rows("SELECT key, email FROM agencies")}
    for mail, agency in zip(mails, ["la", "police", "health", "school"], strict=True):
        assert mail["to_addrs"] == emails[agency]
        documents = rig.rows(
            "SELECT d.kind, d.recipients, d.path, d.sha256 FROM mail_attachments a "
            "JOIN documents d ON d.id = a.document_id WHERE a.mail_id = :mail ORDER BY a.id",
            mail=mail["id"],
        )
        assert [d["kind"] for d in documents] == ["scoping_request", "scoping_template", "records_securing"]
        for document in documents:
            assert document["recipients"] == emails[agency]
            assert hashlib.sha256(Path(document["path"]).read_bytes()).hexdigest() == document["sha256"]
    if rig.url.startswith("sqlite"):  # what working the ids out relies on: plain rowids, no trigger
        for table in ("documents", "mail_outbox"):
            schema = rig.scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t", t=table)
            assert "INTEGER NOT NULL" in schema and "AUTOINCREMENT" not in schema.upper()
        triggers = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (:a, :b)"
        assert rig.rows(triggers, a="documents", b="mail_outbox") == []


def test_a_refused_step_writes_no_letter_and_leaves_no_file(rig: Any) -> None:
    rig.to_scoping()
    before = generated(rig)
    files = sorted(p for p in rig.home.rglob("*") if p.is_file())
    with pytest.raises(Refused, match="already sent"):
        commands.scoping_send(rig.later().app, "RR-1", ["la"])
    assert generated(rig) == before
    assert sorted(p for p in rig.home.rglob("*") if p.is_file()) == files


# -- invitations --------------------------------------------------------------------------------------------


def _calendars(rig: Any) -> list[Any]:
    return [
        Calendar.from_ical(Path(d["path"]).read_bytes())
        for d in generated(rig)
        if d["filename"].endswith(".ics")
    ]


def _event(calendar: Any) -> Any:
    return next(c for c in calendar.walk("VEVENT"))


def test_an_invitation_names_its_organiser_and_everyone_invited_with_place_and_link(named: Any) -> None:
    rig = named
    rig.at(datetime(2026, 11, 2, 10))
    rig.open_case()
    rig.at(datetime(2026, 11, 3, 10))
    commands.scoping_send(rig.app, "RR-1", ["la", "police", "health", "school"])
    commands.meeting_schedule(
        rig.later().app,
        "RR-1",
        date(2026, 11, 12),
        time(10),
        location="Room 2, Shire Hall",
        join_url="https://meet.example/rr-1",
    )
    (calendar,) = _calendars(rig)
    event = _event(calendar)
    assert str(calendar["METHOD"]) == "REQUEST"
    organizer = event["ORGANIZER"]
    assert (str(organizer), organizer.params["CN"]) == (
        f"mailto:{FROM}",
        "Testshire Safeguarding Children Partnership",
    )
    attendees = {str(a).removeprefix("mailto:"): a.params["CN"] for a in event["ATTENDEE"]}
    assert attendees == {
        "la@agency.example": "Northshire Council",
        "police@agency.example": "Northshire Police",
        "health@agency.example": "Northshire ICB",
        "school@agency.example": "Elm Primary School",  # asked for information: invited too
        "chair@lscp.example": "Prof Ada Chair",
    }
    assert all(a.params["RSVP"] == "TRUE" for a in event["ATTENDEE"])
    assert str(event["LOCATION"]) == "Room 2, Shire Hall" and str(event["URL"]) == "https://meet.example/rr-1"
    start = event.decoded("DTSTART")
    assert (start.date(), start.hour, str(start.tzinfo)) == (date(2026, 11, 12), 10, "Europe/London")
    assert event.decoded("DTEND") - start == (datetime(2026, 1, 1, 12) - datetime(2026, 1, 1, 10))


def test_an_invitation_goes_to_the_active_chairs_only(named: Any) -> None:
    """The chairs invited are the people active with the role `chair` when the meeting is set. Planted
    bugs this catches: deactivated people read with the rest; every person read under every role."""
    rig = named
    setup.person_add(rig.app, "chair2", "Dr Bea Second", "bea@lscp.example", ["chair"])
    setup.person_add(rig.app, "mgr", "Cy Manager", "cy@lscp.example", ["manager"])
    directory.person_set_active(rig.app, "chair", False, reason="left the partnership")
    rig.to_scoping()
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 12), time(10))
    (calendar,) = _calendars(rig)
    invited = {str(a).removeprefix("mailto:") for a in _event(calendar)["ATTENDEE"]}
    assert invited == {
        "la@agency.example",
        "police@agency.example",
        "health@agency.example",
        "bea@lscp.example",
    }


def test_the_uid_is_fixed_when_the_meeting_is_set_and_survives_a_change_of_mail_settings(
    named: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Planted bug this catches: the UID built from RR_MAIL_FROM's domain (as it once was)."""
    rig = named
    rig.to_scoping()  # received Mon 2 Nov 2026, templates out Tue 3 Nov: meeting window 11 to 19 November
    monkeypatch.setenv("RR_MAIL_FROM", "rapid-reviews@first.example")
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 12), time(10))
    monkeypatch.setenv("RR_MAIL_FROM", "rapid-reviews@second.example")
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 13), time(14))  # moved
    rig.at(datetime(2026, 11, 13, 16))
    commands.meeting_inquorate(rig.app, "RR-1", ["la:A", "police:B"])
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 16), time(10))  # a new meeting
    first, moved, second = (_event(c) for c in _calendars(rig))
    assert first["UID"] == moved["UID"] != second["UID"]
    assert "first.example" not in str(first["UID"]) and "second.example" not in str(moved["UID"])
    stored = rig.rows("SELECT number, uid FROM meetings ORDER BY number")
    assert [r["uid"] for r in stored] == [str(first["UID"]), str(first["UID"]), str(second["UID"])]
    assert (int(first["SEQUENCE"]), int(moved["SEQUENCE"]), int(second["SEQUENCE"])) == (0, 1, 0)

    messages = sent_mail(rig, tmp_path / "out")
    invitations = sorted(
        (m for m in messages if "meeting" in str(m["Subject"])), key=lambda m: str(m["Date"])
    )
    subjects = {str(m["Subject"]) for m in invitations}
    assert subjects == {
        "[TRAINING] OFFICIAL-SENSITIVE: Rapid Review RR-1: meeting on Thursday 12 November 2026 at 10:00",
        "[TRAINING] OFFICIAL-SENSITIVE: Rapid Review RR-1: meeting moved from Thursday 12 November 2026 "
        "to Friday 13 November 2026 at 14:00",
        "[TRAINING] OFFICIAL-SENSITIVE: Rapid Review RR-1: meeting on Monday 16 November 2026 at 10:00",
    }
    (moved_mail,) = [m for m in invitations if "moved" in str(m["Subject"])]
    moved_body = moved_mail.get_body(("plain",)).get_content()
    assert "from Thursday 12 November 2026 to Friday 13 November 2026 at 14:00" in moved_body
    moved_letter = word_text(attached(moved_mail)["RR-1 Meeting invitation.docx"])["body"]
    assert "moved from Thursday 12 November 2026 to Friday 13 November 2026 at 14:00" in moved_letter
    assert "MOVED from Thursday 12 November 2026" in str(moved["DESCRIPTION"])


def test_an_invitation_through_a_real_smtp_server_has_the_structure_outlook_answers(
    named: Any, smtp: SmtpSink
) -> None:
    """iMIP (RFC 6047): the request is a text/calendar; method=REQUEST alternative of the body, beside
    the text; the letter and the same request as a file are attachments. Planted bug this catches: the
    calendar sent only as an attachment (Outlook then shows a file, not Accept/Decline)."""
    rig = named
    rig.to_scoping()
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 12), time(10), location="Room 2")
    transport = SmtpTransport("127.0.0.1", smtp.port, starttls=False, user=None, password=None, timeout=5)
    sent = delivery.deliver(rig.later(minutes=1).app, transport)
    assert sent["failed"] == sent["dead"] == 0 and smtp.wait_for(sent["sent"], timeout=10)
    (received,) = [r for r in smtp.received if "meeting on" in str(r.message["Subject"])]
    message = received.message
    assert received.mail_from == FROM and message["Reply-To"] == SECURE
    assert set(received.rcpt_tos) == {f"{k}@agency.example" for k in ("la", "police", "health")} | {
        "chair@lscp.example"
    }
    assert message.get_content_type() == "multipart/mixed"
    first, *rest = message.iter_parts()
    assert first.get_content_type() == "multipart/alternative"
    plain, calendar_part = first.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert calendar_part.get_content_type() == "text/calendar"
    assert calendar_part.get_param("method") == "REQUEST" and calendar_part.get_content_charset() == "utf-8"
    assert calendar_part.get_filename() is None and calendar_part.get_content_disposition() is None
    calendar = Calendar.from_ical(calendar_part.get_content())
    assert str(calendar["METHOD"]) == "REQUEST"
    types = [(part.get_content_type(), part.get_filename()) for part in rest]
    assert types == [
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "RR-1 Meeting invitation.docx",
        ),
        ("application/ics", "invite.ics"),
    ]
    assert rest[1].get_content().decode() == calendar_part.get_content()


# -- decline, closure -------------------------------------------------------------------------------------


def test_declining_writes_to_the_referrer_and_every_agency_releasing_records_and_cancels_the_meeting(
    named: Any, tmp_path: Path
) -> None:
    rig = named
    rig.at(datetime(2026, 11, 2, 10))
    commands.case_open(rig.app, "RR-1", date(2026, 11, 2), date(2026, 11, 2), "school")
    rig.at(datetime(2026, 11, 3, 10))
    commands.scoping_send(rig.app, "RR-1", ["la", "police"])
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 12), time(10))
    commands.decline(rig.later().app, "RR-1", "no abuse or neglect is known or suspected")
    letters = {
        d["recipients"]: word_text(Path(d["path"]).read_bytes())["body"]
        for d in generated(rig, "decline_letter")
    }
    assert set(letters) == {"la@agency.example", "police@agency.example", "school@agency.example"}
    for recipient, text in letters.items():
        assert "does not meet the criteria" in text and "no abuse or neglect is known or suspected" in text
        released = "instruction to secure your agency's records for this Rapid Review is released" in text
        assert released == (recipient != "school@agency.example"), recipient  # the school was not asked
    assert "Thank you for your referral" in letters["school@agency.example"]
    request, cancel = _calendars(rig)
    assert str(cancel["METHOD"]) == "CANCEL" and str(_event(cancel)["STATUS"]) == "CANCELLED"
    assert _event(cancel)["UID"] == _event(request)["UID"]
    assert int(_event(cancel)["SEQUENCE"]) > int(_event(request)["SEQUENCE"])
    messages = sent_mail(rig, tmp_path / "out")
    for message in to(messages, "police@agency.example"):
        assert_fit_to_send(message.get_body(("plain",)).get_content(), str(message["Subject"]))


def test_closing_releases_the_records_instruction_unless_a_review_follows(named: Any) -> None:
    run_case(named)
    letters = generated(named, "closure_letter")
    assert {d["recipients"] for d in letters} == {f"{k}@agency.example" for k in NAMES}
    for document in letters:
        text = word_text(Path(document["path"]).read_bytes())["body"]
        assert "has ended" in text and "that no further review is needed" in text
        assert "is released" in text


# -- the report to the Panel --------------------------------------------------------------------------------


def test_submit_refuses_without_a_finished_report_and_records_a_draft_sent(
    named: Any, tmp_path: Path
) -> None:
    rig = named
    rig.to_scoping()
    commands.sin_notified(rig.later().app, "RR-1")
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 12))
    rig.at(datetime(2026, 11, 12, 15))
    commands.meeting_held(rig.app, "RR-1", ["la:A Smith", "police:DS Jones", "health:Dr Patel"])
    commands.decide(rig.later().app, "RR-1", "local_cspr", "multi-agency learning", [])
    commands.endorse(rig.later().app, "RR-1", by="Prof Ada Chair")
    before = rig.scalar("SELECT count(*) FROM audit_events")
    with pytest.raises(Refused, match="rapid_review_report"):
        commands.submit(rig.later().app, "RR-1")
    assert rig.scalar("SELECT count(*) FROM audit_events") == before
    commands.submit(rig.later().app, "RR-1", send_draft=True)
    row = rig.rows("SELECT details FROM audit_events WHERE action = 'submit'")[0]
    assert '"report": "draft"' in row["details"]
    (message,) = to(sent_mail(rig, tmp_path / "out"), "panel@panel.example")
    names = set(attached(message))
    assert names == {"RR-1 Covering letter to the Panel.docx", "RR-1 Rapid Review report (draft).docx"}
    covering = word_text(attached(message)["RR-1 Covering letter to the Panel.docx"])["body"]
    assert "draft" in covering


def test_the_finished_report_goes_to_the_panel_with_a_covering_letter_giving_both_dates(
    named: Any, tmp_path: Path
) -> None:
    """Received Mon 2 Nov 2026 (aware the same day), meeting Thu 12 Nov: the report is due 2 working days
    after the meeting (Mon 16 Nov); the review is complete 15 working days after awareness (Mon 23 Nov).
    Planted bug this catches: the 15-day date given as the report's due date (as it once was)."""
    run_case(named)
    (message,) = to(sent_mail(named, tmp_path / "out"), "panel@panel.example")
    files = attached(message)
    assert set(files) == {"RR-1 Covering letter to the Panel.docx", "RR-1 Rapid Review report final.docx"}
    assert files["RR-1 Rapid Review report final.docx"] == b"PK the finished report"
    covering = word_text(files["RR-1 Covering letter to the Panel.docx"])
    text = covering["body"]
    assert "Report due to the Panel\nMonday 16 November 2026 (2 working days after the meeting)" in text
    assert "Rapid Review to be complete by\nMonday 23 November 2026 (15 working days after" in text
    assert "Local authority area\nTestshire" in text
    assert "reference SIN-2026-0456, sent Tuesday 3 November 2026" in text
    assert "London SW1P 3BT" in text and SECURE in text
    assert "Dear Panel colleagues" in text
    assert_fit_to_send(text, "covering letter")
    assert "OFFICIAL-SENSITIVE" in covering["header"]
    assert str(message["Subject"]) == "[TRAINING] OFFICIAL-SENSITIVE: Rapid Review RR-1: Rapid Review report"


def test_the_report_draft_names_owners_and_attendees_and_leaves_marked_sections_to_write(named: Any) -> None:
    run_case(named)
    draft = word_text(Path(generated(named, "report_draft")[-1]["path"]).read_bytes())
    text = draft["body"]
    for heading in (
        "The facts and each agency's involvement",
        "Key practice episodes",
        "Learning identified",
        "race, ethnicity",
        "Immediate actions",
        "Decision and rationale",
        "national review",
        "meeting and attendees",
        "Endorsement",
    ):
        assert heading in text, heading
    assert "TO BE WRITTEN BY THE PARTNERSHIP" in text
    assert "Northshire Council" in text and "safety plan for the siblings" in text
    assert "DS Jones" in text and "Northshire Police" in text
    assert "Prof Ada Chair" in text and "Friday 13 November 2026" in text
    assert not re.search(r"\bla\b|\bhealth\b", text)


# -- input -------------------------------------------------------------------------------------------------


def test_a_join_link_must_be_https(rig: Any) -> None:
    rig.to_scoping()
    with pytest.raises(BadInput, match="https"):
        commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 12), join_url="javascript:alert(1)")
