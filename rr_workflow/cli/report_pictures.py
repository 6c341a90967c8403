"""`rr report timeline|chart|html`: pictures of the procedure and the case board page."""

from __future__ import annotations

from pathlib import Path

import click

from rr_workflow.cli.params import open_app

out_option = click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="The file to write; its suffix chooses the format.",
)


@click.command()
@click.argument("ref")
@out_option
def timeline(ref: str, out: Path) -> None:
    """Draw one case's stages against its deadlines, as an SVG or PNG file.

    The x axis counts working days since the referral was received (dates
    below); weekends, bank holidays and closure days are shaded separators
    with the holidays named. Each deadline is a bar from the day it counts
    from to its due date (an extension hatched after it), with a dot where it
    was met; the meeting window is shaded green. No personal data is drawn.

    \b
    Example:
      $ rr report timeline RR-2026-014 --out RR-2026-014.svg
    """
    from rr_workflow.service import pictures

    pictures.picture_format(out)  # a wrong suffix is refused before the database is opened
    picture = pictures.timeline(open_app(), ref, out)
    click.echo(f"{ref}: timeline written to {out} ({_size(picture)})")


@click.command()
@out_option
def chart(out: Path) -> None:
    """Chart the share of each deadline met on time, per month of referral (SVG or PNG).

    A deadline counts once it is met or its original due date has passed: met
    on or before the original date is on time; an extension does not make a
    late step timely; waived deadlines and ones not yet due are left out.

    \b
    Example:
      $ rr report chart --out on-time.png
    """
    from rr_workflow.service import pictures

    pictures.picture_format(out)
    picture = pictures.chart(open_app(), out)
    click.echo(f"on-time chart written to {out} ({_size(picture)})")


@click.command()
@out_option
def html(out: Path) -> None:
    """Write the case board page for managers: one HTML file, nothing else needed.

    Open cases with their state and next deadline, red (overdue), amber (due
    within 2 working days) or green, overdue first, each with its timeline.
    Case references and dates only: the page can be e-mailed or opened from a
    shared drive in any browser.

    \b
    Example:
      $ rr report html --out board.html
    """
    from rr_workflow.service import board

    board.page_path(out)  # a wrong suffix is refused before the database is opened
    board.write(open_app(), out)
    click.echo(f"case board written to {out}")


def _size(picture: object) -> str:
    from rr_workflow.service.pictures import Picture

    assert isinstance(picture, Picture)
    if picture.format == "png":
        return f"PNG, {picture.width_px} x {picture.height_px} pixels"
    return f"SVG, {picture.width_pt:g} x {picture.height_pt:g} points"
