"""The web front end's pages beyond sign-in: every recording step of the CLI has a form; the agenda, the
reports, the outgoing mail, the meeting pack, agencies and people, each through the same service
function as its command and refused with the same one line (SQLite; PostgreSQL too with
RR_TEST_DATABASE_URL). The rig's case RR-1 was received Monday 2 November 2026, its templates sent to
la, police and health on Tuesday 3 November; the clock stands at Tuesday 3 November 10:00."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from web_rig import COORD_EMAIL, Client, step_form

from rr_workflow.domain import review
from rr_workflow.domain.machine import COMMANDS
from rr_workflow.service import commands
from rr_workflow.web import forms, render, review_steps, steps


def signed_in(web: str) -> Client:
    client = Client(web)
    client.sign_in(COORD_EMAIL)
    return client


def said(client: Client, response: Any) -> str:
    assert response.status_code == 303, response.text[:2000]
    page = client.get(response.headers["location"]).text
    found = re.search(r'<div class="banner" role="status" id="done">(.*?)</div>', page, re.S)
    assert found, page[:2000]
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_every_recording_command_of_the_procedure_has_a_form() -> None:
    """A command added to the state machine without a web form fails here."""
    assert set(COMMANDS.values()) == set(forms.STEP_OF_COMMAND)
    offered = set(forms.STEP_OF_COMMAND.values()) | set(forms.RECORDING_EXTRAS) | set(forms.CORRECTIONS)
    assert offered | {"meeting-pack"} == set(steps.STEPS)
    assert set(review.COMMANDS.values()) == set(review_steps.STEP_OF_COMMAND)
    assert set(review_steps.STEP_OF_COMMAND.values()) | {"review-extend"} == set(review_steps.STEPS)
    text = (render.TEMPLATES / "case.html").read_text(encoding="utf-8")
    for step in [*steps.STEPS, *review_steps.STEPS]:
        assert f'"{step}"' in text, step  # a branch of the case page draws its form


def test_a_step_recorded_says_what_the_cli_says(web: str, people: Any) -> None:
    client = signed_in(web)
    done = client.post("/step/scoping-returned/RR-1", data={**step_form(client), "agency": "police"})
    assert said(client, done) == "RR-1: police returned its template. Now: scoping with agencies."


def test_the_meeting_pack_is_built_from_the_case_page(web: str, people: Any) -> None:
    commands.meeting_schedule(people.later().app, "RR-1", date(2026, 11, 12), None, "in_person", None, None)
    client = signed_in(web)
    assert 'id="step-meeting-pack"' in client.get("/case/RR-1").text
    built = client.post("/step/meeting-pack/RR-1", data=step_form(client))
    assert said(client, built).startswith("RR-1: meeting pack with 0 document(s) missing: ")


def test_an_unknown_case_is_the_clis_one_line(web: str, people: Any) -> None:
    page = signed_in(web).get("/case/RR-9")
    assert page.status_code == 400
    assert "no case &#39;RR-9&#39;" in page.text


def test_the_agenda_lists_the_week_by_day(web: str, people: Any) -> None:
    client = signed_in(web)
    page = client.get("/agenda?days=5").text
    assert "Wednesday 4 November 2026" in page  # the meeting date to be set
    assert "meeting_date_set" in page
    refused = client.get("/agenda?days=lots")
    assert refused.status_code == 400
    assert "days is &#39;lots&#39;: expected a number of working days from 1 to 60" in refused.text


def test_the_compliance_report_takes_a_period_as_the_cli_does(web: str, people: Any) -> None:
    client = signed_in(web)
    assert client.get("/reports?from=2026-11-01&to=30/11/2026").status_code == 200
    refused = client.get("/reports?from=2026-13-01")
    assert refused.status_code == 400
    assert "from: &#39;2026-13-01&#39; is not a date" in refused.text
    chart = client.get("/reports/chart.svg")
    assert chart.headers["content-type"] == "image/svg+xml"
    assert chart.content.lstrip().startswith(b"<?xml")


def test_outgoing_mail_is_listed_and_sent_again(web: str, people: Any) -> None:
    client = signed_in(web)
    assert client.get("/outbox").status_code == 200
    retried = client.post("/outbox", data={"csrf": client.csrf("/outbox"), "which": "dead"})
    assert said(client, retried) == "nothing to send again"


def test_an_admin_adds_an_agency_and_a_bad_key_is_the_clis_one_line(web: str, people: Any) -> None:
    client = signed_in(web)
    form = {
        "csrf": client.csrf("/agencies"),
        "action": "add",
        "name": "St Mary's School",
        "email": "office@stm.example",
    }
    refused = client.post("/agencies", data={**form, "key": "St Marys"})
    assert refused.status_code == 400
    assert (
        "an agency key is lower case letters, digits, - and _ (e.g. police), not &#39;st marys&#39;"
        in refused.text
    )
    assert people.scalar("SELECT count(*) FROM agencies WHERE name = :n", n="St Mary's School") == 0
    added = client.post("/agencies", data={**form, "key": "stmarys"})
    assert said(client, added) == "agency stmarys added"
    assert people.scalar("SELECT email FROM agencies WHERE key = 'stmarys'") == "office@stm.example"


def test_an_admin_changes_a_persons_email_and_a_manager_cannot(web: str, people: Any) -> None:
    client = signed_in(web)
    form = {"csrf": client.csrf("/people"), "action": "edit", "login": "boss", "email": "bo@lscp.example"}
    assert said(client, client.post("/people", data=form)) == "boss: changed email"
    assert people.scalar("SELECT email FROM people WHERE login = 'boss'") == "bo@lscp.example"
    manager = Client(web)
    manager.sign_in("bo@lscp.example")
    page = manager.get("/people").text
    assert 'action="/people"' not in page  # no form for a manager
    others = {**form, "csrf": manager.csrf("/people"), "login": "coord", "email": "x@y.example"}
    refused = manager.post("/people", data=others)
    assert refused.status_code == 409
    assert "this needs the admin role; &#39;boss&#39; has: manager" in refused.text
    assert people.scalar("SELECT email FROM people WHERE login = 'coord'") == COORD_EMAIL


def test_the_review_that_follows_is_recorded_from_the_case_page(web: str, people: Any) -> None:
    """A local CSPR decided: the case page shows the review and its steps, recorded as `rr review` does."""
    rig = people
    app = rig.later().app
    commands.sin_notified(app, "RR-1")
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 12), None, "in_person", None, None)
    rig.at(datetime(2026, 11, 12, 15, 0))
    commands.meeting_held(rig.app, "RR-1", ["la:A Smith", "police:DS Jones", "health:Dr Patel"])
    commands.decide(rig.later().app, "RR-1", "local_cspr", "learning for the partnership")
    client = signed_in(web)
    page = client.get("/case/RR-1").text
    assert 'id="step-review-appoint"' in page
    appointed = client.post(
        "/step/review-appoint/RR-1", data={**step_form(client), "reviewer": "Dr A Reviewer"}
    )
    assert said(client, appointed).startswith("RR-1: review: reviewer appointed. Now: ")
    assert "Dr A Reviewer, appointed Thursday 12 November 2026" in client.get("/case/RR-1").text
