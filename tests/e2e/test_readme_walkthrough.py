"""The README's walk-through runs as printed, on a fresh live database, today (SQLite and PostgreSQL).

The commands are read from README.md itself: every `$ ` line of the console blocks of "A Rapid Review, by
example" and "Taking over the spreadsheet", each run in bash as a reader would type it, from the top of
the repository, as the OS login, with a new RR_HOME and no other RR_ setting (no RR_USER, no RR_NOW: a live
database). A README edited so that a command fails (a date in the future, a step out of order, a
misspelt option) fails this test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SECTIONS = ("A Rapid Review, by example", "Taking over the spreadsheet")


def readme_commands(section: str) -> list[str]:
    """The `$ ` lines of the console blocks under the heading `## section`, up to the next heading."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    assert match, f"README.md has no section {section!r}"
    blocks = re.findall(r"^```console\n(.*?)^```", match.group(1), flags=re.M | re.S)
    return [line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ ")]


def test_the_walkthrough_is_read_from_the_readme() -> None:
    walk, spreadsheet = (readme_commands(s) for s in SECTIONS)
    assert len(walk) == 25 and walk[0].startswith("rr init")
    assert len(spreadsheet) == 4 and any(c.startswith("rr import") for c in spreadsheet)


@pytest.mark.slow
def test_the_readme_walkthrough_runs_as_printed(rr_home: Path, database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RR_")}
    env["RR_HOME"] = str(rr_home)
    if not database_url.startswith("sqlite"):
        env["RR_DATABASE_URL"] = database_url
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # this install's `rr`
    outputs = {}
    for command in [c for section in SECTIONS for c in readme_commands(section)]:
        run = subprocess.run(
            ["bash", "-c", command], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
        )
        assert run.returncode == 0, f"$ {command}\n{run.stdout}{run.stderr}"
        assert "Traceback" not in run.stderr, run.stderr
        outputs[command] = run.stdout
    late = next(out for command, out in outputs.items() if "returned RR-2025-025 la" in command)
    assert "met late" in late and "1 working day late" in late, late

    shown = json.loads(outputs[next(c for c in outputs if c.startswith("rr case show RR-2025-025 --json"))])
    assert shown["state"] == "closed"
    statuses = {d["key"]: d["status"] for d in shown["deadlines"]}
    assert statuses["scoping_returned:la"] == "met_late"
    assert statuses["review_complete"] == "met"
    assert (statuses["panel_response"], shown["panel"]["agrees"]) == ("met", True)
    # the action, due 20 working days after the decision of Tue 6 Jan 2026: Tue 3 Feb 2026
    assert [(a["due"], a["status"]) for a in shown["actions"]] == [("2026-02-03", "done")]
    compliance = next(out for command, out in outputs.items() if command.startswith("rr report compliance"))
    assert "Reports with the Panel within 15 working days" in compliance
