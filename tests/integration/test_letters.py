"""Letters written by the steps of the procedure (SPEC §6): stored, private, escaped, e-mailed."""

from __future__ import annotations

import email
import hashlib
import stat
from datetime import date, datetime
from email import policy
from pathlib import Path
from typing import Any

from rr_workflow.adapters.mail import FileTransport
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
        assert b"TRAINING" in content  # the rig is a training database
        assert document["recipients"] or document["kind"] == "panel_covering_letter"


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
    assert set(attached) == {"scoping-request.html", "records-securing-instruction.html"}
    assert "Zoë" in attached["scoping-request.html"]
    assert "Zoë" not in str(message["Subject"]) and "Zoë" not in message.get_body(("plain",)).get_content()


def test_a_refused_step_writes_no_letter_and_leaves_no_file(rig: Any) -> None:
    rig.to_scoping()
    before = generated(rig)
    files = sorted(p for p in rig.home.rglob("*") if p.is_file())
    try:
        commands.scoping_send(rig.later().app, "RR-1", ["la"])  # already sent: refused
    except Exception as error:
        assert "already sent" in str(error)
    assert generated(rig) == before
    assert sorted(p for p in rig.home.rglob("*") if p.is_file()) == files
