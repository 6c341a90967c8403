"""What a database error means to the person who ran the command: a lock held too long (exit 4, try again),
a full disk, an account the database will not serve, a lost connection. One line each; never the values
of a row (an error's detail may quote them)."""

from __future__ import annotations

from rr_workflow.adapters.db.engine import BUSY, is_concurrent_change
from rr_workflow.domain.errors import Conflict, RRError

ENVIRONMENT_EXIT = 1


def database_failure(error: BaseException) -> RRError:
    orig = getattr(error, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None)
    text = str(orig or error).strip().splitlines()[0] if str(orig or error).strip() else type(error).__name__
    lowered = text.lower()
    if is_concurrent_change(error) or "database table is locked" in lowered:
        return Conflict(BUSY)
    if "database or disk is full" in lowered or sqlstate == "53100":
        return environment_failure("the database's disk is full: nothing was saved")
    if "unable to open database file" in lowered or "readonly database" in lowered or sqlstate == "42501":
        return environment_failure(
            f"the database cannot be used by this account ({text[:120]}): nothing was saved"
        )
    if (sqlstate and sqlstate.startswith("08")) or "connection" in lowered:
        return environment_failure(f"the database connection failed ({text[:120]}): nothing was saved")
    return environment_failure(
        f"the database refused the change ({type(orig or error).__name__}): nothing was saved"
    )


def environment_failure(message: str) -> RRError:
    failure = RRError(message)
    failure.exit_code = ENVIRONMENT_EXIT
    return failure
