"""The web front end's sign-in and forms, attacked from outside: a real OpenID Connect provider on
127.0.0.1 (oidc-provider-mock), the real app under uvicorn, requests over TCP (SQLite; PostgreSQL too
with RR_TEST_DATABASE_URL). Nothing here goes through a browser; test_web_browser.py does.

The case of these tests (the rig's) was received Monday 2 November 2026 and its scoping templates went
to la, police and health on Tuesday 3 November; the clock stands at Tuesday 3 November 10:00.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from web_rig import BOSS_EMAIL, COORD_EMAIL, Client, WallClock, serving, step_form

from rr_workflow.service import commands
from rr_workflow.web import session
from rr_workflow.web.settings import HEADER, WebSettings


def audit_count(rig: Any, action: str) -> int:
    return int(rig.scalar("SELECT count(*) FROM audit_events WHERE action = :a", a=action))


def cookie_data(cookie: str) -> dict[str, Any]:
    """What a session cookie holds (base64 JSON, then its timestamp and signature)."""
    payload = cookie.split(".")[0]
    return dict(json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4))))


def sin_recorded(rig: Any) -> bool:
    return rig.case_row("RR-1")["sin_notified_on"] is not None


class TestSignIn:
    def test_a_visitor_is_sent_to_sign_in_and_comes_back_to_the_page_asked_for(self, web: str) -> None:
        client = Client(web)
        first = client.get("/case/RR-1")
        assert (first.status_code, first.headers["location"]) == (303, "/sign-in?next=%2Fcase%2FRR-1")
        back = client.sign_in(COORD_EMAIL, "/case/RR-1")
        assert (back.status_code, back.headers["location"]) == (303, "/case/RR-1")
        page = client.get("/case/RR-1")
        assert page.status_code == 200
        assert "Cora Coordinator (admin, coordinator)" in page.text

    def test_the_session_cookie_is_signed_httponly_secure_and_samesite(self, web: str) -> None:
        client = Client(web)
        client.sign_in(COORD_EMAIL)
        flags = [part.strip().lower() for part in client.last_set_cookie.split(";")[1:]]
        assert {"httponly", "secure", "samesite=lax"} <= set(flags)
        assert "max-age=1800" in flags  # the idle timeout (30 minutes)

    def test_every_page_carries_the_security_headers(self, web: str) -> None:
        client = Client(web)
        client.sign_in(COORD_EMAIL)
        page = client.get("/case/RR-1")
        csp = page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["cache-control"] == "no-store"
        assert "<script" not in page.text  # no inline script to need 'unsafe-inline'

    def test_someone_not_registered_is_refused_with_one_line(self, web: str) -> None:
        back = Client(web).sign_in("stranger@elsewhere.example")
        assert back.status_code == 403
        assert (
            "nobody is registered with the e-mail address &#39;stranger@elsewhere.example&#39;: "
            "an admin must add them (rr person add)" in back.text
        )

    def test_a_session_idle_for_longer_than_the_timeout_is_signed_out(
        self, web: str, wall: WallClock
    ) -> None:
        """Planted bug caught: the idle check compared with `<` the wrong way round (never expired)."""
        client = Client(web)
        client.sign_in(COORD_EMAIL)
        wall.now += 29 * 60
        assert client.get("/board").status_code == 200  # used: the 30 minutes start again
        wall.now += 29 * 60
        assert client.get("/board").status_code == 200
        wall.now += 31 * 60
        gone = client.get("/board")
        assert (gone.status_code, gone.headers["location"]) == (303, "/sign-in?next=%2Fboard")

    def test_sign_out_ends_the_session(self, web: str) -> None:
        client = Client(web)
        client.sign_in(COORD_EMAIL)
        out = client.post("/sign-out", data={"csrf": client.csrf()})
        assert (out.status_code, out.headers["location"]) == (303, "/signed-out")
        assert client.get("/board").status_code == 303


class TestSessionFixationAndOpenRedirect:
    def test_a_session_planted_before_sign_in_is_worth_nothing_after_it(self, web: str, people: Any) -> None:
        """The attacker's own session (its CSRF token readable: the cookie is signed, not encrypted) is
        planted in the victim's browser; the victim signs in with it. Planted bug caught: sign-in that
        kept the session it found, CSRF token and all (update instead of clear and a new token)."""
        victim = Client(web)
        victim.get("/signed-out")  # the attacker's visit: a session with a CSRF token
        planted = victim.cookie
        assert planted
        planted_token = cookie_data(planted)["csrf"]
        victim.get("/sign-in")
        victim.sign_in(COORD_EMAIL)  # the victim signs in carrying the planted cookie
        assert victim.cookie != planted
        attacker = Client(web)
        attacker.cookie = planted
        assert attacker.get("/board").status_code == 303  # the planted cookie is still not signed in
        forged = victim.post("/step/sin/RR-1", data={**step_form(victim), "csrf": planted_token})
        assert forged.status_code == 403  # the token the attacker knows does not work in the new session
        assert not sin_recorded(people)

    @pytest.mark.parametrize(
        "target",
        [
            "https://evil.example/board",
            "//evil.example/board",
            "/\\evil.example",
            "http:/evil.example",
            "board",
        ],
    )
    def test_after_sign_in_only_a_path_on_this_site_is_followed(self, web: str, target: str) -> None:
        back = Client(web).sign_in(COORD_EMAIL, target)
        assert (back.status_code, back.headers["location"]) == (303, "/board")

    def test_safe_next_keeps_paths_with_their_query(self) -> None:
        assert session.safe_next("/agenda?days=10") == "/agenda?days=10"
        assert session.safe_next("/case/RR/2026/1") == "/case/RR/2026/1"
        assert session.safe_next(None) == "/board"


class TestForms:
    def test_a_form_without_a_csrf_token_is_refused_and_nothing_is_saved(self, web: str, people: Any) -> None:
        client = Client(web)
        client.sign_in(COORD_EMAIL)
        form = step_form(client)
        del form["csrf"]
        refused = client.post("/step/sin/RR-1", data=form)
        assert refused.status_code == 403
        assert "the form has expired or did not come from this site: nothing was saved" in refused.text
        assert not sin_recorded(people)

    def test_a_stale_csrf_token_from_an_earlier_session_is_refused(self, web: str, people: Any) -> None:
        """Planted bug caught: a CSRF check that only tested the field was present."""
        client = Client(web)
        client.sign_in(COORD_EMAIL)
        stale = step_form(client)
        client.post("/sign-out", data={"csrf": stale["csrf"]})
        client.sign_in(COORD_EMAIL)
        refused = client.post("/step/sin/RR-1", data=stale)
        assert refused.status_code == 403
        assert not sin_recorded(people)
        fresh = step_form(client)
        done = client.post("/step/sin/RR-1", data=fresh)
        assert (done.status_code, done.headers["location"]) == (303, "/case/RR-1#done")
        assert sin_recorded(people)

    def test_a_manager_cannot_post_a_coordinators_step(self, web: str, people: Any) -> None:
        manager = Client(web)
        manager.sign_in(BOSS_EMAIL)
        page = manager.get("/case/RR-1")
        assert 'action="/step/' not in page.text  # no step is offered to a manager
        refused = manager.post("/step/sin/RR-1", data={"csrf": manager.csrf("/case/RR-1")})
        assert refused.status_code == 409
        assert "this needs the coordinator role; &#39;boss&#39; has: manager" in refused.text
        assert not sin_recorded(people)

    def test_bad_input_shows_the_clis_one_line_and_saves_nothing(self, web: str, people: Any) -> None:
        client = Client(web)
        client.sign_in(COORD_EMAIL)
        form = {**step_form(client), "agency": "police", "on": "2026-11-20"}
        refused = client.post("/step/scoping-returned/RR-1", data=form)
        assert refused.status_code == 400
        assert "2026-11-20 is in the future (today is 2026-11-03)" in refused.text
        assert "<title>Error: case RR-1 – Rapid Reviews</title>" in refused.text
        assert 'value="2026-11-20"' in refused.text  # what was typed is shown again
        assert people.rows("SELECT returned_on FROM involvements WHERE agency = 'police'") == [
            {"returned_on": None}
        ]

    def test_a_change_made_since_the_page_was_read_is_the_clis_conflict(self, web: str, people: Any) -> None:
        """Planted bug caught: the form's version not passed to the unit of work (the step went through
        on top of the other person's change)."""
        client = Client(web)
        client.sign_in(COORD_EMAIL)
        seen = step_form(client)
        commands.records_secured(people.later().app, "RR-1", "la")  # someone else, meanwhile
        conflict = client.post("/step/sin/RR-1", data=seen)
        assert conflict.status_code == 409
        assert (
            "the case was changed by someone else at the same time: nothing was saved; look at it again "
            "(rr case show) and repeat the command" in conflict.text
        )
        assert not sin_recorded(people)
        again = client.post("/step/sin/RR-1", data=step_form(client))
        assert again.status_code == 303
        assert sin_recorded(people)

    def test_every_view_of_a_case_is_audited_as_case_show_is(self, web: str, people: Any) -> None:
        client = Client(web)
        client.sign_in(COORD_EMAIL)
        before = audit_count(people, "case_viewed")
        client.get("/case/RR-1")
        client.get("/case/rr-1")  # typed in another case: the same case
        assert audit_count(people, "case_viewed") == before + 2
        viewers = people.rows(
            "SELECT actor, case_ref FROM audit_events WHERE action = 'case_viewed' ORDER BY id DESC LIMIT 2"
        )
        assert viewers == [{"actor": "coord", "case_ref": "RR-1"}] * 2

    def test_a_document_downloads_as_stored_and_the_read_is_audited(self, web: str, people: Any) -> None:
        client = Client(web)
        client.sign_in(COORD_EMAIL)
        report = people.attach_report("RR-1")
        page = client.get("/case/RR-1").text
        link = re.search(r'href="(/document/\d+/RR-1)" download>RR-1 Rapid Review report final.docx', page)
        assert link
        got = client.get(link.group(1))
        assert got.status_code == 200
        assert got.content == report.read_bytes()
        assert got.headers["content-disposition"] == (
            "attachment; filename*=UTF-8''RR-1%20Rapid%20Review%20report%20final.docx"
        )
        assert audit_count(people, "document_viewed") == 1


