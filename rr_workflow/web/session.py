"""The signed-in session: who it is, when it was last used, its CSRF token; the redirect after sign-in.

Sessions live in a signed cookie (Starlette's SessionMiddleware: itsdangerous, HttpOnly, Secure,
SameSite=Lax). A session unused for the idle timeout is emptied. Signing in replaces the whole session
(a new CSRF token, nothing kept from before), so a session planted before sign-in is worth nothing after.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request

from rr_workflow.web.settings import WebSettings

LOGIN, SEEN, CSRF, NEXT, FLASH = "login", "seen", "csrf", "next", "flash"
HOME = "/board"


def settings_of(request: Request) -> WebSettings:
    return request.app.state.settings  # type: ignore[no-any-return]


def current_login(request: Request) -> str | None:
    """The login of the OIDC session, unless it has been idle too long (then the session is emptied)."""
    session = request.session
    login = session.get(LOGIN)
    if not login:
        return None
    settings = settings_of(request)
    now = settings.wall()
    if now - float(session.get(SEEN, 0)) > settings.idle_minutes * 60:
        session.clear()
        return None
    session[SEEN] = now
    return str(login)


def start(request: Request, login: str, keep: dict[str, Any] | None = None) -> None:
    """A new session for `login`: everything before it is dropped, the CSRF token is new."""
    request.session.clear()
    request.session.update(keep or {})
    request.session[LOGIN] = login
    request.session[SEEN] = settings_of(request).wall()
    request.session[CSRF] = secrets.token_urlsafe(32)


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF)
    if not token:
        token = request.session[CSRF] = secrets.token_urlsafe(32)
    return str(token)


def csrf_ok(request: Request, sent: object) -> bool:
    token = request.session.get(CSRF)
    return bool(token) and isinstance(sent, str) and hmac.compare_digest(str(token), sent)


def flash(request: Request, message: list[str]) -> None:
    request.session[FLASH] = message


def take_flash(request: Request) -> list[str]:
    return list(request.session.pop(FLASH, None) or [])


def safe_next(value: str | None) -> str:
    """Where to go after sign-in: a path on this site only. Anything else (another site, `//host`,
    a backslash trick, a scheme) goes to the board: no open redirect."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return HOME
    if any(ord(c) < 32 or c == "\\" for c in value):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return HOME
    return value
