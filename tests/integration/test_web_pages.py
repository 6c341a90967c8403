"""The web front end's pages beyond sign-in: every recording step of the CLI has a form; the agenda, the
reports, the outgoing mail, the meeting pack, agencies and people, each through the same service
function as its command and refused with the same one line (SQLite; PostgreSQL too with
RR_TEST_DATABASE_URL). The rig's case RR-1 was received Monday 2 November 2026, its templates sent to
la, police and health on Tuesday 3 November; the clock stands at Tuesday 3 November 10:00."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from click.testing import CliRunner
from web_rig import COORD_EMAIL, Client, step_form

from rr_workflow.cli.app import cli
from rr_workflow.domain.stages import COMMANDS, REVIEW_COMMANDS
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


# Every command of `rr`, written out by hand: where the web records it (the form's step and the route it
# is posted to), or why it is not a step a coordinator records (a read the pages show, or the operator's).
WEB_FORMS = {
    "case open": ("/cases/new", None),
    **{
        command: ("/step/{step}/{ref}", step)
        for command, step in {
            "sin notified": "sin",
            "scoping send": "scoping-send",
            "scoping returned": "scoping-returned",
            "records secured": "records-secured",
            "meeting schedule": "meeting-schedule",
            "meeting held": "meeting-held",
            "meeting inquorate": "meeting-inquorate",
            "meeting pack": "meeting-pack",
            "decide": "decide",
            "endorse": "endorse",
            "submit": "submit",
            "outcome shared": "outcome-shared",
            "panel response": "panel-response",
            "panel answered": "panel-answered",
            "close": "close",
            "decline": "decline",
            "extend": "extend",
            "waive": "waive",
            "doc add": "doc-add",
            "correct": "correct",
            "undo": "undo",
            "review appoint": "review-appoint",
            "review tor-agreed": "review-tor-agreed",
            "review checkpoint": "review-checkpoint",
            "review draft": "review-draft",
            "review final-sent": "review-final-sent",
            "review published": "review-published",
            "review not-published": "review-not-published",
            "review panel-decision": "review-panel-decision",
            "review extend": "review-extend",
            "review recommend": "review-recommend",
        }.items()
    },
    "action done": ("/action/{action_id:int}/{step}", "done"),
    "action drop": ("/action/{action_id:int}/{step}", "drop"),
    "action due": ("/action/{action_id:int}/{step}", "due"),
    "action impact": ("/action/{action_id:int}/{step}", "impact"),
    "action reopen": ("/action/{action_id:int}/{step}", "reopen"),
    **{f"agency {verb}": ("/agencies", verb) for verb in ("add", "edit", "deactivate", "activate")},
    **{f"person {verb}": ("/people", verb) for verb in ("add", "edit", "deactivate", "activate", "revoke")},
    "outbox retry": ("/outbox", None),
}
READS = {  # shown by a page (or not a case's business), nothing recorded
    "actions list", "agency list", "person list", "case list", "case show", "doc list", "due", "history",
    "outbox list", "review show", "review list", "report annual", "report chart", "report compliance",
    "report html", "report timeline", "process diagram", "calendar add", "calendar between",
    "calendar holidays", "calendar window", "schedule check", "schedule show", "settings check",
    "settings show", "templates check", "templates list", "whoami", "audit verify",
}  # fmt: skip
OPERATORS = {"init", "serve", "daemon", "tick", "demo", "simulate", "import", "outbox send", "audit witness"}


def cli_commands() -> set[str]:
    import click

    from rr_workflow.cli.app import cli

    def walk(group: click.Group, prefix: str, ctx: click.Context) -> set[str]:
        found: set[str] = set()
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if isinstance(command, click.Group):
                found |= walk(command, f"{prefix}{name} ", click.Context(command, parent=ctx))
            else:
                found.add(prefix + name)
        return found

    return walk(cli, "", click.Context(cli))


def test_every_recording_command_of_the_cli_has_a_form() -> None:
    """A command added to `rr` without a form on the web, or named neither a read nor the operator's,
    fails here. Planted bug caught: `review-recommend` left out of the review's steps."""
    from starlette.routing import Route

    from rr_workflow.web import actions, app

    assert cli_commands() == set(WEB_FORMS) | READS | OPERATORS
    posted = {r.path for r in app.routes() if isinstance(r, Route) and "POST" in (r.methods or ())}
    step_names = {
        "/step/{step}/{ref}": set(steps.STEPS) | set(review_steps.STEPS),
        "/action/{action_id:int}/{step}": set(actions.STEPS),
    }
    case_page = (render.TEMPLATES / "case.html").read_text(encoding="utf-8")
    action_page = (render.TEMPLATES / "action.html").read_text(encoding="utf-8")
    for command, (route, step) in WEB_FORMS.items():
        assert route.replace("/step/{step}/{ref}", "/step/{step}/{ref:path}") in posted, command
        if route in step_names:
            assert step in step_names[route], command
            page = case_page if route.startswith("/step/") else action_page
            assert f'"{step}"' in page, command  # a branch of the page draws its form
    assert set(COMMANDS.values()) == set(forms.STEP_OF_COMMAND)
    assert set(REVIEW_COMMANDS.values()) == set(review_steps.STEP_OF_COMMAND)


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


