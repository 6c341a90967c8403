"""The audit trail nobody can rewrite (docs/security.md): triggers refuse UPDATE and DELETE on it, on SQLite
and PostgreSQL; `rr audit verify` replays each case's trail against its stored state; a signed checkpoint
kept outside the database (`rr audit witness`, and daily by the daemon) shows a trail cut from its end or
rewritten whole.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from rr_workflow.adapters.db import audit
from rr_workflow.cli.app import cli
from rr_workflow.service import commands, corrections


def rr(rig: Any, *args: str) -> Any:
    env: dict[str, str | None] = {
        "RR_HOME": str(rig.home),
        "RR_USER": "coord",
        "RR_NOW": rig.clock.now().isoformat(),
        "RR_DATABASE_URL": rig.url if rig.url.startswith("postgresql") else None,
        "RR_WITNESS_KEY": None,
        "RR_WITNESS_LOG": None,
    }
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.fixture
def trail(rig: Any) -> Any:
    rig.run_procedure("RR-1")
    rig.later().to_scoping("RR-2")
    return rig


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET actor = 'mallory' WHERE id = (SELECT max(id) FROM audit_events)",
        "DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)",
        "DELETE FROM audit_events",
    ],
)
def test_the_database_refuses_to_change_or_delete_audit_rows(trail: Any, statement: str) -> None:
    """Planted bug: no triggers (the statement succeeds)."""
    before = trail.rows("SELECT * FROM audit_events ORDER BY id")
    with pytest.raises(DBAPIError, match="append-only"):
        trail.execute(statement)
    assert trail.rows("SELECT * FROM audit_events ORDER BY id") == before


def test_a_case_whose_state_was_changed_behind_the_trail_fails_verify(trail: Any) -> None:
    """Planted bug: verify walking the hash chain only (it said ok)."""
    last = trail.scalar("SELECT max(id) FROM audit_events WHERE case_ref = 'RR-2' AND to_state IS NOT NULL")
    trail.execute("UPDATE cases SET state = 'closed' WHERE ref = 'RR-2'")
    result = rr(trail, "audit", "verify")
    assert result.exit_code == 1
    assert result.stderr == (
        f"rr: error: case RR-2: the case is 'closed' but its trail ends in 'scoping' (row {last})\n"
    )
    report = json.loads(rr(trail, "audit", "verify", "--json").stdout)
    assert report["ok"] is False and report["case_fault"]["case"] == "RR-2"


@pytest.mark.parametrize(
    ("statement", "says"),
    [
        (
            "UPDATE cases SET decided_on = '2026-11-10' WHERE ref = 'RR-1'",
            "its trail dates decided 2026-11-12 but the case holds 2026-11-10",
        ),
        (
            "UPDATE cases SET sin_notified_on = NULL WHERE ref = 'RR-1'",
            "its trail dates sin 2026-11-03 but the case holds none",
        ),
        (
            "UPDATE involvements SET returned_on = '2026-11-04' WHERE agency = 'police' AND case_id = "
            "(SELECT id FROM cases WHERE ref = 'RR-1')",
            "its trail dates scoping-returned (police) 2026-11-03 but the case holds 2026-11-04",
        ),
        (
            "UPDATE meetings SET held_on = '2026-11-13' "
            "WHERE case_id = (SELECT id FROM cases WHERE ref = 'RR-1')",
            "its trail dates meeting-held 2026-11-12 but the case holds 2026-11-13",
        ),
    ],
)
def test_a_step_date_changed_behind_the_trail_fails_verify(trail: Any, statement: str, says: str) -> None:
    """The date of a recorded step, edited in the case's tables, is found although the stage still agrees.
    Planted bug: verify comparing the stages only (it said ok)."""
    assert rr(trail, "audit", "verify").exit_code == 0
    trail.execute(statement)
    result = rr(trail, "audit", "verify")
    assert result.exit_code == 1
    assert result.stderr == f"rr: error: case RR-1: {says}\n"


def test_corrections_withdrawals_and_undos_replay_to_the_dates_stored(trail: Any) -> None:
    """The replay follows every way a date legitimately changes (no false alarm): a correction, a
    withdrawal, an undo of a step and of a correction, a meeting moved."""
    app = trail.later(minutes=1).app
    commands.scoping_returned(app, "RR-2", "la")
    corrections.correct(trail.later().app, "RR-2", "scoping-sent", "police", date(2026, 11, 2), "typed")
    corrections.withdraw(trail.later().app, "RR-2", "scoping-returned", "la", "it was the police's")
    commands.scoping_returned(trail.later().app, "RR-2", "police")
    commands.records_secured(trail.later().app, "RR-2", "health")
    corrections.undo(trail.later().app, "RR-2", "wrong agency")
    commands.meeting_schedule(trail.later().app, "RR-2", date(2026, 11, 11))
    corrections.correct(trail.later().app, "RR-2", "meeting-date", None, date(2026, 11, 12), "slip")
    corrections.correct(trail.later().app, "RR-2", "aware", None, date(2026, 10, 30), "typed")
    corrections.correct(trail.later().app, "RR-2", "received", None, date(2026, 10, 30), "typed")
    corrections.undo(trail.later().app, "RR-2", "it was right")
    result = rr(trail, "audit", "verify", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["cases"] == 2


def test_a_trail_emptied_by_its_owner_fails_verify(trail: Any) -> None:
    trail.tamper("DELETE FROM audit_events")
    result = rr(trail, "audit", "verify")
    assert result.exit_code == 1
    assert result.stderr == "rr: error: case RR-1: the case has no recorded step in the trail\n"


def test_the_witness_shows_a_trail_cut_from_its_end_or_rewritten_whole(trail: Any, tmp_path: Path) -> None:
    """Deleting the last rows, or re-hashing the whole chain after a change, verifies without the witness
    (the chain itself is intact) but not against the checkpoint taken before."""
    added = rr(trail, "agency", "add", "fire", "--name", "Fire", "--email", "f@fire.example")
    assert added.exit_code == 0, added.output  # the last row: no case's state hangs on it
    made = rr(trail, "audit", "witness")
    assert made.exit_code == 0, made.output
    log = trail.home / "witness.log"
    point = json.loads(log.read_text().splitlines()[-1])
    assert point["rows"] == trail.scalar("SELECT count(*) FROM audit_events")
    assert stat_mode(trail.home / "witness.key") == 0o600
    ok = rr(trail, "audit", "verify", "--witness", str(log))
    assert ok.exit_code == 0 and ok.stdout.endswith("1 checkpoint(s) match\n"), ok.output

    # Cut the last row: the chain still verifies on its own; the witness does not.
    last = trail.scalar("SELECT max(id) FROM audit_events")
    trail.tamper("DELETE FROM audit_events WHERE id = :id", id=last)
    assert rr(trail, "audit", "verify").exit_code == 0  # the chain alone cannot tell
    cut = rr(trail, "audit", "verify", "--witness", str(log))
    assert cut.exit_code == 1
    assert f"its last row ({last}) is gone: the trail was cut" in cut.stderr

    # Rewrite a row and re-hash every row after it: the chain is whole again, the head is not the same.
    rows = trail.rows("SELECT * FROM audit_events ORDER BY id")
    previous = audit.GENESIS
    for number, row in enumerate(rows):
        if number == 3:
            row["actor"] = "mallory"
        row["prev_hash"] = previous
        row["hash"] = audit.row_hash(previous, row)
        trail.tamper(
            "UPDATE audit_events SET actor = :actor, prev_hash = :prev_hash, hash = :hash WHERE id = :id",
            **{k: row[k] for k in ("actor", "prev_hash", "hash", "id")},
        )
        previous = row["hash"]
    rr(trail, "audit", "witness")  # a new checkpoint of the forged trail does not excuse the old one
    rewritten = rr(trail, "audit", "verify", "--witness", str(log))
    assert rewritten.exit_code == 1
    assert "the trail was cut" in rewritten.stderr or "the trail was rewritten" in rewritten.stderr


def test_a_forged_checkpoint_is_refused(trail: Any) -> None:
    rr(trail, "audit", "witness")
    log = trail.home / "witness.log"
    point = json.loads(log.read_text())
    point["rows"] -= 1
    log.write_text(json.dumps(point) + "\n")
    result = rr(trail, "audit", "verify", "--witness", str(log))
    assert result.exit_code == 1
    assert "is not signed by this key" in result.stderr


def stat_mode(path: Path) -> int:
    return os.stat(path).st_mode & 0o777


def test_the_daemons_checkpoint_is_signed_and_mailed(rig: Any) -> None:
    from rr_workflow.service import checkpoint

    rig.run_procedure("RR-1")
    point = checkpoint.write_checkpoint(rig.app)
    rows = rig.rows("SELECT to_addrs, subject, body FROM mail_outbox WHERE subject LIKE '%checkpoint%'")
    assert len(rows) == 1 and json.loads(rows[0]["body"].splitlines()[-1]) == point
    with rig.app.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_events")).scalar() == point["rows"]
