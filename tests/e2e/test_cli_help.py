"""Every `rr` command and group answers --help, and every command's help shows an example.

The tree is walked from the root group the way click itself lists it (RootGroup.list_commands /
get_command), so a command added later is checked without touching this file.
"""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from rr_workflow.cli.app import cli


def command_tree() -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = []

    def walk(command: click.Command, path: tuple[str, ...], ctx: click.Context) -> None:
        found.append((path, command))
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None, f"rr {' '.join((*path, name))} is listed but cannot be loaded"
                walk(sub, (*path, name), click.Context(sub, info_name=name, parent=ctx))

    walk(cli, (), click.Context(cli, info_name="rr"))
    return found


TREE = command_tree()
GROUPS = [
    pytest.param(path, command, id=" ".join(path) or "rr")
    for path, command in TREE
    if isinstance(command, click.Group)
]
COMMANDS = [
    pytest.param(path, command, id=" ".join(path))
    for path, command in TREE
    if not isinstance(command, click.Group)
]


def help_of(path: tuple[str, ...], tmp_path: Path, flag: str = "--help") -> str:
    # An empty RR_HOME: help must not need (or create) a database.
    env = {"RR_HOME": str(tmp_path / "rr_home"), "RR_NOW": None, "RR_DATABASE_URL": None}
    result = CliRunner().invoke(cli, [*path, flag], env=env, prog_name="rr")
    assert result.exit_code == 0, (path, result.output, result.exception)
    assert result.stderr == ""
    assert not (tmp_path / "rr_home").exists()
    return result.stdout


def test_the_tree_holds_the_commands_of_the_procedure() -> None:
    names = {" ".join(path) for path, _ in TREE}
    for expected in (
        "init", "agency add", "agency list", "person add", "person list", "case open", "case list",
        "case show", "scoping send", "scoping returned", "records secured", "sin notified", "doc add",
        "meeting schedule", "meeting held", "meeting inquorate", "decide", "endorse", "submit",
        "outcome shared", "close", "extend", "waive", "decline", "history", "audit verify",
    ):  # fmt: skip
        assert expected in names


@pytest.mark.parametrize(("path", "group"), GROUPS)
def test_every_group_has_help_listing_its_commands(
    path: tuple[str, ...], group: click.Group, tmp_path: Path
) -> None:
    out = help_of(path, tmp_path)
    assert out.startswith(f"Usage: rr {' '.join(path)}".rstrip())
    ctx = click.Context(group, info_name=path[-1] if path else "rr")
    for name in group.list_commands(ctx):
        assert name in out
    assert help_of(path, tmp_path, "-h") == out


@pytest.mark.parametrize(("path", "command"), COMMANDS)
def test_every_command_has_help_with_an_example(
    path: tuple[str, ...], command: click.Command, tmp_path: Path
) -> None:
    out = help_of(path, tmp_path)
    assert out.startswith(f"Usage: rr {' '.join(path)}")
    assert "Example" in out
    # the example shows the command itself in use
    assert f"rr {' '.join(path)}" in out.split("Example", 1)[1]
