"""`rr settings show|check`: the partnership profile letters are written from (docs/operators-guide.md)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from rr_workflow.cli.app import cli

TEST_PROFILE = Path(__file__).resolve().parents[1] / "partnership.toml"


def run(*args: str, profile: Path | None = TEST_PROFILE, home: Path | None = None) -> tuple[int, str, str]:
    env = {"RR_PARTNERSHIP": str(profile) if profile else None, "RR_MAIL_FROM": None, "RR_HOME": str(home)}
    result = CliRunner().invoke(cli, list(args), env=env, prog_name="rr")
    return result.exit_code, result.stdout, result.stderr


def test_show_says_what_letters_will_say(tmp_path: Path) -> None:
    code, out, _ = run("settings", "show", "--json", home=tmp_path)
    assert code == 0
    shown = json.loads(out)
    assert shown["partnership"]["name"] == "Testshire Safeguarding Children Partnership"
    assert shown["partnership"]["secure_mailbox"] == "lscp.secure@testshire.example"
    assert shown["mail"] == {
        "from": "Testshire Rapid Reviews <rapid-reviews@testshire.example>",
        "reply_to": "lscp.secure@testshire.example",  # the secure mailbox unless said otherwise
    }
    assert shown["panel"]["email"] == "panel@panel.example"
    assert shown["letters"] == {"pdf": "never", "marking": "OFFICIAL-SENSITIVE", "meeting_minutes": 120}


def test_the_shipped_example_is_found_and_warned_about(tmp_path: Path) -> None:
    code, out, _ = run("settings", "check", profile=None, home=tmp_path)
    assert code == 0
    assert "schedules/partnership.toml" in out.splitlines()[0]
    assert "warning: partnership.secure_mailbox is still the shipped example" in out


def test_a_profile_in_rr_home_wins_over_the_shipped_one(tmp_path: Path) -> None:
    own = TEST_PROFILE.read_text(encoding="utf-8").replace(".example", ".org.uk")  # filled in for real
    (tmp_path / "partnership.toml").write_text(own, encoding="utf-8")
    code, out, _ = run("settings", "check", profile=None, home=tmp_path)
    assert (code, out.splitlines()[0]) == (
        0,
        f"ok: {tmp_path / 'partnership.toml'}: Testshire Safeguarding Children Partnership, "
        "replies to lscp.secure@testshire.org.uk",
    )
    assert "warning" not in out


def test_a_bad_profile_is_one_line_naming_the_file_and_the_setting(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    text = TEST_PROFILE.read_text(encoding="utf-8")
    for old, new, expected in (
        ('secure_mailbox = "lscp.secure@testshire.example"', 'secure_mailbox = "not an address"',
         "partnership.secure_mailbox: not an e-mail address"),
        ('pdf = "never"', 'pdf = "sometimes"', "letters.pdf: must be one of auto, always, never"),
        ('name = "Pat Signer"', "", "signatory.name: missing"),
        ('area = "Testshire"', 'area = ""', "partnership.area: is empty"),
    ):  # fmt: skip
        bad.write_text(text.replace(old, new), encoding="utf-8")
        code, out, err = run("settings", "check", str(bad), home=tmp_path)
        assert (code, out) == (2, ""), expected
        assert err == f"rr: error: {bad}: {expected}\n" or (
            err.startswith(f"rr: error: {bad}: {expected}") and err.count("\n") == 1
        ), err
