"""`rr serve`'s ASGI application: routes, middleware and the one wrapper every page goes through.

The wrapper finds who is signed in (or sends them to sign in), builds the App acting as them, checks
the CSRF token of every form, runs the handler, and turns the service layer's errors into a page with
the same one line the CLI prints (bad input 400, refused 409, conflict 409).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from rr_workflow.domain.errors import BadInput, Refused, RRError, Unavailable
from rr_workflow.service.app import App
from rr_workflow.web import auth, render, session
from rr_workflow.web.render import Ctx
from rr_workflow.web.security import SecurityHeaders
from rr_workflow.web.settings import HEADER, OIDC, WebSettings

log = logging.getLogger("rr_workflow.web")
Handler = Callable[[Ctx], Awaitable[Response]]
COOKIE = "rr_session"
CSRF_REFUSED = (
    "the form has expired or did not come from this site: nothing was saved; reload the page and try again"
)


class CsrfRefused(RRError):
    exit_code = 3


def status_of(error: RRError) -> int:
    if isinstance(error, Unavailable):
        return 503
    if isinstance(error, CsrfRefused):
        return 403
    return 400 if isinstance(error, BadInput) else 409


def _person(rr: App, login: str) -> tuple[str, set[str]]:
    """The signed-in person's name and roles, in one query (read afresh for every request: the service
    checks the roles again for every step; these only choose which forms a page offers)."""
    from sqlalchemy import select

    from rr_workflow.adapters.db import tables as t

    p, r = t.people.c, t.person_roles.c
    query = (
        select(p.name, r.role)
        .select_from(t.people.outerjoin(t.person_roles, r.login == p.login))
        .where(p.login == login)
    )
    with rr.reading() as connection:
        rows = connection.execute(query).all()
    name = rows[0].name if rows else None
    return str(name or login), {row.role for row in rows if row.role is not None}


def guarded(handler: Handler | Callable[[Ctx], Response]) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint of a page or form. An `async` handler runs on the event loop (a form: it reads the
    request's body); a plain one (a page that only reads) runs in one worker thread together with the
    person's lookup, so its reads, audit row and rendering take one hand-over to a thread, not one each."""
    in_thread = not inspect.iscoroutinefunction(handler)

    async def endpoint(request: Request) -> Response:
        ctx: Ctx | None = None
        try:
            login = await auth.acting_login(request)
            if login is None:
                return _not_signed_in(request)
            rr: App = request.app.state.rr
            if in_thread:
                if request.method not in ("GET", "HEAD"):  # a form is posted only to an async handler
                    raise CsrfRefused(CSRF_REFUSED)

                def whole() -> Response:
                    nonlocal ctx
                    name, roles = _person(rr, login)
                    ctx = Ctx(request, render.acting_app(rr, login), login, name, roles)
                    return handler(ctx)  # type: ignore[return-value]

                return await run_in_threadpool(whole)
            name, roles = await run_in_threadpool(_person, rr, login)
            ctx = Ctx(request, render.acting_app(rr, login), login, name, roles)
            if request.method == "POST":
                form = await request.form()
                request.state.form = form
                if not session.csrf_ok(request, form.get("csrf")):
                    log.info("form refused: no valid CSRF token (%s %s)", request.method, request.url.path)
                    raise CsrfRefused(CSRF_REFUSED)
            return await handler(ctx)  # type: ignore[misc]
        except RRError as error:
            return render.page(
                ctx, request, "error.html", status=status_of(error), title="Not done", message=str(error)
            )

    return endpoint


def _not_signed_in(request: Request) -> Response:
    settings: WebSettings = request.app.state.settings
    if settings.auth == OIDC and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={_quoted(target)}", status_code=303)
    return render.page(None, request, "signed_out.html", status=401, title="Sign in")


def _quoted(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="")


async def signed_out(request: Request) -> Response:
    return render.page(None, request, "signed_out.html", title="Signed out")


async def sign_out(request: Request) -> Response:
    form = await request.form()
    if not session.csrf_ok(request, form.get("csrf")):
        return render.page(None, request, "error.html", status=403, title="Not done", message=CSRF_REFUSED)
    return await auth.sign_out(request)


async def callback(request: Request) -> Response:
    try:
        return await auth.callback(request)
    except RRError as error:
        return render.page(None, request, "error.html", status=403, title="Not signed in", message=str(error))


async def home(request: Request) -> Response:
    return RedirectResponse("/board", status_code=303)


def routes() -> list[Any]:
    from rr_workflow.web import actions, admin, pages, steps

    return [
        Route("/", home),
        Route("/sign-in", auth.sign_in, name="sign_in"),
        Route("/auth/callback", callback, name="auth_callback"),
        Route("/sign-out", sign_out, methods=["POST"]),
        Route("/signed-out", signed_out),
        Route("/board", guarded(pages.board)),
        Route("/agenda", guarded(pages.agenda)),
        Route("/cases/new", guarded(steps.open_form)),
        Route("/cases/new", guarded(steps.case_open), methods=["POST"]),
        Route("/case/{ref:path}", guarded(pages.case)),
        Route("/timeline/{ref:path}", guarded(pages.timeline)),
        Route("/history/{ref:path}", guarded(pages.history)),
        Route("/document/{document_id:int}/{ref:path}", guarded(pages.document)),
        Route("/step/{step}/{ref:path}", guarded(steps.step), methods=["POST"]),
        Route("/actions", guarded(actions.register)),
        Route("/action/{action_id:int}", guarded(actions.action)),
        Route("/action/{action_id:int}/{step}", guarded(actions.step), methods=["POST"]),
        Route("/reports", guarded(pages.reports)),
        Route("/reports/chart.svg", guarded(pages.chart)),
        Route("/reports/annual.svg", guarded(pages.funnel)),
        Route("/agencies", guarded(admin.agencies)),
        Route("/agencies", guarded(admin.agency_post), methods=["POST"]),
        Route("/people", guarded(admin.people)),
        Route("/people", guarded(admin.person_post), methods=["POST"]),
        Route("/outbox", guarded(admin.outbox)),
        Route("/outbox", guarded(admin.outbox_post), methods=["POST"]),
        Mount("/static", StaticFiles(directory=render.TEMPLATES.parent / "static"), name="static"),
    ]


def create_app(rr: App, settings: WebSettings) -> Starlette:
    """The web application over the App `rr` (its engine, clock and calendar shared by every request)."""
    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie=COOKIE,
                max_age=settings.idle_minutes * 60,
                same_site="lax",  # strict would drop the cookie on the provider's redirect back
                https_only=settings.secure_cookies,
            ),
        ],
    )
    # The working calendar (its settings file read, its bank holidays looked up, its working days laid
    # out) is made once for the server, as the daemon makes it once: every request's App is a copy of
    # this one and shares it. Unmade here, each request's copy made its own, a few ms of CPU a page.
    _ = rr.calendar
    app.state.rr = rr
    app.state.settings = settings
    app.state.templates = render.environment()
    app.state.oidc = auth.oauth_client(settings) if settings.auth != HEADER else None
    return app


__all__ = ["Refused", "create_app"]
