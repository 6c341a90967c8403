"""Upgrading a database made before the Panel's response and the actions register (migration 0010), with
cases in it, on SQLite and PostgreSQL: closed cases stay closed, a report with the Panel waits for its
response, and the actions already agreed join the register with no due date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from rr_workflow.adapters.db import migrate
from rr_workflow.service import actions, commands

ATTENDEES = ("la:A Smith", "police:DS Jones", "health:Dr Patel")


def to_submitted(rig: Any, ref: str) -> None:
    """The rig's procedure up to the report with the Panel and the outcome shared (Fri 13 Nov 2026)."""
    rig.to_scoping(ref)
    commands.sin_notified(rig.later(minutes=1).app, ref)
    for agency in ("la", "police", "health"):
        commands.scoping_returned(rig.later(minutes=1).app, ref, agency)
        commands.records_secured(rig.later(minutes=1).app, ref, agency)
    commands.meeting_schedule(rig.later(minutes=1).app, ref, date(2026, 11, 12))
    rig.at(datetime(2026, 11, 12, 15, 0))
    commands.meeting_held(rig.app, ref, list(ATTENDEES))
    commands.decide(rig.later(minutes=1).app, ref, "no_review", "learning is local", ["police: visit"])
    rig.at(datetime(2026, 11, 13, 10, 0))
    commands.endorse(rig.app, ref, by="Independent Chair")
    commands.submit(rig.later(minutes=1).app, ref, send_draft=True)
    commands.outcome_shared(rig.later(minutes=1).app, ref)


def test_an_upgrade_keeps_closed_cases_closed_and_makes_a_submitted_one_wait_for_the_panel(rig: Any) -> None:
    """Planted bug caught: the stored allowed steps of a submitted case left offering `close`."""
    rig.run_procedure("RR-1")
    to_submitted(rig, "RR-2")
    migrate.downgrade(rig.app.engine, "0012")
    rig.execute("UPDATE cases SET allowed = 'share_outcome,close' WHERE ref = 'RR-2'")  # as 0012 stored it
    migrate.upgrade(rig.app.engine)
    rig.app.engine.dispose()

    states = {r["ref"]: (r["state"], r["allowed"]) for r in rig.rows("SELECT ref, state, allowed FROM cases")}
    assert states == {"RR-1": ("closed", ""), "RR-2": ("submitted", "share_outcome,record_panel_response")}
    register = {(a["ref"], a["number"]): a for a in actions.register(rig.at(datetime(2026, 11, 16, 10)).app)}
    assert {
        k: (a["kind"], a["agency"], a["agreed_on"], a["due"], a["status"]) for k, a in register.items()
    } == {
        ("RR-1", 1): ("action", "la", date(2026, 11, 12), None, "open"),
        ("RR-2", 1): ("action", "police", date(2026, 11, 12), None, "open"),
    }

    # The waiting case goes on: the Panel's response, then closure; an old action gets its due date.
    commands.panel_response(rig.app, "RR-2", agrees=True)
    assert commands.close(rig.later().app, "RR-2").state == "closed"
    actions.set_due(rig.app, register[("RR-1", 1)]["id"], date(2026, 12, 18))
    assert [a["due"] for a in actions.register(rig.app, ref="RR-1")] == [date(2026, 12, 18)]
    checked, fault = rig.verify()
    assert fault is None and checked > 0
