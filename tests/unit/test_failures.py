"""What the daemon logs and `rr outbox list` shows about a failure: never the text it quoted.

Planted bug caught: `describe` returning `str(error)` (a driver's error carries the statement's
parameters, a mail server's refusal may quote the letter: both can hold a child's name)."""

from __future__ import annotations

import smtplib

from sqlalchemy.exc import IntegrityError, OperationalError

from rr_workflow.service.failures import describe

CHILD = "Jessamine Quillfeather"


class DriverError(Exception):
    sqlstate = "23505"


def test_a_database_error_keeps_its_kind_and_sqlstate_not_its_parameters() -> None:
    error = IntegrityError(
        "INSERT INTO child_details (name) VALUES (%(name)s)", {"name": CHILD}, DriverError(CHILD)
    )
    assert describe(error) == (
        "IntegrityError: the database refused a statement: DriverError (SQLSTATE 23505)"
    )


def test_a_database_error_without_a_sqlstate() -> None:
    error = OperationalError("SELECT 1", {}, Exception(f"database is locked near {CHILD}"))
    assert describe(error) == "OperationalError: the database refused a statement: Exception"


def test_a_mail_servers_refusal_keeps_its_code_not_its_text() -> None:
    error = smtplib.SMTPDataError(554, f"5.7.1 refused: matched '{CHILD}'".encode())
    assert describe(error) == (
        "SMTPDataError: the mail server answered 554 (its text is not kept: it may quote the mail)"
    )


def test_other_errors_keep_their_first_line() -> None:
    assert describe(ConnectionRefusedError(111, "Connection refused")) == (
        "ConnectionRefusedError: [Errno 111] Connection refused"
    )
    assert describe(RuntimeError("first line\nsecond line")) == "RuntimeError: first line"
    assert describe(RuntimeError()) == "RuntimeError"
    assert len(describe(RuntimeError("x" * 500))) == 200
