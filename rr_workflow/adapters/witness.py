"""A witness of the audit trail outside the database: signed checkpoints of its length and head.

The chain in the database shows an edited, inserted or removed row, but someone who can write to the
database could rewrite the whole chain, or cut rows from its end, and it would still verify. A
checkpoint records how many rows the trail had and the hash of its last row, signed (HMAC-SHA256) with a
key kept outside the database. The daemon writes one a day to a log file and mails it to the admins;
`rr audit verify --witness FILE` checks the trail still contains every checkpointed head.

The key: the file named by RR_WITNESS_KEY, default RR_HOME/witness.key (made on first use, mode 0600).
Keep it (and the log) where the database's writers cannot reach, e.g. readable only by the daemon's
account, for the checkpoints to prove anything against them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from rr_workflow.adapters.db import tables as t
from rr_workflow.domain.errors import BadInput

KEY_ENV, LOG_ENV = "RR_WITNESS_KEY", "RR_WITNESS_LOG"


def key_path(home: Path) -> Path:
    configured = os.environ.get(KEY_ENV)
    return Path(configured).expanduser() if configured else home / "witness.key"


def log_path(home: Path) -> Path:
    configured = os.environ.get(LOG_ENV)
    return Path(configured).expanduser() if configured else home / "witness.log"


def load_key(home: Path, create: bool) -> bytes:
    path = key_path(home)
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        if not create:
            raise BadInput(f"no witness key at {path}: checkpoints cannot be checked without it") from None
    except (OSError, ValueError) as error:
        raise BadInput(f"cannot read the witness key {path}: {error}") from None
    key = secrets.token_bytes(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
    return key


def _mac(key: bytes, rows: int, head_id: int, head: str, at: str) -> str:
    return hmac.new(key, f"{rows}|{head_id}|{head}|{at}".encode(), hashlib.sha256).hexdigest()


def checkpoint(connection: Connection, key: bytes, at: datetime | None = None) -> dict[str, Any]:
    """The trail's length and head now, signed."""
    a = t.audit_events
    rows = int(connection.execute(select(func.count()).select_from(a)).scalar() or 0)
    last = connection.execute(select(a.c.id, a.c.hash).order_by(a.c.id.desc()).limit(1)).first()
    head_id, head = (int(last.id), str(last.hash)) if last else (0, "")
    moment = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    return {
        "at": moment,
        "rows": rows,
        "head_id": head_id,
        "head": head,
        "mac": _mac(key, rows, head_id, head, moment),
    }


def append_to_log(home: Path, point: dict[str, Any]) -> Path:
    path = log_path(home)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(point, sort_keys=True) + "\n")
    return path


@dataclass(frozen=True)
class WitnessFault:
    line: int
    problem: str


def check(connection: Connection, key: bytes, lines: list[str]) -> tuple[int, WitnessFault | None]:
    """Check each checkpoint line against the trail; the number checked and the first fault."""
    a = t.audit_events
    checked = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            point = json.loads(line)
            fields = (int(point["rows"]), int(point["head_id"]), str(point["head"]), str(point["at"]))
            mac = str(point["mac"])
        except (ValueError, KeyError, TypeError):
            return checked, WitnessFault(number, "not a checkpoint line")
        rows, head_id, head, at = fields
        if not hmac.compare_digest(mac, _mac(key, *fields)):
            return checked, WitnessFault(number, f"checkpoint of {at} is not signed by this key (forged?)")
        stored = connection.execute(select(a.c.hash).where(a.c.id == head_id)).scalar() if head_id else ""
        count = int(
            connection.execute(select(func.count()).select_from(a).where(a.c.id <= head_id)).scalar() or 0
        )
        if stored is None:
            return checked, WitnessFault(
                number, f"checkpoint of {at}: its last row ({head_id}) is gone: the trail was cut"
            )
        if stored != head:
            return checked, WitnessFault(
                number, f"checkpoint of {at}: row {head_id} has another hash now: the trail was rewritten"
            )
        if count != rows:
            return checked, WitnessFault(
                number, f"checkpoint of {at}: {rows} rows up to row {head_id} then, {count} now"
            )
        checked += 1
    return checked, None
