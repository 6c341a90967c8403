"""Errors the domain and service layers raise; the CLI maps each kind to an exit code.

Messages are shown to coordinators as they are: they must be one clear line and must never contain
personal data about a child.
"""


class RRError(Exception):
    """Base of every error a user can cause. `exit_code` is what the CLI exits with."""

    exit_code = 1


class BadInput(RRError):
    """The input is malformed, unknown or out of range (exit 2)."""

    exit_code = 2


class ConfigError(BadInput):
    """A schedule or calendar file is wrong. The message names the file, the key and the fault."""


class Unavailable(BadInput):
    """The database cannot be reached or opened (exit 2: the setting that names it is wrong or its server is
    down); nothing was changed."""


class Refused(RRError):
    """The procedure does not allow this now (exit 3)."""

    exit_code = 3


class Conflict(RRError):
    """Someone else changed the same case at the same time (exit 4)."""

    exit_code = 4
