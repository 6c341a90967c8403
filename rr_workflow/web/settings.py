"""The web front end's settings, read from the environment once when `rr serve` starts.
(docs/operators-guide.md)

Sign-in is either OpenID Connect (`RR_WEB_AUTH=oidc`, the default) against the organisation's identity
provider, or a trusted authenticating proxy (`RR_WEB_AUTH=header`) whose header is believed only from
the proxy's own addresses. No password is ever stored by rr-workflow.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rr_workflow.domain.errors import BadInput

OIDC, HEADER = "oidc", "header"
MATCHES = ("email", "login")  # what the signed-in identity is matched to: a person's e-mail or login
KEY_FILE = "web-session.key"


@dataclass(frozen=True)
class WebSettings:
    secret_key: str
    auth: str = OIDC
    oidc_issuer: str | None = None  # e.g. https://login.microsoftonline.com/<tenant>/v2.0
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_claim: str = "email"  # the ID token's claim that names the person
    oidc_match: str = "email"  # matched against the person's e-mail or login
    public_url: str | None = None  # https://rr.council.example: the OIDC redirect is built from it
    trusted_proxies: tuple[str, ...] = ()  # addresses (or networks) the header is believed from
    user_header: str = "X-Remote-User"
    header_match: str = "email"
    idle_minutes: int = 30  # a session unused this long is signed out
    secure_cookies: bool = True  # Secure flag: browsers keep it over http only on localhost
    wall: Callable[[], float] = field(default=time.time)  # seconds: the session clock (tests move it)

    def proxy_trusted(self, address: str | None) -> bool:
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(entry, strict=False) for entry in self.trusted_proxies)


def from_environment(home: Path, env: Mapping[str, str] | None = None) -> WebSettings:
    """The settings in the RR_WEB_* and RR_OIDC_* variables; one line naming a setting that is wrong."""
    env = os.environ if env is None else env
    auth = env.get("RR_WEB_AUTH", OIDC).strip().lower()
    if auth not in (OIDC, HEADER):
        raise BadInput(f"RR_WEB_AUTH is {auth!r}: expected oidc or header")
    settings = WebSettings(
        secret_key=env.get("RR_WEB_SECRET_KEY") or _stored_key(home),
        auth=auth,
        oidc_issuer=env.get("RR_OIDC_ISSUER"),
        oidc_client_id=env.get("RR_OIDC_CLIENT_ID"),
        oidc_client_secret=env.get("RR_OIDC_CLIENT_SECRET"),
        oidc_claim=env.get("RR_OIDC_CLAIM", "email"),
        oidc_match=_match(env, "RR_OIDC_MATCH"),
        public_url=(env.get("RR_WEB_PUBLIC_URL") or "").rstrip("/") or None,
        trusted_proxies=tuple(p.strip() for p in env.get("RR_WEB_TRUSTED_PROXY", "").split(",") if p.strip()),
        user_header=env.get("RR_WEB_USER_HEADER", "X-Remote-User"),
        header_match=_match(env, "RR_WEB_HEADER_MATCH"),
        idle_minutes=_minutes(env),
        secure_cookies=env.get("RR_WEB_INSECURE_COOKIES", "") != "1",
    )
    check(settings)
    return settings


def check(settings: WebSettings) -> None:
    if settings.auth == OIDC:
        missing = [
            name
            for name, value in (
                ("RR_OIDC_ISSUER", settings.oidc_issuer),
                ("RR_OIDC_CLIENT_ID", settings.oidc_client_id),
                ("RR_OIDC_CLIENT_SECRET", settings.oidc_client_secret),
            )
            if not value
        ]
        if missing:
            raise BadInput(f"sign-in by OpenID Connect needs {', '.join(missing)} (or RR_WEB_AUTH=header)")
    elif not settings.trusted_proxies:
        raise BadInput("RR_WEB_AUTH=header needs RR_WEB_TRUSTED_PROXY: the proxy's address(es)")
    for entry in settings.trusted_proxies:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise BadInput(f"RR_WEB_TRUSTED_PROXY: {entry!r} is not an address or network") from None


def _match(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "email").strip().lower()
    if value not in MATCHES:
        raise BadInput(f"{name} is {value!r}: expected email or login")
    return value


def _minutes(env: Mapping[str, str]) -> int:
    raw = env.get("RR_WEB_IDLE_MINUTES", "30")
    if not raw.isdigit() or not 1 <= int(raw) <= 24 * 60:
        raise BadInput(f"RR_WEB_IDLE_MINUTES is {raw!r}: expected a number of minutes from 1 to 1440")
    return int(raw)


def _stored_key(home: Path) -> str:
    """The key that signs session cookies, made once under RR_HOME (readable by the service user only)."""
    path = home / KEY_FILE
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_name(KEY_FILE + ".part")
        partial.write_text(secrets.token_urlsafe(48), encoding="ascii")
        partial.chmod(0o600)
        partial.replace(path)
    return path.read_text(encoding="ascii").strip()
