"""Letters written by the steps of the procedure (docs/letters.md): stored, private, escaped, e-mailed."""

from __future__ import annotations

import email
import hashlib
import io
import stat
from datetime import date, datetime, time
from email import policy
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest_timers import SmtpSink, smtp_fixture  # noqa: F401 (the `smtp` fixture)
from icalendar import Calendar

from rr_workflow.adapters.mail import FileTransport, SmtpTransport
from rr_workflow.domain.errors import Refused
from rr_workflow.service import commands, delivery

HOSTILE_NAME = "Zoë <script>alert(1)</script> & {{ 7*7 }}"


def generated(rig: Any) -> list[dict[str, Any]]:
    return rig.rows("SELECT * FROM documents WHERE generated = 1 ORDER BY id")


def test_a_whole_case_leaves_every_letter_stored_private_and_hashed(rig: Any) -> None:
    rig.run_procedure()
    kinds = [d["kind"] for d in generated(rig)]
    assert kinds.count("scoping_request") == 3 and kinds.count("records_securing") == 3
    assert {"meeting_invitation", "panel_covering_letter", "outcome_notification"} <= set(kinds)
    assert kinds.count("outcome_notification") == 3  # the three agencies involved (the referrer among them)
    for document in generated(rig):
        path = Path(document["path"])
        content = path.read_bytes()
        assert hashlib.sha256(content).hexdigest() == document["sha256"]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        if path.suffix == ".html":
            assert b"TRAINING" in content  # the rig is a training database
        assert document["recipients"] or document["kind"] in ("panel_covering_letter", "report_draft")


def test_the_scoping_letter_names_the_child_escaped_and_the_mail_does_not(rig: Any, tmp_path: Path) -> None:
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
    request = next(d for d in generated(rig) if d["kind"] == "scoping_request")
    html = Path(request["path"]).read_text(encoding="utf-8")
    assert "Zoë &lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ 7*7 }}" in html
    assert "<script>" not in html and "49" not in html
    assert "1 Elm Row &amp; Co" in html
    # the return is due 5 working days after Tue 3 Nov 2026: Tue 10 Nov
    assert "Tuesday 10 November 2026" in html

    outbox = tmp_path / "out"
    sent = delivery.deliver(rig.later(minutes=1).app, FileTransport(outbox))
    assert sent["sent"] >= 1
    messages = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*.eml")]
    to_la = [m for m in messages if "la@agency.example" in str(m["To"])]
    assert len(to_la) == 1
    message = to_la[0]
    attached = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert set(attached) == {
        "scoping-request.html",
        "scoping-template.docx",
        "records-securing-instruction.html",
    }
    form = docx.Document(io.BytesIO(attached["scoping-template.docx"]))
    form_text = "\n".join(
        [p.text for p in form.paragraphs]
        + [c.text for table in form.tables for row in table.rows for c in row.cells]
    )
    assert HOSTILE_NAME in form_text and "49" not in form_text
    assert "Zoë" in attached["scoping-request.html"]
    assert "Zoë" not in str(message["Subject"]) and "Zoë" not in message.get_body(("plain",)).get_content()


def test_a_refused_step_writes_no_letter_and_leaves_no_file(rig: Any) -> None:
    """Planted bug caught: the template sent to an agency a second time (the step must be refused)."""
    rig.to_scoping()
    before = generated(rig)
    files = sorted(p for p in rig.home.rglob("*") if p.is_file())
    with pytest.raises(Refused, match="already sent to: la"):
        commands.scoping_send(rig.later().app, "RR-1", ["la"])
    assert generated(rig) == before
    assert sorted(p for p in rig.home.rglob("*") if p.is_file()) == files


def _invitations(rig: Any) -> list[Any]:
    calendars = []
    for document in generated(rig):
        if document["filename"].endswith(".ics"):
            calendars.append(Calendar.from_ical(Path(document["path"]).read_bytes()))
    return calendars


def _event(calendar: Any) -> Any:
    return next(c for c in calendar.walk("VEVENT"))


