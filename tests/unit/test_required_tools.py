"""CI fails, never skips, when Chromium or Graphviz is missing (.ci/system-tools, tests/required_tools.py).

Planted bug caught: .ci/system-tools printing a warning and exiting 0 in CI when the install fails (the
picture and diagram tests would then skip and the run pass)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from required_tools import needs_tool

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "system-tools"


def run_without_the_tools(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    """The script on a PATH holding only bash and id: no dot, no chromium, no apt-get to install them."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "id"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    env = {"PATH": str(bin_dir)}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [str(bin_dir / "bash"), str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_in_ci_missing_tools_that_cannot_be_installed_fail_the_run(tmp_path: Path) -> None:
    done = run_without_the_tools(tmp_path, ci="true")
    assert done.returncode == 1, done
    assert (
        "error: dot chromium soffice pdftotext missing: the tests that need them cannot run in CI"
        in done.stderr
    )


def test_on_a_developers_machine_they_are_a_warning(tmp_path: Path) -> None:
    done = run_without_the_tools(tmp_path, ci=None)
    assert done.returncode == 0, done
    assert (
        "warning: dot chromium soffice pdftotext missing: the tests that need them will be skipped"
        in done.stderr
    )


def test_the_ci_script_runs_the_check() -> None:
    run = (SCRIPT.parent / "run").read_text()
    assert "bash .ci/system-tools" in run
    assert "set -euo pipefail" in run  # so its failure stops the run


def skip_condition(mark: pytest.MarkDecorator) -> bool:
    return bool(mark.args[0])


def test_a_test_needing_a_missing_tool_skips_only_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert skip_condition(needs_tool("no-such-tool-here", "none")) is True
    monkeypatch.setenv("CI", "true")
    assert skip_condition(needs_tool("no-such-tool-here", "none")) is False
    assert skip_condition(needs_tool("bash", "bash")) is False
