"""The meeting pack, the document list and the templates (docs/procedure.md, docs/letters.md)."""

from __future__ import annotations

import email
import zipfile
from datetime import date
from email import policy
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner

from rr_workflow.adapters.mail import FileTransport
from rr_workflow.cli.app import cli
from rr_workflow.domain.errors import BadInput
from rr_workflow.service import commands, delivery, letters, meeting_pack, template_files


def _index_text(path: str) -> str:
    document = docx.Document(path)
    rows = [" | ".join(c.text for c in row.cells) for table in document.tables for row in table.rows]
    return "\n".join([p.text for p in document.paragraphs] + rows)


def test_the_pack_index_and_its_missing_list_agree(rig: Any, tmp_path: Path) -> None:
    """The SIN recorded as sent without its file, and a return recorded without its file, are missing in
    the table and in the summary alike; every row says who it comes from. Planted bugs this catches: a
    recorded step counted as present; the From column left empty."""
    rig.execute("UPDATE agencies SET name = 'Northshire Council' WHERE key = 'la'")
    rig.to_scoping()
    referral = tmp_path / "referral-form.pdf"
    referral.write_bytes(b"%PDF-1.4 the referral")
    commands.doc_add(rig.later().app, "RR-1", "referral_form", referral)
    police_return = tmp_path / "police-return.docx"
    police_return.write_bytes(b"the police return")
    commands.doc_add(rig.later().app, "RR-1", "scoping_return", police_return)
    commands.scoping_returned(rig.later().app, "RR-1", "police")
    commands.scoping_returned(rig.later().app, "RR-1", "health")  # recorded; its file never attached
    commands.sin_notified(rig.later().app, "RR-1")  # recorded as sent; no file
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 12))
    pack = meeting_pack.build(rig.later().app, "RR-1")
    assert pack["documents"] == 2 and pack["sent_to"] == []
    assert pack["missing"] == [
        "Serious Incident Notification from Northshire Council",
        "Scoping template return from Northshire Council",
        "Scoping template return from Health",
    ]
    index = _index_text(pack["index"])
    assert "Serious incident referral form | Police | referral-form.pdf | In this pack" in index
    assert (
        "Serious Incident Notification | Northshire Council |  | "
        "Missing: recorded as sent on Tuesday 3 November 2026, but the file is not attached"
    ) in index
    assert "Scoping template return | Northshire Council |  | Missing: not received" in index
    assert "Scoping template return | Police | police-return.docx | In this pack" in index
    assert "Missing (3):" in index and "Agenda" in index and "Immediate actions" in index
    assert "Yours faithfully" not in index and "Tuesday 3 November 2026" in index
    assert "OFFICIAL-SENSITIVE" in docx.Document(pack["index"]).sections[0].header.paragraphs[0].text
    with zipfile.ZipFile(pack["zip"]) as archive:
        names = archive.namelist()
    assert names[0] == "00-RR-1 Meeting pack index.docx"
    assert {n.split("-", 1)[1] for n in names[1:]} == {"referral-form.pdf", "police-return.docx"}


def test_a_waived_return_is_not_needed_and_not_missing(rig: Any) -> None:
    rig.to_scoping()
    commands.waive(rig.later().app, "RR-1", "scoping_returned:health", "no involvement with the family")
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 12))
    pack = meeting_pack.build(rig.later().app, "RR-1")
    assert "Scoping template return from Health" not in pack["missing"]
    assert "Scoping template return from La" in pack["missing"]
    index = _index_text(pack["index"])
    assert "Scoping template return | Health |  | Not needed: no involvement with the family" in index


def test_the_pack_is_sent_to_everyone_invited(rig: Any, tmp_path: Path) -> None:
    rig.to_scoping()
    referral = tmp_path / "referral-form.pdf"
    referral.write_bytes(b"%PDF-1.4 the referral")
    commands.doc_add(rig.later().app, "RR-1", "referral_form", referral)
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 12), location="Room 2")
    pack = meeting_pack.build(rig.later().app, "RR-1", send=True)
    assert sorted(pack["sent_to"]) == [f"{k}@agency.example" for k in ("health", "la", "police")]
    outbox = tmp_path / "out"
    delivery.deliver(rig.later(minutes=1).app, FileTransport(outbox))
    messages = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.glob("*.eml")]
    (message,) = [m for m in messages if "meeting pack" in str(m["Subject"])]
    assert str(message["Subject"]).startswith(
        "[TRAINING] OFFICIAL-SENSITIVE: Rapid Review RR-1: meeting pack"
    )
    names = {part.get_filename() for part in message.iter_attachments()}
    assert names == {"RR-1 Meeting pack index.docx", "referral-form.pdf"}
    history = rig.rows("SELECT action FROM audit_events WHERE action LIKE 'meeting_pack%'")
    assert [h["action"] for h in history] == ["meeting_pack_sent"]


def test_a_pack_needs_a_meeting_date(rig: Any) -> None:
    rig.to_scoping()
    with pytest.raises(BadInput, match="meeting schedule"):
        meeting_pack.build(rig.later().app, "RR-1")


def test_doc_list_shows_attached_and_generated_documents(rig: Any) -> None:
    rig.to_scoping()
    rows = letters.document_list(rig.app, "RR-1")
    assert {r["kind"] for r in rows} >= {"scoping_request", "scoping_template", "records_securing"}
    assert all(r["generated"] == 1 and len(r["sha256"]) == 64 for r in rows)


def test_every_shipped_template_renders(monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.setenv("RR_HOME", str(tmp_path))
    monkeypatch.delenv("RR_TEMPLATES", raising=False)
    results = template_files.check_templates()
    assert len(results) >= 10
    assert {r["result"] for r in results} == {"ok"}, results


def test_a_partnership_override_wins_and_a_broken_one_is_reported(monkeypatch: Any, tmp_path: Path) -> None:
    own = tmp_path / "ours"
    (own / "letters").mkdir(parents=True)
    shipped = (
        Path(template_files.list_templates()[0]["file"]).parents[1]
        / "letters"
        / "outcome_notification.html.j2"
    )
    (own / "letters" / "outcome_notification.html.j2").write_text(
        shipped.read_text().replace("Thank you", "With our thanks")
    )
    (own / "letters" / "records_securing.html.j2").write_text(
        "{% extends 'letters/_letter.html.j2' %}{{ oops("
    )
    monkeypatch.setenv("RR_TEMPLATES", str(own))
    listed = {r["name"]: r for r in template_files.list_templates()}
    assert listed["letters/outcome_notification.html.j2"]["file"].startswith(str(own))
    assert listed["letters/outcome_notification.html.j2"]["overrides"]
    result = CliRunner().invoke(cli, ["templates", "check"], env={"RR_TEMPLATES": str(own)})
    assert result.exit_code == 1
    failing = [line for line in result.output.splitlines() if line.startswith("FAIL")]
    assert len(failing) == 1 and "records_securing" in failing[0]
