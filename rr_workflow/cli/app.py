"""The `rr` entry point: the root command group, and turning errors into one line and an exit code."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from rr_workflow.cli.lazy import LazyGroup
from rr_workflow.domain.errors import RRError

# name -> "module:attribute"; a group's module is imported only when it is used or listed.
COMMAND_GROUPS = {
    "action": "rr_workflow.cli.actions:action",
    "actions": "rr_workflow.cli.actions:actions",
    "agency": "rr_workflow.cli.setup:agency",
    "audit": "rr_workflow.cli.history:audit",
    "calendar": "rr_workflow.cli.calendar:calendar",
    "case": "rr_workflow.cli.case:case",
    "close": "rr_workflow.cli.steps:close",
    "correct": "rr_workflow.cli.corrections:correct",
    "daemon": "rr_workflow.cli.timers:daemon",
    "decide": "rr_workflow.cli.steps:decide",
    "decline": "rr_workflow.cli.steps:decline",
    "demo": "rr_workflow.cli.demo:demo",
    "doc": "rr_workflow.cli.steps:doc",
    "due": "rr_workflow.cli.due:due",
    "endorse": "rr_workflow.cli.steps:endorse",
    "extend": "rr_workflow.cli.steps:extend",
    "history": "rr_workflow.cli.history:history",
    "import": "rr_workflow.cli.importing:import_register",
    "init": "rr_workflow.cli.setup:init",
    "meeting": "rr_workflow.cli.steps:meeting",
    "outcome": "rr_workflow.cli.steps:outcome",
    "outbox": "rr_workflow.cli.timers:outbox",
    "panel": "rr_workflow.cli.panel:panel",
    "person": "rr_workflow.cli.setup:person",
    "process": "rr_workflow.cli.process:process",
    "records": "rr_workflow.cli.steps:records",
    "report": "rr_workflow.cli.report:report",
    "review": "rr_workflow.cli.review:review",
    "schedule": "rr_workflow.cli.schedule:schedule",
    "scoping": "rr_workflow.cli.steps:scoping",
    "serve": "rr_workflow.cli.serve:serve",
    "settings": "rr_workflow.cli.settings:settings",
    "simulate": "rr_workflow.cli.simulate:simulate",
    "sin": "rr_workflow.cli.steps:sin",
    "submit": "rr_workflow.cli.steps:submit",
    "templates": "rr_workflow.cli.documents:templates_group",
    "tick": "rr_workflow.cli.timers:tick",
    "undo": "rr_workflow.cli.corrections:undo",
    "waive": "rr_workflow.cli.steps:waive",
    "whoami": "rr_workflow.cli.setup:whoami",
}


class RootGroup(LazyGroup):
    """Loads command groups lazily and reports every error as one line on stderr."""

    lazy_commands = COMMAND_GROUPS

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs["standalone_mode"] = False
        try:
            result = super().main(*args, **kwargs)
        except click.exceptions.Abort:
            _fail("aborted", 1)
        except _NO_ARGS_IS_HELP as shown:  # `rr` or `rr case` alone: show the help, not an error
            click.echo(shown.format_message())
            sys.exit(0)
        except click.ClickException as error:
            _fail(error.format_message(), error.exit_code)
        except RRError as error:
            _fail(str(error), error.exit_code)
        except BrokenPipeError:  # `rr ... | head`
            sys.stderr.close()
            sys.exit(1)
        except Exception as error:  # the environment failed (disk, permissions, database): one line
            from rr_workflow.cli.failures import describe

            known = describe(error)
            if known is None or os.environ.get("RR_DEBUG"):
                raise
            _fail(str(known), known.exit_code)
        sys.exit(result if isinstance(result, int) else 0)


# click >= 8.2 raises this for a group called without a subcommand; older click prints help itself.
_NO_ARGS_IS_HELP: type[click.ClickException] = getattr(
    click.exceptions, "NoArgsIsHelpError", type("_Never", (click.ClickException,), {})
)


def _fail(message: str, code: int) -> None:
    click.echo(f"rr: error: {message}", err=True)
    sys.exit(code)


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rr-workflow", prog_name="rr")
def cli() -> None:
    """Run Rapid Reviews of serious child safeguarding incidents on time.

    Every deadline is counted in working days (weekends, bank holidays and the
    partnership's closure days excluded), from the timescales in schedules/.

    \b
    Examples:
      rr calendar add 2026-12-21 2        # templates due: 2026-12-23
      rr calendar window 2026-12-21 7 13  # meeting window
      rr schedule show                    # the timescales in force
    """


def main() -> None:
    cli.main(prog_name="rr")
