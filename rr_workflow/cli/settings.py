"""`rr settings show|check`: the partnership profile every letter, invitation and notice is written from."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from rr_workflow.cli.params import echo_json, json_option


@click.group()
def settings() -> None:
    """The partnership profile (partnership.toml): name, address, mailbox, signatory, the Panel."""


@settings.command()
@click.option(
    "--file", "path", type=click.Path(path_type=Path, dir_okay=False), help="Show this file instead."
)
@json_option
def show(path: Path | None, as_json: bool) -> None:
    """The profile in force: what letters say about the partnership and where replies go.

    \b
    Example:
      $ rr settings show
      $ RR_PARTNERSHIP=~/nscp.toml rr settings show --json
    """
    from rr_workflow.adapters.profile import load_profile

    profile = load_profile(path)
    if as_json:
        echo_json(profile.as_dict())
        return
    rows = [
        ("from file", profile.source),
        ("partnership", profile.name),
        ("local authority area", profile.area),
        ("address", ", ".join(profile.address)),
        ("phone", profile.phone),
        ("secure mailbox", profile.secure_mailbox),
        ("mail From", profile.mail_from),
        ("Reply-To", profile.reply_to),
        ("letters signed by", f"{profile.signatory_name}, {profile.signatory_title}"),
        ("letterhead logo", str(profile.logo) if profile.logo else "none"),
        (
            "National Panel",
            f"{profile.panel_name} <{profile.panel_email}>"
            if profile.panel_email
            else f"{profile.panel_name} (no e-mail address set: rr submit sends nothing)",
        ),
        ("Panel address", ", ".join(profile.panel_address)),
        ("protective marking", profile.marking),
        ("PDF copies", f"{profile.pdf} ({_converter()})"),
        ("meetings booked for", f"{profile.meeting_minutes} minutes"),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        click.echo(f"{label.ljust(width)}  {value}")


@settings.command()
@click.argument("path", metavar="[FILE]", required=False, type=click.Path(path_type=Path, dir_okay=False))
def check(path: Path | None) -> None:
    """Validate the profile (or FILE); exit 2 naming the first fault, warn about example values.

    \b
    Example:
      $ rr settings check ~/nscp.toml
      ok: /home/nscp/nscp.toml: Northshire Safeguarding Children Partnership, replies to ...
    """
    from rr_workflow.adapters.profile import load_profile

    profile = load_profile(path)
    click.echo(f"ok: {profile.source}: {profile.name}, replies to {profile.reply_to}")
    for setting in profile.example_values():
        click.echo(f"warning: {setting} is still the shipped example: letters would say where nobody reads")
    if not profile.panel_email:
        click.echo(
            "warning: panel.email is not set: rr submit sends nothing to the National Panel until it is"
        )
    if profile.pdf != "never" and not shutil.which("soffice"):
        click.echo(
            "note: LibreOffice (soffice) is not installed: letters go as Word (.docx) only "
            "(apt-get install libreoffice-writer-nogui adds PDF copies)"
        )
    if profile.pdf == "always" and not shutil.which("soffice"):
        raise SystemExit(1)


def _converter() -> str:
    found = shutil.which("soffice")
    return f"LibreOffice at {found}" if found else "LibreOffice not installed"
