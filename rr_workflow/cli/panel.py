"""`rr panel`: the National Panel's response to the Rapid Review, and the answer to its questions."""

from __future__ import annotations

from datetime import date

import click

from rr_workflow.cli.params import echo_case_step, on_option, open_app


class YesNo(click.Choice):
    """yes or no (y/n, any case)."""

    def __init__(self) -> None:
        super().__init__(["yes", "no"], case_sensitive=False)

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip().lower()
        return str(super().convert({"y": "yes", "n": "no"}.get(text, text), param, ctx))


@click.group()
def panel() -> None:
    """The National Panel's response to the Rapid Review report, and the answer to its questions."""


@panel.command("response")
@click.argument("ref")
@click.option("--agrees", type=YesNo(), required=True, help="Whether the Panel agrees with the decision.")
@click.option(
    "--questions", metavar="TEXT", help="What the Panel asks (its letter: rr doc add REF panel_response)."
)
@on_option
def response(ref: str, agrees: str, questions: str | None, on: date | None) -> None:
    """Record the National Panel's response to the report, received on --on.

    A response that agrees and asks nothing is handled: the case may close. Where the Panel asks
    questions or does not agree, the partnership's answer is due (rr panel answered).

    \b
    Examples:
      $ rr panel response RR-2026-014 --on 2027-01-25 --agrees yes
      $ rr panel response RR-2026-014 --agrees no --questions "Why not a local review?"
      $ rr doc add RR-2026-014 panel_response "Panel letter.pdf"
    """
    from rr_workflow.service import commands

    case = commands.panel_response(open_app(), ref, agrees == "yes", questions, on)
    said = "agrees" if agrees == "yes" else "does not agree"
    asks = ", with questions" if questions and questions.strip() else ""
    echo_case_step(case, f"the Panel's response recorded (it {said}{asks})")


@panel.command("answered")
@click.argument("ref")
@on_option
def answered(ref: str, on: date | None) -> None:
    """Record that the partnership's answer to the Panel's questions went.

    \b
    Example:
      $ rr panel answered RR-2026-014 --on 2027-02-01
      $ rr doc add RR-2026-014 panel_answer "Answer to the Panel.docx"
    """
    from rr_workflow.service import commands

    echo_case_step(commands.panel_answered(open_app(), ref, on), "the answer to the Panel recorded")