class TestTrustedProxy:
    """Header mode: the proxy at 127.0.0.3 says who signed in; nobody else can."""

    @pytest.fixture
    def proxied(self, people: Any) -> Iterator[str]:
        settings = WebSettings(secret_key="k" * 32, auth=HEADER, trusted_proxies=("127.0.0.3",))
        with serving(people.app, settings) as base:
            yield base

    def test_the_header_from_the_proxy_signs_the_person_in(self, proxied: str) -> None:
        proxy = Client(proxied, local_address="127.0.0.3")
        page = proxy.get("/board", headers={"X-Remote-User": COORD_EMAIL})
        assert page.status_code == 200
        assert "Cora Coordinator (admin, coordinator)" in page.text

    def test_a_forged_header_from_another_address_is_ignored(self, proxied: str, people: Any) -> None:
        """Planted bug caught: the header believed whatever the client address."""
        forger = Client(proxied, local_address="127.0.0.1")
        page = forger.get("/board", headers={"X-Remote-User": COORD_EMAIL})
        assert page.status_code == 401
        assert "Cora Coordinator" not in page.text
        forwarded = forger.get(
            "/board", headers={"X-Remote-User": COORD_EMAIL, "X-Forwarded-For": "127.0.0.3"}
        )
        assert forwarded.status_code == 401
        posted = forger.post("/step/sin/RR-1", headers={"X-Remote-User": COORD_EMAIL}, data={"csrf": "x"})
        assert posted.status_code == 401
        assert not sin_recorded(people)


