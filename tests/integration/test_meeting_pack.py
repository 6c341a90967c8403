"""The meeting pack, the document list and the templates (docs/procedure.md, docs/letters.md)."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rr_workflow.cli.app import cli
from rr_workflow.domain.errors import BadInput
from rr_workflow.service import commands, letters, template_files


def test_the_pack_lists_what_is_there_and_what_is_missing(rig: Any, tmp_path: Path) -> None:
    rig.to_scoping()
    referral = tmp_path / "referral-form.pdf"
    referral.write_bytes(b"%PDF-1.4 the referral")
    commands.doc_add(rig.later().app, "RR-1", "referral_form", referral)
    police_return = tmp_path / "police-return.docx"
    police_return.write_bytes(b"the police return")
    commands.doc_add(rig.later().app, "RR-1", "scoping_return", police_return)
    commands.scoping_returned(rig.later().app, "RR-1", "police")
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 12))
    pack = letters.meeting_pack(rig.later().app, "RR-1")
    assert pack["documents"] == 2
    assert "Serious Incident Notification" in pack["missing"]
    assert any("scoping return from La" in m for m in pack["missing"])
    assert not any("Police" in m for m in pack["missing"])
    with zipfile.ZipFile(pack["zip"]) as archive:
        names = archive.namelist()
        assert names[0] == "00-index.html"
        assert {n.split("-", 1)[1] for n in names[1:]} == {"referral-form.pdf", "police-return.docx"}
        index = archive.read("00-index.html").decode()
    assert "MISSING" in index and "Agenda" in index and "Immediate actions" in index


def test_a_pack_needs_a_meeting_date(rig: Any) -> None:
    rig.to_scoping()
    with pytest.raises(BadInput, match="meeting schedule"):
        letters.meeting_pack(rig.later().app, "RR-1")


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
