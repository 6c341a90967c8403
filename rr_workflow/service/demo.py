"""A demonstration case walked through the whole procedure on a training database, over simulated weeks;
then a year of past cases imported from the sample register, for the compliance report.

Every step goes through the same use cases the CLI calls; only the clock is simulated.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

from rr_workflow.adapters import config
from rr_workflow.service import actions, commands, compliance, importing, queries, setup
from rr_workflow.service.app import App, environment, open_app
from rr_workflow.service.clock import LONDON, FixedClock

REF = "RR-DEMO-1"
Step = tuple[datetime, str, Callable[[App], object]]


def _at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), LONDON)


def steps() -> list[Step]:
    """Referral received Monday 21 December 2026, so the meeting window spans Christmas and New Year."""
    partners = ["la:A Social Worker", "police:DS B Officer", "health:Dr C Nurse"]
    return [
        (
            _at("2026-12-21"),
            "referral received from the police; case opened",
            lambda a: commands.case_open(
                a,
                REF,
                date(2026, 12, 21),
                date(2026, 12, 18),
                "police",
                summary="demonstration incident",
                child_name="Alex Example",
                child_dob=date(2019, 3, 4),
                child_address="1 Sample Row, Northtown NT1 1AA",
            ),
        ),
        (
            _at("2026-12-22"),
            "scoping templates sent to four agencies",
            lambda a: commands.scoping_send(a, REF, ["la", "police", "health", "school"]),
        ),
        (
            _at("2026-12-22", 14),
            "meeting date set for Tuesday 5 January",
            lambda a: commands.meeting_schedule(
                a, REF, date(2027, 1, 5), time(10), location="Committee Room 2, County Hall, Northtown"
            ),
        ),
        (
            _at("2026-12-23"),
            "Serious Incident Notification sent by the local authority",
            lambda a: commands.sin_notified(a, REF, reference="SIN-2026-0456"),
        ),
        (
            _at("2026-12-29"),
            "police and health return templates and secure records",
            lambda a: [
                f(a, REF, agency)
                for agency in ("police", "health")
                for f in (commands.scoping_returned, commands.records_secured)
            ],
        ),
        (
            _at("2027-01-04"),
            "the local authority returns its template a working day late",
            lambda a: [commands.scoping_returned(a, REF, "la"), commands.records_secured(a, REF, "la")],
        ),
        (
            _at("2027-01-04", 15),
            "the school's return and records are waived: no involvement",
            lambda a: [
                commands.waive(a, REF, f"{key}:school", "no involvement with the family")
                for key in ("scoping_returned", "records_secured")
            ],
        ),
        (
            _at("2027-01-05", 13),
            "meeting: health absent, so inquorate",
            lambda a: commands.meeting_inquorate(a, REF, partners[:2]),
        ),
        (
            _at("2027-01-05", 15),
            "new meeting date: Thursday 7 January",
            lambda a: commands.meeting_schedule(
                a,
                REF,
                date(2027, 1, 7),
                time(10),
                location="Committee Room 2, County Hall, Northtown",
                join_url="https://meet.example/rr-demo-1",
            ),
        ),
        (
            _at("2027-01-07", 13),
            "meeting held with every safeguarding partner",
            lambda a: commands.meeting_held(a, REF, partners),
        ),
        (
            _at("2027-01-07", 14),
            "decision: local child safeguarding practice review",
            lambda a: commands.decide(
                a,
                REF,
                "local_cspr",
                "learning about information sharing over holidays",
                ["la: review the safety plan for the siblings"],
            ),
        ),
        (
            _at("2027-01-08"),
            "the independent chair endorses the outcome",
            lambda a: commands.endorse(a, REF, by="Prof Ada Chair"),
        ),
        (
            _at("2027-01-11"),
            "report sent to the National Panel",
            lambda a: commands.submit(a, REF, send_draft=True),
        ),
        (
            _at("2027-01-11", 12),
            "outcome shared with the agencies",
            lambda a: commands.outcome_shared(a, REF),
        ),
        (
            _at("2027-01-21"),
            "the National Panel agrees, and asks how the siblings' plan is monitored",
            lambda a: commands.panel_response(
                a, REF, agrees=True, questions="How is the siblings' safety plan monitored?"
            ),
        ),
        (
            _at("2027-01-26"),
            "the partnership answers the Panel's question",
            lambda a: commands.panel_answered(a, REF),
        ),
        (_at("2027-01-27"), "case closed", lambda a: commands.close(a, REF)),
        (
            _at("2027-02-01"),
            "the local authority's immediate action is done, with its evidence",
            lambda a: actions.done(
                a,
                actions.register(a, ref=REF)[0]["id"],
                evidence="safety plan reviewed with the family on 29 January",
                impact="the siblings' plan is checked at every visit",
            ),
        ),
    ]


def run(home: Path, show: Callable[[datetime, str, list[dict[str, object]]], None]) -> dict[str, object]:
    """Walk the demonstration case; `show` gets the moment, the step and the board after each step."""
    clock = FixedClock(_at("2026-12-21", 9))
    # The demonstration always runs on an embedded training database of its own.
    with environment(RR_HOME=str(home), RR_USER="demo-coordinator", RR_DATABASE_URL=None, RR_NOW=None):
        setup.init(home=home, training=True, name="Demo Coordinator", email="coordinator@lscp.example")
        app = open_app(home=home, clock=clock, actor="demo-coordinator")
        for key, name, partner in (
            ("la", "Northshire Council Children's Services", "la"),
            ("police", "Northshire Police", "police"),
            ("health", "Northshire Integrated Care Board", "health"),
            ("school", "Northshire Primary School", None),
        ):
            setup.agency_add(app, key, name, f"safeguarding@{key}.example", partner)
        setup.person_add(app, "chair", "Prof Ada Chair", "chair@lscp.example", ["chair"])
        for moment, what, action in steps():
            clock.advance_to(moment)
            action(app)
            show(moment, what, queries.case_list(app))
        case = queries.case_show(app, REF)
        # The second half: a year of past cases taken over from a register, and the year's figures.
        imported = importing.import_register(app, sample_register())
        report = compliance.compliance(app, date(2025, 1, 1), date(2025, 12, 31))
        checked, fault = queries.audit_verify(app)
        return {
            "case": case,
            "register": imported,
            "compliance": report,
            "audit_rows": checked,
            "audit_ok": fault is None,
        }


def sample_register() -> Path:
    """The sample register of 2025 the demonstration imports (examples/register-2025.csv)."""
    return config.shipped_dir("examples") / "register-2025.csv"
