"""The forms that record: every step of `rr` for a case, sent from the case page, and opening a case.

Each reads its fields as the CLI reads its options, calls the same service function, and then shows
what the CLI prints (the state now, a deadline met late) after a redirect. A failed step shows the case
page again with the CLI's one line and what was typed; nothing was saved. The form carries the case's
version as the person saw it: a change made since by someone else is the CLI's conflict (exit 4).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from rr_workflow.domain import corrections as fix
from rr_workflow.domain.errors import BadInput, RRError
from rr_workflow.service import commands, corrections
from rr_workflow.service.app import App
from rr_workflow.web import forms, render, session
from rr_workflow.web.app import status_of
from rr_workflow.web.render import Ctx

Step = Callable[[App, str, FormData], list[str]]


def _said(case: Any, what: str) -> list[str]:
    """What the CLI's `echo_case_step` says: the step, the state now, any deadline met late."""
    from rr_workflow.domain.stages import state_label

    said = [f"{case.ref}: {what}. Now: {state_label(case.state)}."]
    for late in case.met_late:
        days = f"{late.working_days} working day{'s' if late.working_days != 1 else ''}"
        said.append(f"met late: {late.label}: due {render.short_day(late.due)}, {days} late")
    return said


def _on(app: App, form: FormData) -> Any:
    return forms.day(form, "on", app.today(), "the day it happened")


def _sin(app: App, ref: str, form: FormData) -> list[str]:
    case = commands.sin_notified(app, ref, _on(app, form), forms.text(form, "reference"))
    return _said(case, "Serious Incident Notification recorded")


def _scoping_send(app: App, ref: str, form: FormData) -> list[str]:
    agencies = [a for a in form.getlist("agency") if isinstance(a, str) and a]
    if not agencies:
        raise BadInput("choose at least one agency to send the scoping template to")
    case = commands.scoping_send(app, ref, agencies, _on(app, form))
    return _said(case, f"scoping template sent to {', '.join(agencies)}")


def _agency(form: FormData) -> str:
    return forms.required(form, "agency", "the agency")


def _scoping_returned(app: App, ref: str, form: FormData) -> list[str]:
    agency = _agency(form)
    return _said(
        commands.scoping_returned(app, ref, agency, _on(app, form)), f"{agency} returned its template"
    )


def _records_secured(app: App, ref: str, form: FormData) -> list[str]:
    agency = _agency(form)
    return _said(commands.records_secured(app, ref, agency, _on(app, form)), f"{agency} secured its records")


def _meeting_schedule(app: App, ref: str, form: FormData) -> list[str]:
    day = forms.required_day(form, "date", app.today(), "the meeting date")
    case = commands.meeting_schedule(
        app,
        ref,
        day,
        forms.clock_time(form, "time"),
        forms.text(form, "mode") or "in_person",
        forms.text(form, "reason"),
        forms.text(form, "outside_window_reason"),
        on=forms.day(form, "on", app.today(), "the day the date was set"),
        non_working_day_reason=forms.text(form, "non_working_day_reason"),
        location=forms.text(form, "location"),
        join_url=forms.text(form, "join_url"),
    )
    return _said(case, f"meeting set for {render.long_day(day)}")


def _meeting_held(app: App, ref: str, form: FormData) -> list[str]:
    case = commands.meeting_held(app, ref, forms.lines(form, "attendees"), _on(app, form))
    return _said(case, f"meeting held on {render.long_day(case.held_meeting.held_on)} (quorate)")


def _meeting_inquorate(app: App, ref: str, form: FormData) -> list[str]:
    case = commands.meeting_inquorate(app, ref, forms.lines(form, "attendees"), _on(app, form))
    return _said(case, f"meeting of {render.long_day(case.current_meeting.held_on)} recorded as inquorate")


def _decide(app: App, ref: str, form: FormData) -> list[str]:
    outcome = forms.required(form, "outcome", "the outcome")
    rationale = forms.required(form, "rationale", "the rationale")
    case = commands.decide(app, ref, outcome, rationale, forms.lines(form, "actions"), _on(app, form))
    return _said(case, f"decision recorded: {outcome}")


def _endorse(app: App, ref: str, form: FormData) -> list[str]:
    return _said(commands.endorse(app, ref, forms.text(form, "by"), _on(app, form)), "outcome endorsed")


