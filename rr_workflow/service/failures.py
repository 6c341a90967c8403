"""One line about a failure, safe for logs and for `rr outbox list`: no personal data about a child.

An exception's own text may quote what it was handling: a mail server's content filter quotes the
letter it refused, a database driver's error carries the statement's parameters. So only what the
product or library says about itself is kept: the exception's kind, an SMTP reply code, a database
SQLSTATE, and the first line of errors that carry no such quotation.
"""

from __future__ import annotations

import smtplib

from sqlalchemy.exc import StatementError

_LIMIT = 200


def describe(error: BaseException) -> str:
    kind = type(error).__name__
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        return f"{kind}: the mail server answered {code} (its text is not kept: it may quote the mail)"
    if isinstance(error, StatementError):
        orig = error.orig
        sqlstate = getattr(orig, "sqlstate", None)
        where = f" (SQLSTATE {sqlstate})" if sqlstate else ""
        return f"{kind}: the database refused a statement: {type(orig).__name__}{where}"
    lines = str(error).strip().splitlines()
    return f"{kind}: {lines[0]}"[:_LIMIT] if lines else kind
