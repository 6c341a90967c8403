"""The actions register on the web: the list as `rr actions list` filters it (overdue first), each
action's steps as forms (`rr action done | drop | due | impact | reopen`) and a review's recommendation
(`rr review recommend`), through the same service functions, with the same one-line refusals; a manager
is offered no form and cannot post one (SQLite; PostgreSQL too with RR_TEST_DATABASE_URL).

The rig's case RR-1 was received Monday 2 November 2026; its meeting is held on Thursday 12 November and
decides a local CSPR with two immediate actions (la, police). The schedule's [actions] rule gives them
20 working days: due Thursday 10 December 2026 (counted by hand: no bank holiday between).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pytest
from web_rig import BOSS_EMAIL, COORD_EMAIL, Client, step_form

from rr_workflow.service import actions, commands, reviews


def decided(rig: Any) -> dict[str, int]:
    """RR-1 decided on Thursday 12 November with two immediate actions; their ids by owner."""
    commands.sin_notified(rig.later().app, "RR-1")
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 12), None, "in_person", None, None)
    rig.at(datetime(2026, 11, 12, 15, 0))
    commands.meeting_held(rig.app, "RR-1", ["la:A Smith", "police:DS Jones", "health:Dr Patel"])
    commands.decide(
        rig.later().app,
        "RR-1",
        "local_cspr",
        "learning for the partnership",
        ["la: safety plan for the siblings", "police: joint visit protocol"],
    )
    rows = rig.rows("SELECT id, owner FROM actions ORDER BY number")
    return {row["owner"]: row["id"] for row in rows}


def signed_in(web: str, email: str = COORD_EMAIL) -> Client:
    client = Client(web)
    client.sign_in(email)
    return client


def said(client: Client, response: Any) -> str:
    assert response.status_code == 303, response.text[:2000]
    page = client.get(response.headers["location"]).text
    found = re.search(r'<div class="banner" role="status" id="done">(.*?)</div>', page, re.S)
    assert found, page[:2000]
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def register_rows(page: str) -> list[tuple[str, str]]:
    """(action ID, status) of each row of the register, top to bottom."""
    body = page.split('<table class="table" id="register">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/action/(\d+)".*?<span class="tag [^"]+">(\w+)</span>', body, re.S)


def status(rig: Any, action_id: int) -> dict[str, Any]:
    """The action's row, dates as text (SQLite gives text, PostgreSQL dates)."""
    row = rig.rows("SELECT status, done_on, evidence, due FROM actions WHERE id = :i", i=action_id)[0]
    return {key: None if value is None else str(value) for key, value in row.items()}


def test_the_register_puts_overdue_first_and_filters_as_the_cli_does(web: str, people: Any) -> None:
    """Planted bug caught: the register in the service's order (by due date: the recommendation done,
    due first, would lead; the overdue action after it)."""
    ids = decided(people)
    rig = people
    rig.at(datetime(2026, 11, 20, 10, 0))
    recommended = reviews.recommend(rig.app, "RR-1", "health", "audit of referrals", date(2026, 11, 30))
    actions.done(rig.later().app, recommended, "audit done")
    actions.set_due(rig.later().app, ids["police"], date(2027, 1, 15), "protocol needs the CPS")
    rig.at(datetime(2026, 12, 14, 10, 0))  # Monday: the la action (due 10 December) is overdue
    client = signed_in(web)
    page = client.get("/actions").text
    assert register_rows(page) == [
        (str(ids["la"]), "Overdue"),
        (str(recommended), "Done"),
        (str(ids["police"]), "Open"),
    ]
    assert "Thu 10 Dec 2026" in page
    assert register_rows(client.get("/actions?agency=police").text) == [(str(ids["police"]), "Open")]
    assert register_rows(client.get("/actions?overdue=yes").text) == [(str(ids["la"]), "Overdue")]
    assert register_rows(client.get("/actions?status=done&case=rr-1").text) == [(str(recommended), "Done")]
    assert "No actions match these filters." in client.get("/actions?case=RR-9").text
    refused = client.get("/actions?status=late")
    assert refused.status_code == 400
    assert "status is &#39;late&#39;: expected one of open, overdue, done, dropped" in refused.text