def _submit(app: App, ref: str, form: FormData) -> list[str]:
    draft = form.get("send_draft") == "yes"
    case = commands.submit(app, ref, _on(app, form), draft)
    return _said(case, "report sent to the National Panel" + (" (the draft)" if draft else ""))


def _outcome_shared(app: App, ref: str, form: FormData) -> list[str]:
    return _said(commands.outcome_shared(app, ref, _on(app, form)), "outcome shared with the agencies")


def _panel_response(app: App, ref: str, form: FormData) -> list[str]:
    agrees = forms.required(form, "agrees", "whether the Panel agrees with the decision")
    if agrees not in ("yes", "no"):
        raise BadInput("say whether the Panel agrees with the decision: yes or no")
    questions = forms.text(form, "questions")
    case = commands.panel_response(app, ref, agrees == "yes", questions, _on(app, form))
    said = "agrees" if agrees == "yes" else "does not agree"
    return _said(case, f"the Panel's response recorded (it {said}{', with questions' if questions else ''})")


def _panel_answered(app: App, ref: str, form: FormData) -> list[str]:
    return _said(commands.panel_answered(app, ref, _on(app, form)), "the answer to the Panel recorded")


def _close(app: App, ref: str, form: FormData) -> list[str]:
    case = commands.close(
        app,
        ref,
        _on(app, form),
        forms.text(form, "waive_open"),
        forms.text(form, "without_response"),
    )
    return _said(case, "case closed")


def _decline(app: App, ref: str, form: FormData) -> list[str]:
    reason = forms.required(form, "reason", "the reason")
    return _said(commands.decline(app, ref, reason, _on(app, form)), "referral declined")


def _extend(app: App, ref: str, form: FormData) -> list[str]:
    key = forms.required(form, "deadline", "the deadline")
    to = forms.required_day(form, "to", app.today(), "the new date agreed")
    d = commands.extend(app, ref, key, to, forms.required(form, "reason", "the reason"), _on(app, form))
    return [f"{ref}: {d.key} extended from {d.original_due} to {d.due}"]


def _waive(app: App, ref: str, form: FormData) -> list[str]:
    key = forms.required(form, "deadline", "the deadline")
    d = commands.waive(app, ref, key, forms.required(form, "reason", "the reason"), _on(app, form))
    return [f"{ref}: {d.key} waived"]


def _correct(app: App, ref: str, form: FormData) -> list[str]:
    fact = forms.required(form, "fact", "the fact to correct").lower()
    agency = forms.text(form, "agency")
    reason = forms.required(form, "reason", "the reason")
    to = forms.text(form, "to")
    withdraw = form.get("withdraw") == "yes"
    if withdraw == (to is not None):
        raise BadInput("give either the right value or withdraw the fact")
    on = _on(app, form)
    outside = forms.text(form, "outside_window_reason")
    if withdraw:
        if outside is not None:
            raise BadInput("the reason for a meeting outside the window goes with a corrected value")
        return _corrected(corrections.withdraw(app, ref, fact, agency, reason, on), "withdrew")
    value: Any = to
    if fact == fix.MEETING_DATE or (fact in fix.FACTS and fix.FACTS[fact].kind == fix.DATE):
        value = forms.required_day(form, "to", app.today(), "the right date")
    return _corrected(corrections.correct(app, ref, fact, agency, value, reason, on, outside), "corrected")


def _undo(app: App, ref: str, form: FormData) -> list[str]:
    reason = forms.required(form, "reason", "the reason")
    undone = corrections.undo(app, ref, reason, _on(app, form), forms.text(form, "outside_window_reason"))
    return _corrected(undone, "undid")


def _corrected(result: corrections.Corrected, verb: str) -> list[str]:
    """What `rr correct` / `rr undo` print."""
    change = result.change

    def shown(value: Any) -> str:
        return "(not recorded)" if value is None else str(value)

    if verb == "undid" and not change.what.startswith("rr correct"):
        said = _said(result.case, f"undid {change.what}")
    else:
        after = "(withdrawn)" if verb == "withdrew" else shown(change.after)
        said = _said(result.case, f"{verb} {change.what}: {shown(change.before)} -> {after}")
    return (
        said + [f"deadline {line}" for line in result.deadlines] + [f"follows: {f}" for f in change.follow_up]
    )


