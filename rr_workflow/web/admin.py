"""Agencies and people, for admins (everyone may read the lists, as with `rr agency list`): add, edit,
deactivate and reactivate, grant and revoke roles, through the same service functions as the CLI."""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from rr_workflow.domain.errors import BadInput, RRError
from rr_workflow.service import directory, setup
from rr_workflow.service.app import App
from rr_workflow.web import forms, render, session
from rr_workflow.web.app import status_of
from rr_workflow.web.render import Ctx

ROLES = ("coordinator", "manager", "chair", "admin")


async def agencies(
    ctx: Ctx, status: int = 200, errors: list[str] | None = None, form: dict | None = None
) -> Response:
    rows = await run_in_threadpool(setup.agency_list, ctx.app)
    title = "Agencies" if not errors else "Error: agencies"
    return render.page(
        ctx,
        ctx.request,
        "agencies.html",
        status,
        title=title,
        agencies=rows,
        errors=errors or [],
        form=form or {},
    )


async def people(
    ctx: Ctx, status: int = 200, errors: list[str] | None = None, form: dict | None = None
) -> Response:
    rows = await run_in_threadpool(setup.person_list, ctx.app)
    title = "People" if not errors else "Error: people"
    return render.page(
        ctx, ctx.request, "people.html", status, title=title, people=rows, roles=ROLES, errors=errors or [],
        form=form or {},
    )  # fmt: skip


def _agency_action(app: App, form: FormData) -> str:
    action = form.get("action")
    key = forms.required(form, "key", "the agency's key")
    partner = forms.text(form, "partner")
    if action == "add":
        partner = None if partner == "none" else partner
        setup.agency_add(
            app,
            key,
            forms.required(form, "name", "a name"),
            forms.required(form, "email", "an e-mail"),
            partner,
        )
        return f"agency {key.strip().lower()} added"
    if action == "edit":
        changed = directory.agency_edit(
            app, key, forms.text(form, "name"), forms.text(form, "email"), partner or None
        )
        return f"agency {key}: changed {', '.join(changed)}"
    if action in ("deactivate", "activate"):
        directory.agency_set_active(app, key, action == "activate", forms.text(form, "reason"))
        return f"agency {key} {action}d"
    raise BadInput("no such change")


def _person_action(app: App, form: FormData) -> str:
    action = form.get("action")
    login = forms.required(form, "login", "the login")
    roles = [r for r in form.getlist("role") if isinstance(r, str)]
    if action == "add":
        held = setup.person_add(
            app,
            login,
            forms.required(form, "name", "a name"),
            forms.required(form, "email", "an e-mail"),
            roles,
        )
        return f"{login}: {', '.join(held)}"
    if action == "edit":
        changed = directory.person_edit(app, login, forms.text(form, "name"), forms.text(form, "email"))
        return f"{login}: changed {', '.join(changed)}"
    if action == "revoke":
        left = setup.person_revoke(app, login, roles)
        return f"{login}: {', '.join(left) or 'no roles left'}"
    if action in ("deactivate", "activate"):
        directory.person_set_active(app, login, action == "activate", forms.text(form, "reason"))
        return f"{login} {action}d"
    raise BadInput("no such change")


async def _post(ctx: Ctx, act: Callable[[App, FormData], str], back: str, again: Callable) -> Response:
    form: FormData = ctx.request.state.form
    try:
        said = await run_in_threadpool(act, ctx.app, form)
    except RRError as error:
        return await again(
            ctx, status_of(error), [str(error)], {"action": form.get("action"), **forms.values(form)}
        )
    session.flash(ctx.request, [said])
    return RedirectResponse(back, status_code=303)


async def outbox(
    ctx: Ctx, status: int = 200, errors: list[str] | None = None, form: dict | None = None
) -> Response:
    from rr_workflow.service import delivery

    rows = await run_in_threadpool(delivery.outbox, ctx.app, False)
    title = "Outgoing mail" if not errors else "Error: outgoing mail"
    return render.page(
        ctx, ctx.request, "outbox.html", status, title=title, mail=rows, errors=errors or [], form=form or {}
    )


def _retry(app: App, form: FormData) -> str:
    from rr_workflow.service import delivery

    which = form.get("which")
    ids = [int(i) for i in form.getlist("id") if isinstance(i, str) and i.isdigit()]
    chosen = delivery.retry(app, ids, all_dead=which == "dead", all_failing=which == "failing")
    return f"{len(chosen)} message(s) will be sent again" if chosen else "nothing to send again"


async def outbox_post(ctx: Ctx) -> Response:
    return await _post(ctx, _retry, "/outbox", outbox)


async def agency_post(ctx: Ctx) -> Response:
    return await _post(ctx, _agency_action, "/agencies", agencies)


async def person_post(ctx: Ctx) -> Response:
    return await _post(ctx, _person_action, "/people", people)
