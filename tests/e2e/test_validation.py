"""Input that could not be meant is refused in one line with exit 2, and nothing changes: a schedule's
number of working days beyond reason, an e-mail "address" that is two, a name or reason of 130 KB, an
empty chair's name; `rr init` will not take over a shared folder. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

HUGE = "x" * 130_000
SHIPPED = Path(__file__).resolve().parents[2] / "schedules" / "rapid_review.toml"


def partnership(rr: Any) -> None:
    rr.now = "2026-12-21T09:00"
    rr.ok("init", "--training")
    rr.ok("agency", "add", "police", "--name", "Police", "--email", "p@police.example", "--partner", "police")
    rr.ok("case", "open", "RR-1", "--received", "2026-12-21", "--aware", "2026-12-18", "--referrer", "police")


def test_a_schedule_with_an_absurd_number_of_working_days_is_refused(rr: Any, tmp_path: Path) -> None:
    """Planted bug: no upper bound (10**20 working days was accepted)."""
    text = SHIPPED.read_text(encoding="utf-8")
    changed, count = re.subn(r"working_days = \d+", "working_days = 100000000000000000000", text, count=1)
    assert count == 1
    schedule = tmp_path / "rapid_review.toml"
    schedule.write_text(changed, encoding="utf-8")
    message = rr.fails(2, "schedule", "check", str(schedule))
    assert message.endswith("working_days: must be at most 3650, not 100000... (21 digits)")


@pytest.mark.parametrize(
    "address",
    [
        "a@b.example,evil",
        "a@b.example;evil",
        "a@b.example,evil@x.example",
        "Bob <a@b.example>",
        "a@b.example\nBcc: e@x.example",
    ],
)
def test_an_email_option_takes_one_mailbox(rr: Any, address: str) -> None:
    """Planted bug: the old regex, which let `a@b.example,evil` through (and mailed two people)."""
    partnership(rr)
    before = rr.snapshot()
    message = rr.fails(2, "agency", "add", "school", "--name", "School", "--email", address)
    assert message.startswith("not an e-mail address: ")
    rr.fails(2, "person", "add", "boss", "--name", "Boss", "--email", address, "--role", "manager")
    assert rr.snapshot() == before


def test_names_and_reasons_have_limits(rr: Any) -> None:
    """Planted bug: `rr close --waive-open` skipping the text check (a 130 KB reason was kept with each
    waived deadline)."""
    partnership(rr)
    before = rr.snapshot()
    assert rr.fails(2, "agency", "add", "school", "--name", HUGE, "--email", "s@school.example") == (
        "the agency's name is 130000 characters long; at most 200 are allowed"
    )
    assert rr.fails(
        2, "person", "add", "boss", "--name", HUGE, "--email", "b@x.example", "--role", "manager"
    ) == ("a name is 130000 characters long; at most 200 are allowed")
    assert rr.fails(2, "decline", "RR-1", "--reason", HUGE) == (
        "--reason is 130000 characters long; at most 4000 are allowed"
    )
    assert rr.fails(2, "close", "RR-1", "--waive-open", HUGE) == (
        "--waive-open is 130000 characters long; at most 4000 are allowed"
    )
    assert rr.snapshot() == before


def test_an_empty_chairs_name_is_bad_input(rr: Any) -> None:
    """`rr endorse --by ''` is exit 2 (bad input), not 3 (a refused transition)."""
    partnership(rr)
    assert rr.fails(2, "endorse", "RR-1", "--by", "") == "--by (the chair's name) is empty"


@pytest.mark.parametrize("mode", [0o1777, 0o777, 0o770])
def test_init_refuses_a_shared_folder_and_leaves_it_as_it_was(rr: Any, mode: int) -> None:
    """Planted bug: init chmodding the folder to 0700 (taking /tmp-like folders from everyone else)."""
    rr.home.mkdir()
    os.chmod(rr.home, mode)
    try:
        message = rr.fails(2, "init", "--training")
        assert message.startswith(f"RR_HOME {rr.home} is a shared folder (mode {mode:04o})")
        assert os.stat(rr.home).st_mode & 0o7777 == mode
        assert list(rr.home.iterdir()) == []
    finally:
        os.chmod(rr.home, 0o700)
        shutil.rmtree(rr.home)