def _doc_add(app: App, ref: str, form: FormData) -> list[str]:
    kind = forms.required(form, "kind", "the kind of document")
    with forms.uploaded(form, "file") as path:
        assert path is not None
        stored = commands.doc_add(app, ref, kind, path)
    return [f"{stored['ref']}: {kind} stored, sha256 {stored['sha256']}"]


def _meeting_pack(app: App, ref: str, form: FormData) -> list[str]:
    """`rr meeting pack REF [--send]`: what it prints."""
    from rr_workflow.service import meeting_pack

    pack = meeting_pack.build(app, ref, send=form.get("send") == "yes")
    said = [f"{ref}: meeting pack with {pack['documents']} document(s)"]
    if pack["missing"]:
        said.append("missing: " + "; ".join(pack["missing"]))
    if pack["sent_to"]:
        said.append(f"sent to {len(pack['sent_to'])} recipient(s): {', '.join(pack['sent_to'])}")
    return said


STEPS: dict[str, Step] = {
    "sin": _sin,
    "scoping-send": _scoping_send,
    "scoping-returned": _scoping_returned,
    "records-secured": _records_secured,
    "meeting-schedule": _meeting_schedule,
    "meeting-held": _meeting_held,
    "meeting-inquorate": _meeting_inquorate,
    "decide": _decide,
    "endorse": _endorse,
    "submit": _submit,
    "outcome-shared": _outcome_shared,
    "panel-response": _panel_response,
    "panel-answered": _panel_answered,
    "close": _close,
    "decline": _decline,
    "extend": _extend,
    "waive": _waive,
    "doc-add": _doc_add,
    "correct": _correct,
    "undo": _undo,
    "meeting-pack": _meeting_pack,
}


def _all_steps() -> dict[str, Step]:
    from rr_workflow.web import review_steps

    return {**STEPS, **review_steps.STEPS}


def case_url(ref: str) -> str:
    return "/case/" + quote(ref, safe="/")


async def step(ctx: Ctx) -> Response:
    """POST /step/NAME/REF: record one step of case REF."""
    from rr_workflow.web.pages import case_page

    name = str(ctx.request.path_params["step"])
    ref = str(ctx.request.path_params["ref"])
    form: FormData = ctx.request.state.form
    run = _all_steps().get(name)
    if run is None:
        raise BadInput(f"no such step: {name[:40]!r}")
    ctx.app.expected_version = forms.version(form)
    from rr_workflow.service.follow_up import LettersPending

    try:
        said = await run_in_threadpool(run, ctx.app, ref, form)
    except LettersPending as pending:  # the step is saved; its letters follow
        said = [str(pending)]
    except RRError as error:
        ctx.app.expected_version = None
        kept = {"step": name, **forms.values(form)}
        return await case_page(ctx, ref, status_of(error), [str(error)], kept)
    session.flash(ctx.request, said)
    return RedirectResponse(case_url(ref) + "#done", status_code=303)


async def open_form(ctx: Ctx) -> Response:
    agencies = await run_in_threadpool(forms.agency_keys, ctx.app)
    return render.page(ctx, ctx.request, "case_new.html", title="Open a case", agencies=agencies)


def _open(app: App, form: FormData) -> str:
    today = app.today()
    ref = forms.required(form, "ref", "the case reference").strip()
    commands.case_open(
        app,
        ref,
        forms.required_day(form, "received", today, "the date the referral was received"),
        forms.required_day(form, "aware", today, "the date the partnership became aware"),
        forms.required(form, "referrer", "the referring agency"),
        forms.text(form, "summary"),
        forms.text(form, "child_name"),
        forms.day(form, "child_dob", today, "the child's date of birth"),
        forms.text(form, "child_address"),
    )
    return ref


async def case_open(ctx: Ctx) -> Response:
    """POST /cases/new: `rr case open`."""
    form: FormData = ctx.request.state.form
    try:
        ref = await run_in_threadpool(_open, ctx.app, form)
    except RRError as error:
        agencies = await run_in_threadpool(forms.agency_keys, ctx.app)
        kept = forms.values(form)
        return render.page(
            ctx,
            ctx.request,
            "case_new.html",
            status=status_of(error),
            title="Error: open a case",
            agencies=agencies,
            errors=[str(error)],
            form=kept,
        )
    session.flash(ctx.request, [f"{ref}: case opened"])
    return RedirectResponse(case_url(ref), status_code=303)
