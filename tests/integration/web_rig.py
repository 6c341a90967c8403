"""A real web front end on 127.0.0.1 for the web tests: uvicorn in a thread serving `rr serve`'s app over
the integration rig's database, and a real OpenID Connect provider (oidc-provider-mock) on 127.0.0.1.

`Client` is a browserless visitor (httpx) that keeps the session cookie itself: httpx's cookie jar
would not send a Secure cookie over http, and the app's cookie is always Secure.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from html import unescape
from typing import Any

import httpx
import pytest
import uvicorn

from rr_workflow.service import setup
from rr_workflow.service.app import App
from rr_workflow.web.app import COOKIE, create_app
from rr_workflow.web.settings import WebSettings

CLIENT_ID, CLIENT_SECRET = "rr-web-test", "a-client-secret"
COORD_EMAIL, BOSS_EMAIL = "cora@lscp.example", "boss@lscp.example"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@contextmanager
def identity_provider() -> Iterator[str]:
    """A real OIDC provider on 127.0.0.1; yields its issuer URL."""
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(port=0) as server:
        yield f"http://localhost:{server.server_port}"


@dataclass
class WallClock:
    """The sessions' clock (seconds), moved by hand."""

    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def oidc_settings(issuer: str, **more: Any) -> WebSettings:
    return WebSettings(
        secret_key="test-secret-key-not-for-use",
        oidc_issuer=issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        **more,
    )


@contextmanager
def serving(rr: App, settings: WebSettings, host: str = "127.0.0.1") -> Iterator[str]:
    """The web app on `host`, in a thread; yields its base URL."""
    port = free_port(host)
    app = create_app(rr, settings)
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", proxy_headers=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the web server did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


class Client:
    """A visitor without a browser: follows no redirect by itself, keeps the session cookie by hand."""

    def __init__(self, base: str, local_address: str | None = None) -> None:
        self.base = base
        transport = httpx.HTTPTransport(local_address=local_address) if local_address else None
        self.http = httpx.Client(transport=transport, timeout=30, follow_redirects=False)
        self.cookie: str | None = None
        self.last_set_cookie = ""

    def _keep(self, response: httpx.Response) -> httpx.Response:
        for header in response.headers.get_list("set-cookie"):
            if header.startswith(f"{COOKIE}="):
                self.last_set_cookie = header
                value = header.split(";", 1)[0].split("=", 1)[1]
                self.cookie = value if value and value != "null" and "Max-Age=0" not in header else None
        return response

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if (self.cookie and url.startswith(self.base)) or (self.cookie and url.startswith("/")):
            headers["cookie"] = f"{COOKIE}={self.cookie}"
        target = url if url.startswith("http") else self.base + url
        return self._keep(self.http.request(method, target, headers=headers, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def sign_in(self, subject: str, next_path: str = "/board") -> httpx.Response:
        """The whole OIDC code flow, as a browser would follow it; the last response (after the callback)."""
        to_provider = self.get(f"/sign-in?next={httpx.QueryParams({'n': next_path})['n']}")
        assert to_provider.status_code in (302, 303, 307), to_provider.text[:300]
        authorize = to_provider.headers["location"]
        back = self.http.post(authorize, data={"sub": subject})
        assert back.status_code in (302, 303), back.text[:500]
        return self.get(back.headers["location"])

    def csrf(self, path: str = "/board") -> str:
        page = self.get(path)
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found, page.text[:500]
        return unescape(found.group(1))


def with_settings(settings: WebSettings, **changes: Any) -> WebSettings:
    return replace(settings, **changes)


# -- fixtures for the web tests (imported by their modules) ----------------------------------------------


@pytest.fixture
def people(rig: Any) -> Any:
    setup.person_add(rig.app, "coord", "Cora Coordinator", COORD_EMAIL, ["coordinator"])
    setup.person_add(rig.app, "boss", "Bo Manager", BOSS_EMAIL, ["manager"])
    rig.to_scoping("RR-1")
    return rig


@pytest.fixture
def issuer() -> Iterator[str]:
    with identity_provider() as url:
        yield url


@pytest.fixture
def wall() -> WallClock:
    return WallClock()


@pytest.fixture
def web(people: Any, issuer: str, wall: WallClock) -> Iterator[str]:
    with serving(people.app, oidc_settings(issuer, wall=wall, idle_minutes=30)) as base:
        yield base


def step_form(client: Client, ref: str = "RR-1") -> dict[str, str]:
    page = client.get(f"/case/{ref}").text
    return {
        "csrf": re.search(r'name="csrf" value="([^"]+)"', page).group(1),  # type: ignore[union-attr]
        "version": re.search(r'name="version" value="(\d+)"', page).group(1),  # type: ignore[union-attr]
    }