def test_settings_with_a_wrong_value_are_one_line(tmp_path: Any) -> None:
    from rr_workflow.domain.errors import BadInput
    from rr_workflow.web.settings import from_environment

    with pytest.raises(BadInput, match=r"^sign-in by OpenID Connect needs RR_OIDC_ISSUER, RR_OIDC_CLIENT_ID"):
        from_environment(tmp_path, {})
    with pytest.raises(BadInput, match=r"^RR_WEB_AUTH=header needs RR_WEB_TRUSTED_PROXY"):
        from_environment(tmp_path, {"RR_WEB_AUTH": "header"})
    with pytest.raises(BadInput, match=r"^RR_WEB_TRUSTED_PROXY: 'proxy.example' is not an address"):
        from_environment(tmp_path, {"RR_WEB_AUTH": "header", "RR_WEB_TRUSTED_PROXY": "proxy.example"})
    made = from_environment(tmp_path, {"RR_WEB_AUTH": "header", "RR_WEB_TRUSTED_PROXY": "10.0.0.0/24"})
    assert made.proxy_trusted("10.0.0.7") and not made.proxy_trusted("10.0.1.7")
    assert replace(made, trusted_proxies=()).proxy_trusted("10.0.0.7") is False
    assert (tmp_path / "web-session.key").stat().st_mode & 0o777 == 0o600
