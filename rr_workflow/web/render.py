"""Pages from Jinja2 templates (autoescaped), with what every page needs: who is signed in, the CSRF
token for its forms, a message left by the last step, whether this is a training database."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from rr_workflow.service.app import App
from rr_workflow.web import session

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass
class Ctx:
    """One request of a signed-in person: their App (acting as them), roles and name."""

    request: Request
    app: App
    login: str
    name: str
    roles: set[str] = field(default_factory=set)

    def can(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # the templates ship with the package: no stat() of each file on every page
    )
    env.filters["day"] = long_day
    env.filters["short"] = short_day
    env.filters["url"] = url_path
    env.filters["words"] = lambda key: str(key).replace("_", " ")
    env.filters["board_rows"] = board_rows
    return env


PLAIN = re.compile(r"[A-Za-z0-9/_.-]*")


def url_path(ref: Any) -> str:
    """A case reference in a URL path (most need no quoting: checked first, as the board has many)."""
    text = str(ref)
    return text if PLAIN.fullmatch(text) else quote(text, safe="/")


RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green"}


def board_rows(cases: list[dict[str, Any]]) -> Markup:
    """The board's table rows (board.html), one a case. Written here rather than as a loop in the
    template: with 1,000 open cases the loop was a quarter of the page's time, this a fifth of that.
    Every value from the database is escaped (html.escape: quotes too); the colour is one of the
    board's three."""
    rows = []
    for case in cases:
        rag, ref = case["rag"], case["ref"]
        following = case["next"]
        actions = int(case.get("overdue_actions") or 0)  # a closed case stays on the board for these
        late = f"{actions} action{'s' if actions > 1 else ''} overdue" if actions else ""
        if following:
            more = f" ({case['overdue']} overdue)" if case["overdue"] > 1 else ""
            due = (
                f"<td>{escape(following['label'])}</td><td>{escape(following['due'])}</td>"
                f"<td>{escape(following['when'])}{more}{'; ' + late if late else ''}</td>"
            )
        else:
            due = f"<td>nothing due</td><td></td><td>{late}</td>"
        rows.append(
            f'<tr><td><span class="tag tag-{rag}">{RAG_WORDS[rag]}</span></td>'
            f'<th scope="row"><a href="/case/{escape(url_path(ref))}">{escape(ref)}</a></th>'
            f"<td>{escape(case['state'])}</td>{due}</tr>"
        )
    return Markup("\n".join(rows))


def long_day(value: Any) -> str:
    """`Tuesday 5 January 2027`, the style letters use; blank for nothing."""
    if not isinstance(value, date):
        return "" if value is None else str(value)
    return f"{value:%A} {value.day} {value:%B %Y}"


def short_day(value: Any) -> str:
    if not isinstance(value, date):
        return "" if value is None else str(value)
    return f"{value:%a} {value.day} {value:%b %Y}"


def acting_app(base: App, login: str) -> App:
    """The shared App (engine, clock, calendar) acting as `login` for one request."""
    acting = copy.copy(base)
    acting.actor = login
    acting.expected_version = None
    return acting


def page(ctx: Ctx | None, request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    env: Environment = request.app.state.templates
    base: App = request.app.state.rr
    body = env.get_template(template).render(
        request=request,
        me=ctx,
        csrf=session.csrf_token(request),
        flash=session.take_flash(request) if status < 400 else [],
        training=base.training,
        errors=values.pop("errors", []),
        form=values.pop("form", {}),
        **values,
    )
    return HTMLResponse(body, status_code=status)
