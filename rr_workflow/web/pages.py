"""The pages that read: the board, the week's agenda, one case, its history, its documents and timeline,
the reports. Each calls the service function the CLI calls for the same thing (`rr case list`,
`rr due`, `rr case show` — audited there —, `rr history`, `rr report compliance`, `rr report chart`)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from rr_workflow.domain.dates import parse_day
from rr_workflow.domain.documents import DOCUMENT_KINDS
from rr_workflow.domain.errors import BadInput
from rr_workflow.service import agenda as agenda_service
from rr_workflow.service import board as board_service
from rr_workflow.service import compliance, downloads, pictures, queries, views
from rr_workflow.web import forms, render
from rr_workflow.web.render import Ctx


def board(ctx: Ctx) -> Response:
    """The board (run in a worker thread: see `app.guarded`)."""
    data = board_service.board_data(ctx.app, False)
    return render.page(ctx, ctx.request, "board.html", title="Case board", board=data)


async def agenda(ctx: Ctx) -> Response:
    raw = ctx.request.query_params.get("days", str(agenda_service.DEFAULT_DAYS))
    if not raw.isdigit() or not 1 <= int(raw) <= 60:
        raise BadInput(f"days is {raw[:20]!r}: expected a number of working days from 1 to 60")
    days = await run_in_threadpool(agenda_service.due, ctx.app, int(raw))
    return render.page(ctx, ctx.request, "agenda.html", title="This week", days=days, horizon=int(raw))


def _ref(ctx: Ctx) -> str:
    return str(ctx.request.path_params["ref"])


def case(ctx: Ctx) -> Response:
    """The case page (run in a worker thread: see `app.guarded`)."""
    return case_view(ctx, _ref(ctx))


async def case_page(
    ctx: Ctx, ref: str, status: int = 200, errors: list[str] | None = None, form: dict[str, Any] | None = None
) -> Response:
    """The case page again after a form failed, with its error and what was typed."""
    return await run_in_threadpool(case_view, ctx, ref, status, errors, form)


def case_view(
    ctx: Ctx, ref: str, status: int = 200, errors: list[str] | None = None, form: dict[str, Any] | None = None
) -> Response:
    """The case page (every view audited by `views.case_show`), with a form's error when one failed."""
    from rr_workflow.web import review_steps

    shown = views.case_show(ctx.app, ref)
    review = review_steps.shown(ctx.app, shown["ref"])
    return render.page(
        ctx,
        ctx.request,
        "case.html",
        status=status,
        title=f"Case {shown['ref']}" if not errors else f"Error: case {shown['ref']}",
        case=shown,
        documents=_documents(ctx, shown["ref"]),
        steps=forms.offered(shown, ctx),
        review=review,
        review_steps=review_steps.offered(review, ctx.can("coordinator")),
        agency_keys=forms.agency_keys(ctx.app),
        document_kinds=list(DOCUMENT_KINDS.items()),
        errors=errors or [],
        form=form or {},
    )


def _documents(ctx: Ctx, ref: str) -> list[dict[str, Any]]:
    from rr_workflow.service import letters

    return letters.document_list(ctx.app, ref)


async def timeline(ctx: Ctx) -> Response:
    svg = await run_in_threadpool(pictures.timeline_image, ctx.app, _ref(ctx), "svg")
    return Response(svg, media_type="image/svg+xml")


async def history(ctx: Ctx) -> Response:
    ref = _ref(ctx)
    rows = await run_in_threadpool(queries.history, ctx.app, ref)
    return render.page(ctx, ctx.request, "history.html", title=f"History of case {ref}", ref=ref, rows=rows)


async def document(ctx: Ctx) -> Response:
    found = await run_in_threadpool(
        downloads.document, ctx.app, _ref(ctx), int(ctx.request.path_params["document_id"])
    )
    disposition = f"attachment; filename*=UTF-8''{quote(found.filename, safe='')}"
    return Response(
        found.content, media_type=found.content_type, headers={"content-disposition": disposition}
    )


def _day(raw: str | None, what: str, today: date) -> date | None:
    if not raw:
        return None
    try:
        return parse_day(raw, today)
    except ValueError as error:
        raise BadInput(f"{what}: {error}") from None


def _year(raw: str | None, today: date) -> int:
    """`rr report annual --year Y`: this year when none is asked for."""
    if raw is None or not raw.strip():
        return today.year
    if not raw.strip().isdigit():
        raise BadInput(f"year is {raw[:20]!r}: expected a year such as {today.year}")
    return int(raw)


async def reports(ctx: Ctx) -> Response:
    """The compliance report (`rr report compliance --from --to`) and its chart, and the year in figures
    (`rr report annual --year`) with its funnel."""
    from rr_workflow.service import annual

    query = ctx.request.query_params
    today = ctx.app.today()
    start = _day(query.get("from"), "from", today)
    end = _day(query.get("to"), "to", today)
    year = _year(query.get("year"), today)
    report = await run_in_threadpool(compliance.compliance, ctx.app, start, end)
    figures = await run_in_threadpool(annual.annual, ctx.app, year)
    return render.page(
        ctx,
        ctx.request,
        "reports.html",
        title="Reports",
        report=report,
        start=query.get("from", ""),
        end=query.get("to", ""),
        figures=figures,
        bars=annual.funnel_bars(figures),
    )


async def funnel(ctx: Ctx) -> Response:
    """The annual report's funnel chart (the picture `rr report annual --format html` carries)."""
    from rr_workflow.service import annual

    year = _year(ctx.request.query_params.get("year"), ctx.app.today())

    def draw() -> bytes:
        return annual.funnel_svg(annual.annual(ctx.app, year), ctx.app.training)

    return Response(await run_in_threadpool(draw), media_type="image/svg+xml")


async def chart(ctx: Ctx) -> Response:
    def draw() -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "chart.svg"
            pictures.chart(ctx.app, out)
            return out.read_bytes()

    return Response(await run_in_threadpool(draw), media_type="image/svg+xml")
