"""`rr demo`: the demonstration case over Christmas, then a year of past cases imported from the sample
register and that year's compliance report, on a training database of its own (nothing touches RR_HOME).
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from rr_workflow.cli.app import cli


def test_the_demo_walks_a_case_then_reports_on_an_imported_year(tmp_path: Path) -> None:
    home = tmp_path / "untouched"
    result = CliRunner().invoke(
        cli, ["demo", "--keep", str(tmp_path / "demo")], env={"RR_HOME": str(home), "RR_NOW": None}
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "RR-DEMO-1 finished: closed" in out
    half = out.index("== Second half: a year of past cases taken over from a register (register-2025.csv)")
    second = out[half:]
    assert "rr import: 24 cases recorded as 392 audited steps" in second
    assert "Compliance with the timescales: referrals received 2025-01-01 to 2025-12-31" in second
    assert "Reports with the Panel within 15 working days:" in second
    assert second.rstrip().splitlines()[-1].endswith("rows, intact")
    assert not home.exists()
