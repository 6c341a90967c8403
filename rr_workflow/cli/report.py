"""`rr report ...`: compliance figures, pictures and the case board page (docs/procedure.md)."""

from __future__ import annotations

import click

from rr_workflow.cli.lazy import LazyGroup

# name -> "module:attribute"; each is imported only when used or listed.
REPORTS = {
    "annual": "rr_workflow.cli.report_annual:annual",
    "compliance": "rr_workflow.cli.report_compliance:compliance",
    "timeline": "rr_workflow.cli.report_pictures:timeline",
    "chart": "rr_workflow.cli.report_pictures:chart",
    "html": "rr_workflow.cli.report_pictures:html",
}


class ReportGroup(LazyGroup):
    lazy_commands = REPORTS


@click.group(cls=ReportGroup)
def report() -> None:
    """Timeliness of every stage, pictures of cases, and a board page for managers."""