def test_the_annual_report_sits_beside_the_compliance_report(web: str, people: Any) -> None:
    """`rr report annual --year`: the rig's one case, received in 2026, scoping under way (no decision)."""
    client = signed_in(web)
    page = client.get("/reports").text  # this year (the rig's clock: 2026) when none is asked
    assert "The year 2026 in figures" in page
    funnel = re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td></tr>', page)
    assert funnel[:3] == [
        ("incident notifications", "1"),
        ("Rapid Reviews", "1"),
        ("reports to the National Panel", "0"),
    ]
    assert ("declined", "0") in funnel
    assert '<img src="/reports/annual.svg?year=2026"' in page
    assert "The year 2025 in figures" in client.get("/reports?year=2025").text
    assert "incident notifications</th><td>0<" in client.get("/reports?year=2025").text
    refused = client.get("/reports?year=last")
    assert refused.status_code == 400
    assert "year is &#39;last&#39;: expected a year such as 2026" in refused.text
    too_old = client.get("/reports?year=1800")
    assert too_old.status_code == 400
    assert "--year 1800 is not a year this register can hold (2000 to 2100)" in too_old.text
    chart = client.get("/reports/annual.svg?year=2026")
    assert chart.headers["content-type"] == "image/svg+xml"
    assert b"<title>2026: from incident notification to published review</title>" in chart.content


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


def test_the_attach_form_offers_every_kind_of_document_the_cli_takes(web: str, people: Any) -> None:
    """Written out by hand, in the order offered. Planted: a kind left out of the form (or of
    `rr doc add`), or the form listing kinds under their keys instead of their names."""
    page = signed_in(web).get("/case/RR-1").text
    form = page[page.index('id="h-doc-add"') :]
    form = form[: form.index("</select>")]
    offered = re.findall(r'<option value="([a-z_]+)"[^>]*>([^<]+)</option>', form)
    assert offered == [
        ("referral_form", "Referral form"),
        ("sin", "Serious Incident Notification"),
        ("scoping_return", "Scoping return"),
        ("rapid_review_report", "Rapid Review report (finished)"),
        ("panel_response", "The National Panel&#39;s response"),
        ("panel_answer", "The partnership&#39;s answer to the Panel"),
        ("action_evidence", "Evidence an action is done"),
        ("other", "Other"),
    ]
    help_text = CliRunner().invoke(cli, ["doc", "add", "--help"], terminal_width=200).output
    choices = re.search(r"\{([a-z_|]+)\}", help_text)
    assert choices is not None, help_text
    assert choices.group(1).split("|") == [key for key, _ in offered]
