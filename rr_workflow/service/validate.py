"""Checks on free text and addresses people type in, in one place: one clear line when they fail.

Limits are generous for real use and small enough that a pasted file cannot fill letters, the board or
the trail (a name of 130 KB is a mistake, not a name).
"""

from __future__ import annotations

from rr_workflow.domain.errors import BadInput

NAME_MAX = 200  # a person's or an agency's name, a signatory
TEXT_MAX = 4000  # a rationale, a reason, a summary line
EMAIL_MAX = 254  # RFC 5321's limit on a forward path


def name(value: str, what: str = "a name") -> str:
    """A one-line name: not blank, no control characters, at most NAME_MAX characters."""
    return _line(value, what, NAME_MAX)


def text(value: str, what: str = "the text") -> str:
    """Free text (line breaks allowed): not blank, at most TEXT_MAX characters."""
    if not value.strip():
        raise BadInput(f"{what} is empty")
    if len(value) > TEXT_MAX:
        raise BadInput(f"{what} is {len(value)} characters long; at most {TEXT_MAX} are allowed")
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise BadInput(f"{what} contains control characters")
    return value


def _line(value: str, what: str, limit: int) -> str:
    if not value.strip():
        raise BadInput(f"{what} is empty")
    if len(value) > limit:
        raise BadInput(f"{what} is {len(value)} characters long; at most {limit} are allowed")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise BadInput(f"{what} must be one line without control characters")
    return value


def email(value: str) -> str:
    """One mailbox (`name@domain`), checked by email-validator's syntax rules without a DNS lookup: a list
    (`a@x.example,b@y.example`), a display name or a header injection is refused. Internal domains are
    allowed, and so is `LOGIN@localhost` (what `rr init` gives a person by default: local delivery).
    Returns the address as given."""
    from email_validator import EmailNotValidError, validate_email

    if len(value) > EMAIL_MAX:
        raise BadInput(f"an e-mail address is at most {EMAIL_MAX} characters")
    local = value.lower().endswith("@localhost")
    checked = value[: -len("localhost")] + "localhost.example" if local else value
    try:
        validate_email(
            checked, check_deliverability=False, globally_deliverable=False, allow_display_name=False
        )
    except EmailNotValidError as error:
        raise BadInput(f"not an e-mail address: {_shown(value)} ({error})") from None
    return value


def _shown(value: str) -> str:
    return repr(value if len(value) <= 80 else value[:77] + "...")
