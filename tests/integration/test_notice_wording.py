"""Reminders and escalations as their readers see them (docs/letters.md): an agency is told what to send
and where, never an `rr` command; names, not keys; counted days in words; the marking in the subject.

The Christmas case: referral received Mon 21 Dec 2026 (aware Fri 18 Dec), templates sent to the council
(`la`) on Tue 22 Dec, its return due Thu 31 Dec: a reminder on Wed 30 Dec, 09:00.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from conftest_timers import drop_letter_mail, london, outbox_rows, staff

from rr_workflow.service import commands, notices

RR_COMMAND = re.compile(r"\brr [a-z]+ ")


def test_a_reminder_to_an_agency_says_what_to_send_where_and_no_command(rig: Any) -> None:
    """Planted bugs this catches: the command left in the agency's reminder; the agency's key ('la') for
    its name; 'working day(s)'."""
    staff(rig)
    rig.execute("UPDATE agencies SET name = 'Northshire Council' WHERE key = 'la'")
    rig.at(london(2026, 12, 21, 10))
    commands.case_open(rig.app, "RR-W", date(2026, 12, 21), date(2026, 12, 18), "police", summary="t")
    commands.scoping_send(rig.at(london(2026, 12, 22, 10)).app, "RR-W", ["la"])
    drop_letter_mail(rig)
    notices.tick(rig.at(london(2026, 12, 30)).app)
    rows = outbox_rows(rig)
    (to_agency,) = [r for r in rows if "la@agency.example" in r["to_addrs"] and "returned" in r["subject"]]
    assert to_agency["subject"] == (
        "[TRAINING] OFFICIAL-SENSITIVE: Rapid Review RR-W: Reminder: Scoping template returned "
        "(Northshire Council) due Thu 31 Dec"
    )
    for body in (to_agency["body"], to_agency["body_html"]):
        assert not RR_COMMAND.search(body), body
        assert "Northshire Council" in body and not re.search(r"\bla\b", body)
        assert "Thursday 31 December 2026" in body and "(s)" not in body
        assert "completed scoping template by secure e-mail to lscp.secure@testshire.example" in body
        assert body.startswith("OFFICIAL-SENSITIVE") or "OFFICIAL-SENSITIVE</p>" in body


def test_an_escalation_inside_the_business_unit_carries_the_command_to_record_it(rig: Any) -> None:
    staff(rig)
    rig.at(london(2026, 12, 21, 10))
    commands.case_open(rig.app, "RR-E", date(2026, 12, 21), date(2026, 12, 18), "police", summary="t")
    notices.tick(rig.at(london(2026, 12, 29)).app)  # templates were due Wed 23 Dec: 1 working day late
    rows = [r for r in outbox_rows(rig) if "ESCALATION" in r["subject"] and "templates sent" in r["subject"]]
    assert rows
    body = rows[-1]["body"]
    assert "rr scoping send RR-E AGENCY..." in body
    assert "You receive this as a manager of the partnership" in body
    assert rows[-1]["subject"].endswith("is 1 working day overdue") and "(s)" not in body