def test_an_action_is_recorded_done_with_its_evidence_document(web: str, people: Any) -> None:
    ids = decided(people)
    people.at(datetime(2026, 12, 1, 10, 0))
    client = signed_in(web)
    la = ids["la"]
    page = client.get(f"/action/{la}").text
    assert "Action 1 of case RR-1" in page and "safety plan for the siblings" in page
    csrf = client.csrf(f"/action/{la}")
    done = client.post(
        f"/action/{la}/done",
        data={"csrf": csrf, "evidence": "plan agreed with the family", "on": "30/11/2026"},
        files={"file": ("safety plan.pdf", b"%PDF-1.4 the plan", "application/pdf")},
    )
    assert said(client, done) == f"action {la}: done on 2026-11-30 (on time)."
    assert status(people, la) == {
        "status": "done",
        "done_on": "2026-11-30",
        "evidence": "plan agreed with the family",
        "due": "2026-12-10",
    }
    kinds = people.rows("SELECT kind, filename FROM documents WHERE kind = 'action_evidence'")
    assert kinds == [{"kind": "action_evidence", "filename": "safety plan.pdf"}]
    trail = people.rows("SELECT actor, action FROM audit_events WHERE action = 'action_done'")
    assert trail == [{"actor": "coord", "action": "action_done"}]
    shown = client.get(f"/action/{la}").text
    assert "Monday 30 November 2026 (on time)" in shown
    assert 'id="step-impact"' in shown and 'id="step-done"' not in shown  # done: only its impact now
    noted = client.post(
        f"/action/{la}/impact", data={"csrf": csrf, "note": "no further incident in three months"}
    )
    assert said(client, noted) == f"action {la}: impact noted."


def test_bad_input_is_the_clis_one_line_and_nothing_is_saved(web: str, people: Any) -> None:
    ids = decided(people)
    people.at(datetime(2026, 12, 1, 10, 0))
    client = signed_in(web)
    la = ids["la"]
    csrf = client.csrf(f"/action/{la}")
    no_evidence = client.post(f"/action/{la}/done", data={"csrf": csrf, "impact": "some"})
    assert no_evidence.status_code == 400
    assert "give the evidence it is done: --evidence NOTE, --file DOCUMENT, or both" in no_evidence.text
    assert "<title>Error: action" in no_evidence.text
    assert ">some</textarea>" in no_evidence.text  # what was typed is shown again
    future = client.post(f"/action/{la}/done", data={"csrf": csrf, "evidence": "x", "on": "2026-12-02"})
    assert future.status_code == 400
    assert "2026-12-02 is in the future (today is 2026-12-01)" in future.text
    moved = client.post(f"/action/{la}/due", data={"csrf": csrf, "due": "2027-01-15"})
    assert moved.status_code == 400
    assert f"action {la} is due 2026-12-10: give the reason it changes (--reason)" in moved.text
    no_reason = client.post(f"/action/{la}/drop", data={"csrf": csrf, "reason": " "})
    assert no_reason.status_code == 400
    assert "give the reason the action is dropped (--reason)" in no_reason.text
    assert status(people, la)["status"] == "open" and status(people, la)["due"] == "2026-12-10"
    changed = client.post(
        f"/action/{la}/due", data={"csrf": csrf, "due": "2027-01-15", "reason": "training moved"}
    )
    assert said(client, changed) == f"action {la}: due 2027-01-15 (was 2026-12-10)."
    dropped = client.post(f"/action/{la}/drop", data={"csrf": csrf, "reason": "family moved away"})
    assert said(client, dropped) == f"action {la}: dropped on 2026-12-01."


def test_an_action_dropped_by_mistake_is_reopened_with_its_reason(web: str, people: Any) -> None:
    """A done or dropped action offers `rr action reopen` as a form; the reason is required (the CLI's
    one line, nothing saved) and the action is open again with its due date (planted bug guarded: the
    form offered only for done actions, or reopening without the reason)."""
    ids = decided(people)
    people.at(datetime(2026, 12, 1, 10, 0))
    police = ids["police"]
    actions.drop(people.later().app, police, "superseded")
    client = signed_in(web)
    page = client.get(f"/action/{police}").text
    assert 'id="step-reopen"' in page and 'id="step-done"' not in page
    assert "It was recorded dropped by mistake" in page
    csrf = client.csrf(f"/action/{police}")
    no_reason = client.post(f"/action/{police}/reopen", data={"csrf": csrf, "reason": ""})
    assert no_reason.status_code == 400
    assert "give the reason the action is reopened (--reason)" in no_reason.text
    assert status(people, police)["status"] == "dropped"
    reopened = client.post(f"/action/{police}/reopen", data={"csrf": csrf, "reason": "dropped the wrong one"})
    assert said(client, reopened) == f"action {police}: reopened (was dropped); open again, due 2026-12-10."
    assert status(people, police) == {
        "status": "open",
        "done_on": None,
        "evidence": None,
        "due": "2026-12-10",
    }
    trail = people.rows("SELECT actor, action FROM audit_events WHERE action LIKE 'action_re%'")
    assert trail == [{"actor": "coord", "action": "action_reopened"}]


