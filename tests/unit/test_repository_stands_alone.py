"""The repository stands on its own: no file points at material outside it (a shared folder, a product
contract kept elsewhere) or at tracker numbers, and the user documentation it links to is there.

Planted bug, caught: a tracker number in parentheses put back into a module docstring fails the
first test."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Built from pieces so that this file does not match itself.
OUTSIDE = re.compile(
    "|".join(
        (
            r"\((?:issue|task) [0-9]+\)",
            r"\.\./" + "shared",
            "SP" + "EC",
            "ARCHI" + "TECTURE",
            "LIBRARY" + "-NOTES",
        )
    )
)
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


def test_no_file_refers_outside_the_repository_or_to_tracker_numbers() -> None:
    found = []
    for path in tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # Word templates and other binary files
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_the_user_documentation_is_there() -> None:
    for name in ("procedure.md", "working-days.md", "coordinators-guide.md", "operators-guide.md"):
        assert (ROOT / "docs" / name).is_file(), name
