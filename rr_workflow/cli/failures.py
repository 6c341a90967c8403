"""Failures of the environment, each as one line and an exit code (never a traceback).

The disk full, a folder not ours, a file name too long, a database URL that is not one, a lock held by
someone else for longer than we wait: the CLI's last resort turns these into `rr: error: ...`. Messages
name what failed but never a file's name (a document's name may name a child).
"""

from __future__ import annotations

import errno
import os

from rr_workflow.domain.errors import RRError

_OS_ERRORS = {
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "the disk quota is exhausted",
    errno.EFBIG: "a file grew larger than this system allows",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "the file system is read-only",
    errno.ENAMETOOLONG: "a file name is too long for this file system",
    errno.EIO: "an input/output error on the disk",
}


def describe(error: BaseException) -> RRError | None:
    """The one-line error for a failure of the environment, or None for anything else (a bug)."""
    if isinstance(error, OSError):
        return _os_error(error)
    try:
        from sqlalchemy.exc import ArgumentError, DBAPIError
    except ImportError:  # pragma: no cover
        return None
    if isinstance(error, ArgumentError):
        return _bad_setting(f"RR_DATABASE_URL is not a database URL ({str(error).splitlines()[0][:120]})")
    if isinstance(error, DBAPIError):
        from rr_workflow.adapters.db.failures import database_failure

        return database_failure(error)
    return None


def _os_error(error: OSError) -> RRError:
    what = _OS_ERRORS.get(error.errno or 0) or (error.strerror or type(error).__name__).lower()
    where = ""
    if error.filename and error.errno != errno.ENAMETOOLONG:
        where = f" (in {os.path.dirname(os.fspath(error.filename)) or '.'})"
    return _environment(f"{what}{where}: nothing was saved")


def _environment(message: str) -> RRError:
    from rr_workflow.adapters.db.failures import environment_failure

    return environment_failure(message)


def _bad_setting(message: str) -> RRError:
    from rr_workflow.domain.errors import BadInput

    return BadInput(message)
