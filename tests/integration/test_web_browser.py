"""A coordinator who has never used a terminal runs a case from referral to closure in the browser:
Debian's Chromium driven by Playwright (no browser download), signing in against a real OpenID Connect
provider on 127.0.0.1, every step recorded through the case page's forms, every page checked with
axe-core (vendored, tests/vendor/axe-core): zero WCAG 2.2 AA violations. SQLite; PostgreSQL too with
RR_TEST_DATABASE_URL.

The clock is the rig's (a training database): the case is received Monday 2 November 2026, the scoping
templates go on Tuesday 3 November, the meeting is held on Thursday 12 November and the report goes to
the Panel on Friday 13 November. Two more cases, opened through the service layer, put red and amber on
the board.

On the way, a recommendation of the review that follows goes on the actions register and the meeting's
immediate action is recorded done from its page on the register.

Screenshots of the board, a case, a form with an error, the actions register, an action's page and the
annual report go to RR_SCREENSHOTS (docs/pictures when the pictures in the docs are made again), else to
the test's own folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from required_tools import needs_tool
from web_rig import identity_provider, oidc_settings, serving

from rr_workflow.service import commands, setup

pytestmark = needs_tool("chromium", "chromium")

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
REF = "RR-2026-101"
CHILD = "Alex Example"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        yield browser
        browser.close()


def violations(page: Any) -> list[Any]:
    """axe-core's WCAG 2.2 AA violations on the page as it stands."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: "tag", values: tags}})).violations
             .map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))}))""",
        TAGS,
    )
    return list(found)


class Walk:
    """The browser on the web front end, checking each page it lands on."""

    def __init__(self, page: Any, base: str, shots: Path) -> None:
        self.page, self.base, self.shots = page, base, shots
        self.checked: list[str] = []

    def check(self) -> None:
        assert violations(self.page) == [], self.page.url
        self.checked.append(self.page.url.removeprefix(self.base))

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.check()

    def record(
        self, step: str, fill: dict[str, str] | None = None, ticks: tuple[str, ...] = (), **chosen: str
    ) -> None:
        form = self.page.locator(f"#step-{step}")
        for name, value in (fill or {}).items():
            form.locator(f"[name={name}]").fill(value)
        for name, value in chosen.items():
            form.locator(f"select[name={name}]").select_option(value)
        for tick in ticks:
            form.locator(f"#{tick}").check()
        form.locator("button[type=submit]").click()
        self.page.wait_for_load_state()
        self.check()

    def open_extras(self) -> None:
        """Unfold the less common steps (a <details> element: no script needed)."""
        extras = self.page.locator("#other-changes")
        if extras.count() and extras.get_attribute("open") is None:
            extras.locator("summary").click()

    def said(self) -> str:
        return str(self.page.locator("#done").inner_text())

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / name))


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("RR_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_harness_reports_a_known_fault(chromium: Any) -> None:
    page = chromium.new_page()
    page.set_content('<!doctype html><html lang="en"><title>t</title><main><img src="x.png"></main></html>')
    assert "image-alt" in [v["id"] for v in violations(page)]
    page.close()


def other_cases(rig: Any) -> None:
    """An overdue case (red) and one due soon (amber), recorded through the service layer."""
    rig.at(datetime(2026, 11, 2, 9, 0))
    commands.case_open(rig.app, "RR-2026-090", date(2026, 10, 26), date(2026, 10, 23), "la", summary="x")
    rig.later()
    commands.case_open(rig.app, "RR-2026-095", date(2026, 11, 2), date(2026, 11, 2), "health", summary="y")


def more_cases(rig: Any) -> None:
    """Two cases referred on Thursday 12 and Friday 13 November: amber, and green once scoping went out
    and the meeting was set."""
    rig.at(datetime(2026, 11, 13, 11, 0))
    commands.case_open(rig.app, "RR-2026-102", date(2026, 11, 12), date(2026, 11, 12), "school", summary="z")
    rig.later()
    commands.case_open(rig.app, "RR-2026-103", date(2026, 11, 13), date(2026, 11, 13), "police", summary="w")
    rig.later()
    commands.scoping_send(rig.app, "RR-2026-103", ["la", "police", "health"])
    commands.sin_notified(rig.later().app, "RR-2026-103")
    commands.meeting_schedule(
        rig.later().app, "RR-2026-103", date(2026, 11, 25), None, "in_person", None, None
    )


def test_a_case_from_referral_to_closure_in_the_browser(rig: Any, chromium: Any, shots: Path) -> None:
    """Planted bug caught: a form field's label not tied to its input (axe's `label` rule)."""
    setup.person_add(rig.app, "coord", "Cora Coordinator", "cora@lscp.example", ["coordinator"])
    other_cases(rig)
    report = rig.home.parent / "RR-2026-101 report final.docx"
    report.write_bytes(b"PK the finished report")
    rig.at(datetime(2026, 11, 2, 10, 0))
    with identity_provider() as issuer, serving(rig.app, oidc_settings(issuer)) as base:
        page = chromium.new_page(viewport={"width": 1200, "height": 1100})
        walk = Walk(page, base, shots)
        page.goto(base + "/board")
        assert page.url.startswith(issuer)  # off to the identity provider
        page.fill("input[name=sub]", "cora@lscp.example")
        page.click("button:has-text('Authorize')")
        page.wait_for_load_state()
        assert page.url == base + "/board"
        walk.check()

        page.click("text=Open a case")
        page.wait_for_load_state()
        walk.check()
        form = page.locator("#step-open")
        for name, value in {
            "ref": REF,
            "received": "02/11/2026",
            "aware": "2026-11-02",
            "summary": "Serious injury to an infant; neglect suspected.",
            "child_name": CHILD,
            "child_dob": "2025-06-01",
        }.items():
            form.locator(f"[name={name}]").fill(value)
        form.locator("select[name=referrer]").select_option("police")
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        walk.check()
        assert page.url == f"{base}/case/{REF}"
        assert page.title() == f"Case {REF} – Rapid Reviews"
        assert "AE, born Sunday 1 June 2025" in page.locator("dl.summary").first.inner_text()
        assert CHILD not in page.content()

        rig.at(datetime(2026, 11, 3, 10, 0))
        walk.record("scoping-send", ticks=("scoping-send-la", "scoping-send-police", "scoping-send-health"))
        assert (
            f"{REF}: scoping template sent to health, la, police. Now: scoping with agencies." in walk.said()
        )
        walk.record("sin", {"reference": "SIN-2026-0456"})
        for agency in ("la", "police", "health"):
            walk.record("scoping-returned", agency=agency)
            walk.record("records-secured", agency=agency)
        walk.record("meeting-schedule", {"date": "2026-11-12", "time": "10:00", "location": "Room 2"})
        assert "meeting set for Thursday 12 November 2026" in walk.said()
        walk.record("meeting-pack")
        pack = walk.said()
        assert pack.startswith(
            f"{REF}: meeting pack with 0 document(s)\nmissing: Serious incident referral form"
        )

        rig.at(datetime(2026, 11, 12, 15, 0))
        page.reload()
        walk.record("meeting-held", {"attendees": "la:A Smith\npolice:DS Jones"})
        error = page.locator(".error-summary").inner_text()
        assert "the meeting is not quorate: no representative of" in error
        assert page.title() == f"Error: case {REF} – Rapid Reviews"
        page.locator("#step-meeting-held").scroll_into_view_if_needed()
        walk.shot("web-form-error.png")  # the form as it came back: its error line, what was typed
        walk.record("meeting-held", {"attendees": "la:A Smith\npolice:DS Jones\nhealth:Dr Patel"})
        assert "(quorate)" in walk.said()
        walk.record(
            "decide",
            {
                "rationale": "Learning is local to the agencies involved.",
                "actions": "la: safety plan for siblings",
            },
            outcome="local_cspr",
        )
        # the review that follows: a recommendation of it goes on the actions register
        walk.record(
            "review-recommend",
            {"text": "Joint training on infant injuries.", "due": "2027-03-31"},
            agency="health",
        )
        assert "recommendation added to the actions register as action" in walk.said()
        # the immediate action agreed at the meeting, recorded done from its page on the register
        walk.go(f"/actions?case={REF}")
        assert page.locator("#register tbody tr").count() == 2
        page.locator("#register tbody tr", has_text="safety plan for siblings").locator("a").first.click()
        page.wait_for_load_state()
        walk.check()
        walk.shot("web-action.png")
        walk.record("done", {"evidence": "Safety plan agreed with the family on 12 November."})
        assert walk.said().endswith("done on 2026-11-12 (on time).")
        walk.go(f"/actions?case={REF}")
        walk.shot("web-actions.png")
        page.goto(f"{base}/case/{REF}")
        rig.at(datetime(2026, 11, 13, 10, 0))
        page.reload()
        walk.record("endorse", {"by": "Independent Chair"})
        walk.open_extras()
        page.locator("#step-doc-add select[name=kind]").select_option("rapid_review_report")
        page.locator("#step-doc-add input[name=file]").set_input_files(str(report))
        page.locator("#step-doc-add button[type=submit]").click()
        page.wait_for_load_state()
        walk.check()
        walk.record("submit")
        assert "report sent to the National Panel" in walk.said()
        walk.record("outcome-shared")
        walk.record("panel-response", {"questions": "Why not a national review?"}, agrees="no")
        said = walk.said()
        assert "the Panel's response recorded (it does not agree, with questions)" in said, said
        walk.record("panel-answered")
        assert "the answer to the Panel recorded" in walk.said()
        walk.record("close")
        assert f"{REF}: case closed. Now: closed." in walk.said()
        assert page.locator("h1").inner_text() == f"Case {REF} closed"
        page.evaluate("window.scrollTo(0, 0)")
        walk.shot("web-case.png")

        more_cases(rig)
        for path in (f"/history/{REF}", "/agenda", "/actions", "/agencies", "/people", "/outbox", "/reports"):
            walk.go(path)
        page.locator("#annual").scroll_into_view_if_needed()
        page.evaluate("document.getElementById('annual').scrollIntoView()")
        walk.shot("web-annual-report.png")
        for path in ("/board",):
            walk.go(path)
        walk.shot("web-board.png")
        page.emulate_media(media="print")
        page.goto(f"{base}/case/{REF}")
        forms_shown = page.locator(".steps").all()
        assert forms_shown and not any(section.is_visible() for section in forms_shown)  # not printed

    assert rig.case_row(REF)["state"] == "closed"
    assert rig.verify() == (rig.scalar("SELECT count(*) FROM audit_events"), None)
    actors = {r["actor"] for r in rig.rows("SELECT actor FROM audit_events WHERE case_ref = :r", r=REF)}
    assert actors == {"coord"}
    assert CHILD not in " ".join(walk.checked)