def test_an_action_recorded_meanwhile_by_someone_else_is_refused(web: str, people: Any) -> None:
    ids = decided(people)
    people.at(datetime(2026, 12, 1, 10, 0))
    client = signed_in(web)
    police = ids["police"]
    csrf = client.csrf(f"/action/{police}")  # the page read with the action open
    actions.drop(people.later().app, police, "superseded")  # someone else, meanwhile
    late = client.post(f"/action/{police}/done", data={"csrf": csrf, "evidence": "signed"})
    assert late.status_code == 409
    assert f"action {police} is already dropped" in late.text
    assert status(people, police)["status"] == "dropped"


def test_a_recommendation_of_the_review_goes_on_the_register(web: str, people: Any) -> None:
    decided(people)
    people.at(datetime(2026, 11, 20, 10, 0))
    client = signed_in(web)
    page = client.get("/case/RR-1").text
    assert 'id="step-review-recommend"' in page
    form = {**step_form(client), "agency": "health", "text": "audit of referrals", "due": "2027-03-31"}
    refused = client.post("/step/review-recommend/RR-1", data={**form, "agency": "", "due": "2027-03-31"})
    assert refused.status_code == 400
    assert "no agency &#39;&#39; (rr agency list shows them)" in refused.text
    added = client.post("/step/review-recommend/RR-1", data={**step_form(client), **form})
    new_id = people.scalar("SELECT max(id) FROM actions")
    assert said(client, added) == (
        f"RR-1: recommendation added to the actions register as action {new_id}, due Wednesday 31 March 2027"
    )
    row = people.rows("SELECT kind, agency, due FROM actions WHERE id = :i", i=new_id)[0]
    assert (row["kind"], row["agency"], str(row["due"])) == ("recommendation", "health", "2027-03-31")
    assert f'href="/action/{new_id}">Recommendation 3</a>' in client.get("/case/RR-1").text


class TestAManagerCannotRecord:
    def test_no_form_is_offered_and_a_posted_step_is_refused(self, web: str, people: Any) -> None:
        """Planted bug caught: the action's forms offered (and the step run) whatever the person's
        role; the service's role check is what refuses the post."""
        ids = decided(people)
        people.at(datetime(2026, 12, 1, 10, 0))
        manager = signed_in(web, BOSS_EMAIL)
        la = ids["la"]
        page = manager.get(f"/action/{la}").text
        assert 'action="/action/' not in page
        assert manager.get("/actions").status_code == 200  # a manager reads the register
        csrf = manager.csrf(f"/action/{la}")
        for step, data in {
            "done": {"evidence": "plan agreed"},
            "drop": {"reason": "no longer needed"},
            "due": {"due": "2027-01-15", "reason": "moved"},
        }.items():
            refused = manager.post(f"/action/{la}/{step}", data={"csrf": csrf, **data})
            assert refused.status_code == 409, step
            assert "this needs the coordinator role; &#39;boss&#39; has: manager" in refused.text
        assert status(people, la) == {
            "status": "open",
            "done_on": None,
            "evidence": None,
            "due": "2026-12-10",
        }
        before = people.scalar("SELECT count(*) FROM actions")
        case_page = manager.get("/case/RR-1").text
        assert 'id="step-review-recommend"' not in case_page
        recommend = manager.post(
            "/step/review-recommend/RR-1",
            data={
                "csrf": manager.csrf("/case/RR-1"),
                "agency": "la",
                "text": "training",
                "due": "2027-03-31",
            },
        )
        assert recommend.status_code == 409
        assert "this needs the coordinator role; &#39;boss&#39; has: manager" in recommend.text
        assert people.scalar("SELECT count(*) FROM actions") == before

    @pytest.mark.parametrize("token", [None, "stale-token"])
    def test_an_action_form_without_a_valid_csrf_token_is_refused(
        self, web: str, people: Any, token: str | None
    ) -> None:
        ids = decided(people)
        people.at(datetime(2026, 12, 1, 10, 0))
        client = signed_in(web)
        data = {"evidence": "plan agreed"} | ({"csrf": token} if token else {})
        refused = client.post(f"/action/{ids['la']}/done", data=data)
        assert refused.status_code == 403
        assert status(people, ids["la"])["status"] == "open"
