"""`rr process diagram`: the procedure as the software enforces it."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def process() -> None:
    """The procedures (the Rapid Review, the review that follows): states, steps and timescales."""


@process.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot", "svg"]),
    default="mermaid",
    show_default=True,
    help="mermaid text (renders on GitHub and in many wikis), Graphviz dot, or SVG (needs Graphviz).",
)
@click.option(
    "--schedule",
    "path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Label the steps with this schedule file's timescales instead of the one in force.",
)
@click.option(
    "--out", type=click.Path(path_type=Path, dir_okay=False), help="Write to this file (default: stdout)."
)
@click.option(
    "--procedure",
    type=click.Choice(["rapid-review", "review"]),
    default="rapid-review",
    show_default=True,
    help="The Rapid Review, or the review that follows it (schedules/local_review.toml).",
)
def diagram(fmt: str, path: Path | None, out: Path | None, procedure: str) -> None:
    """The state machine with each step's timescale, generated from the code and the schedule.

    \b
    Example:
      $ rr process diagram > process.mmd
      $ rr process diagram --format svg --out process.svg
      $ rr process diagram --procedure review
    """
    if procedure == "review":
        from rr_workflow.adapters import config
        from rr_workflow.service import review_process as diagrams

        schedule = config.load_review_schedule(path)
    else:
        from rr_workflow.service import process as diagrams  # type: ignore[no-redef]
        from rr_workflow.service import reference

        schedule = reference.schedule(path)
    text = {"mermaid": diagrams.mermaid, "dot": diagrams.dot, "svg": diagrams.svg}[fmt](schedule)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"{fmt} diagram written to {out}")
