"""`rr report ...`: compliance figures, pictures and the case board page (SPEC §2, §4)."""

from __future__ import annotations

import importlib
import importlib.util

import click

# name -> "module:attribute"; each is imported only when used or listed.
REPORTS = {
    "compliance": "rr_workflow.cli.report_compliance:compliance",
    "timeline": "rr_workflow.cli.report_pictures:timeline",
    "chart": "rr_workflow.cli.report_pictures:chart",
    "html": "rr_workflow.cli.report_pictures:html",
}


class ReportGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, target in REPORTS.items() if _available(target))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = REPORTS.get(cmd_name)
        if target is None or not _available(target):
            return None
        module, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command


def _available(target: str) -> bool:
    return importlib.util.find_spec(target.split(":")[0]) is not None


@click.group(cls=ReportGroup)
def report() -> None:
    """Timeliness of every stage, pictures of cases, and a board page for managers."""
