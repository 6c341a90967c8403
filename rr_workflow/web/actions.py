"""The actions register (`rr actions list`) and each action's page with its steps as forms (`rr action
done | drop | due | impact`): the same service functions (`service.actions`), the same one-line errors,
saying what the command says. Overdue actions come first on the register.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from rr_workflow.domain.errors import BadInput, RRError
from rr_workflow.service import actions as register_service
from rr_workflow.service.app import App
from rr_workflow.web import forms, render, session
from rr_workflow.web.app import status_of
from rr_workflow.web.render import Ctx

STATUSES = ("open", "overdue", "done", "dropped")  # `rr actions list --status`
Step = Callable[[App, int, FormData], list[str]]


def _filters(ctx: Ctx) -> dict[str, Any]:
    """The register's filters, as `rr actions list` takes them (an empty field: the option not given)."""
    query = ctx.request.query_params
    status = query.get("status") or None
    if status is not None and status not in STATUSES:
        raise BadInput(f"status is {status[:20]!r}: expected one of {', '.join(STATUSES)}")
    return {
        "overdue_only": query.get("overdue") == "yes",
        "agency": (query.get("agency") or "").strip() or None,
        "ref": (query.get("case") or "").strip() or None,
        "status": status,
    }


def overdue_first(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The register's order (by due date) with the overdue actions moved to the top."""
    return sorted(found, key=lambda a: a["status"] != "overdue")


async def register(ctx: Ctx) -> Response:
    """GET /actions: the register, filtered."""
    chosen = _filters(ctx)
    found = await run_in_threadpool(register_service.register, ctx.app, **chosen)
    agencies = await run_in_threadpool(forms.agency_keys, ctx.app)
    return render.page(
        ctx,
        ctx.request,
        "actions.html",
        title="Actions register",
        actions=overdue_first(found),
        agencies=agencies,
        chosen=chosen,
        statuses=STATUSES,
    )


def _id(ctx: Ctx) -> int:
    return int(ctx.request.path_params["action_id"])


def offered(entry: dict[str, Any], ctx: Ctx) -> list[str]:
    """The steps offered as forms: an open (or overdue) action can be done, dropped or given a due
    date; a done one its impact; a done or dropped one can be reopened when it was recorded by mistake.
    Only to a coordinator (the service checks the role again)."""
    if not ctx.can("coordinator"):
        return []
    if entry["status"] in ("open", "overdue"):
        return ["done", "due", "drop"]
    return ["impact", "reopen"] if entry["status"] == "done" else ["reopen"]


async def action_page(
    ctx: Ctx,
    action_id: int,
    status: int = 200,
    errors: list[str] | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    entry = await run_in_threadpool(register_service.entry, ctx.app, action_id)
    return render.page(
        ctx,
        ctx.request,
        "action.html",
        status=status,
        title=f"Action {action_id}" if not errors else f"Error: action {action_id}",
        action=entry,
        steps=offered(entry, ctx),
        errors=errors or [],
        form=form or {},
    )


async def action(ctx: Ctx) -> Response:
    """GET /action/ID: one action, its evidence and impact, and its steps."""
    return await action_page(ctx, _id(ctx))


def _on(app: App, form: FormData) -> Any:
    return forms.day(form, "on", app.today(), "the day it happened")


def _done(app: App, action_id: int, form: FormData) -> list[str]:
    """`rr action done ID [--evidence NOTE] [--file DOCUMENT] [--impact NOTE] [--on DATE]`."""
    with forms.uploaded(form, "file", required=False) as path:
        done = register_service.done(
            app, action_id, forms.text(form, "evidence"), path, forms.text(form, "impact"), _on(app, form)
        )
    timing = {True: "on time", False: "late", None: "no due date was set"}[done["on_time"]]
    return [f"action {action_id}: done on {done['done_on']} ({timing})."]


def _drop(app: App, action_id: int, form: FormData) -> list[str]:
    """`rr action drop ID --reason TEXT [--on DATE]`."""
    reason = forms.text(form, "reason") or ""
    dropped = register_service.drop(app, action_id, reason, _on(app, form))
    return [f"action {action_id}: dropped on {dropped['dropped_on']}."]


def _due(app: App, action_id: int, form: FormData) -> list[str]:
    """`rr action due ID DATE [--reason TEXT] [--on DATE]`."""
    due = forms.required_day(form, "due", app.today(), "the due date")
    changed = register_service.set_due(app, action_id, due, forms.text(form, "reason"), _on(app, form))
    before = f" (was {changed['before']})" if changed["before"] else ""
    return [f"action {action_id}: due {changed['due']}{before}."]


def _impact(app: App, action_id: int, form: FormData) -> list[str]:
    """`rr action impact ID NOTE`."""
    register_service.note_impact(app, action_id, forms.text(form, "note") or "")
    return [f"action {action_id}: impact noted."]


def _reopen(app: App, action_id: int, form: FormData) -> list[str]:
    """`rr action reopen ID --reason TEXT [--on DATE]`."""
    reason = forms.text(form, "reason") or ""
    reopened = register_service.reopen(app, action_id, reason, _on(app, form))
    due = f"due {reopened['due']}" if reopened["due"] else "no due date set"
    return [f"action {action_id}: reopened (was {reopened['was']}); open again, {due}."]


STEPS: dict[str, Step] = {"done": _done, "drop": _drop, "due": _due, "impact": _impact, "reopen": _reopen}


async def step(ctx: Ctx) -> Response:
    """POST /action/ID/STEP: record one step of action ID; a failure shows its page again with the
    CLI's one line and what was typed (nothing saved)."""
    action_id, name = _id(ctx), str(ctx.request.path_params["step"])
    run = STEPS.get(name)
    if run is None:
        raise BadInput(f"no such step: {name[:40]!r}")
    form: FormData = ctx.request.state.form
    try:
        said = await run_in_threadpool(run, ctx.app, action_id, form)
    except RRError as error:
        kept = {"step": name, **forms.values(form)}
        return await action_page(ctx, action_id, status_of(error), [str(error)], kept)
    session.flash(ctx.request, said)
    return RedirectResponse(f"/action/{action_id}#done", status_code=303)
