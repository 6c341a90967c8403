"""Signing in: OpenID Connect (Authlib) against the organisation's identity provider, or a trusted
authenticating proxy's header. Either way the identity is matched to a registered person
(`identity.registered_login`), who then goes through the same permission table as the CLI."""

from __future__ import annotations

import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from rr_workflow.domain.errors import Refused
from rr_workflow.service import identity
from rr_workflow.web import session
from rr_workflow.web.settings import HEADER, WebSettings

log = logging.getLogger("rr_workflow.web")
PROVIDER = "idp"


def oauth_client(settings: WebSettings) -> Any:
    """Authlib's Starlette client for the provider (its metadata is fetched on first use, not now)."""
    from authlib.integrations.starlette_client import OAuth

    oauth = OAuth()
    oauth.register(
        PROVIDER,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=f"{(settings.oidc_issuer or '').rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile"},
    )
    return oauth.create_client(PROVIDER)


def _registered(request: Request, match: str, value: str) -> str:
    """The person's login for a signed-in identity (`Refused` if nobody is registered with it)."""
    rr = request.app.state.rr
    with rr.reading() as connection:
        if match == "login":
            return identity.registered_login(connection, login=value)
        return identity.registered_login(connection, email=value)


async def acting_login(request: Request) -> str | None:
    """Who is acting in this request: the OIDC session's person, or, behind a trusted proxy, the person
    its header names. A header from any other address is ignored (never believed, never an error)."""
    settings = session.settings_of(request)
    if settings.auth != HEADER:
        return session.current_login(request)
    client = request.client.host if request.client else None
    if not settings.proxy_trusted(client):
        return None
    asserted = request.headers.get(settings.user_header, "").strip()
    if not asserted:
        return None
    known = request.session.get("asserted")
    if known != asserted or not request.session.get(session.LOGIN):
        login = await run_in_threadpool(_registered, request, settings.header_match, asserted)
        session.start(request, login, keep={"asserted": asserted})
    return str(request.session[session.LOGIN])


async def sign_in(request: Request) -> Response:
    """GET /sign-in?next=PATH: off to the identity provider (the page to come back to kept in the session)."""
    settings = session.settings_of(request)
    if settings.auth == HEADER:
        return RedirectResponse(session.safe_next(request.query_params.get("next")), status_code=303)
    request.session[session.NEXT] = session.safe_next(request.query_params.get("next"))
    callback = (
        f"{settings.public_url}/auth/callback"
        if settings.public_url
        else str(request.url_for("auth_callback"))
    )
    return await request.app.state.oidc.authorize_redirect(request, callback)  # type: ignore[no-any-return]


async def callback(request: Request) -> Response:
    """GET /auth/callback: the provider's answer. The state and nonce must be this session's own
    (Authlib checks both), the ID token's signature, issuer, audience and expiry too."""
    from authlib.integrations.base_client.errors import OAuthError

    settings = session.settings_of(request)
    try:
        token = await request.app.state.oidc.authorize_access_token(request)
    except OAuthError as error:
        log.info("sign-in refused by the OpenID Connect check: %s", error.error)
        raise Refused("the sign-in could not be completed: start again from the sign-in page") from None
    claims = token.get("userinfo") or {}
    value = claims.get(settings.oidc_claim)
    if not isinstance(value, str) or not value:
        raise Refused(f"the identity provider sent no {settings.oidc_claim!r} claim: ask IT to release it")
    target = session.safe_next(request.session.get(session.NEXT))
    login = await run_in_threadpool(_registered, request, settings.oidc_match, value)
    session.start(request, login)  # a new session: nothing from before the sign-in survives
    log.info("signed in: %s", login)
    return RedirectResponse(target, status_code=303)


async def sign_out(request: Request) -> Response:
    """POST /sign-out (with its CSRF token, checked by the caller): the session is emptied."""
    request.session.clear()
    return RedirectResponse("/signed-out", status_code=303)