def test_invitations_keep_their_uid_when_moved_and_get_a_new_one_after_an_inquorate_meeting(rig: Any) -> None:
    rig.to_scoping()  # received Mon 2 Nov 2026, templates out Tue 3 Nov: meeting window 11 to 19 November
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 12), time(10))
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 13), time(14))  # moved
    rig.at(datetime(2026, 11, 13, 16))
    commands.meeting_inquorate(rig.app, "RR-1", ["la:A", "police:B"])
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 16), time(10))  # a new meeting
    first, moved, second = (_event(c) for c in _invitations(rig))
    assert all(str(c["METHOD"]) == "REQUEST" for c in _invitations(rig))
    assert first["UID"] == moved["UID"] != second["UID"]
    assert (int(first["SEQUENCE"]), int(moved["SEQUENCE"]), int(second["SEQUENCE"])) == (0, 1, 0)
    start = moved.decoded("DTSTART")
    assert (start.date(), start.hour, str(start.tzinfo)) == (date(2026, 11, 13), 14, "Europe/London")


def test_declining_a_case_cancels_its_meeting_in_the_partners_calendars(rig: Any) -> None:
    rig.to_scoping()
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 12), time(10))
    commands.decline(rig.later().app, "RR-1", "does not meet the criteria")
    request, cancel = _invitations(rig)
    assert str(cancel["METHOD"]) == "CANCEL" and str(_event(cancel)["STATUS"]) == "CANCELLED"
    assert _event(cancel)["UID"] == _event(request)["UID"]
    assert int(_event(cancel)["SEQUENCE"]) > int(_event(request)["SEQUENCE"])


def test_the_report_draft_carries_the_decision_and_goes_to_the_panel(
    rig: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    monkeypatch.setenv("RR_PANEL_EMAIL", "panel@panel.example")
    rig.run_procedure()
    drafts = [d for d in generated(rig) if d["kind"] == "report_draft"]
    assert len(drafts) >= 2  # at the decision, the endorsement (and the submission)
    report = docx.Document(drafts[-1]["path"])
    text = "\n".join(
        [p.text for p in report.paragraphs]
        + [c.text for table in report.tables for row in table.rows for c in row.cells]
    )
    assert "Independent Chair" in text
    outbox = tmp_path / "out"
    delivery.deliver(rig.later(minutes=1).app, FileTransport(outbox))
    to_panel = [
        m
        for m in (
            email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*.eml")
        )
        if "panel@panel.example" in str(m["To"])
    ]
    assert len(to_panel) == 1
    names = {part.get_filename() for part in to_panel[0].iter_attachments()}
    assert names == {"panel-covering-letter.html", "rapid-review-report.docx"}


def test_a_whole_case_through_a_real_smtp_server_reaches_the_right_people(
    rig: Any, smtp: SmtpSink, monkeypatch: Any
) -> None:
    monkeypatch.setenv("RR_PANEL_EMAIL", "panel@panel.example")
    rig.run_procedure()
    transport = SmtpTransport("127.0.0.1", smtp.port, starttls=False, user=None, password=None, timeout=5)
    sent = delivery.deliver(rig.later(minutes=1).app, transport)
    assert sent["failed"] == sent["dead"] == 0 and smtp.wait_for(sent["sent"], timeout=10)
    by_recipient: dict[str, list[set[str]]] = {}
    for received in smtp.received:
        names = {part.get_filename() for part in received.message.iter_attachments()}
        for address in received.rcpt_tos:
            by_recipient.setdefault(address, []).append(names)
    for agency in ("la", "police", "health"):
        letters_to = by_recipient[f"{agency}@agency.example"]
        assert {
            "scoping-request.html",
            "scoping-template.docx",
            "records-securing-instruction.html",
        } in letters_to
        assert any("meeting-1-request.ics" in names for names in letters_to)
        assert {f"outcome-{agency}.html"} in letters_to
    assert by_recipient["panel@panel.example"] == [{"panel-covering-letter.html", "rapid-review-report.docx"}]
    assert len({r.message_id for r in smtp.received}) == len(smtp.received)
