"""Where the product's files are, and loading the schedule and calendar files into domain objects.

Which file applies, first found wins:
  schedule: $RR_SCHEDULE, then $RR_HOME/rapid_review.toml, then the shipped schedules/rapid_review.toml
  review schedule: $RR_REVIEW_SCHEDULE, then $RR_HOME/local_review.toml, then the shipped one
  calendar: $RR_CALENDAR, then $RR_HOME/calendar.toml, then the shipped schedules/calendar.toml
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rr_workflow.domain.calendar import CalendarSettings
from rr_workflow.domain.errors import ConfigError
from rr_workflow.domain.schedule import (
    Schedule,
    parse_calendar,
    parse_review_schedule,
    parse_schedule,
)

SCHEDULE_FILE = "rapid_review.toml"
REVIEW_SCHEDULE_FILE = "local_review.toml"
CALENDAR_FILE = "calendar.toml"


def shipped_dir(name: str) -> Path:
    """The shipped `schedules`, `templates` or `examples` folder: inside the wheel, or at the top of a
    checkout."""
    package = Path(__file__).resolve().parents[1]
    inside_wheel = package / "_shipped" / name
    return inside_wheel if inside_wheel.is_dir() else package.parent / name


def rr_home() -> Path:
    """The folder holding the embedded database, configuration and generated files."""
    configured = os.environ.get("RR_HOME")
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("rr-workflow", appauthor=False))


def _chosen_file(env_var: str, name: str) -> Path:
    configured = os.environ.get(env_var)
    if configured:
        return Path(configured).expanduser()
    in_home = rr_home() / name
    return in_home if in_home.is_file() else shipped_dir("schedules") / name


def read_toml(path: Path) -> Mapping[str, Any]:
    import tomllib

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text: save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def load_schedule(path: Path | None = None) -> Schedule:
    path = path or _chosen_file("RR_SCHEDULE", SCHEDULE_FILE)
    return parse_schedule(read_toml(path), source=str(path))


def schedule_in_force() -> tuple[Schedule, str]:
    """The schedule new cases are opened under, with the file's text (stored with the case's version).
    The file is read every time (it may have changed); parsing the same text again is skipped."""
    path = _chosen_file("RR_SCHEDULE", SCHEDULE_FILE)
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        read_toml(path)  # the same one-line message as any other configuration file
        raise
    return _parsed_in_force(text, str(path)), text


@functools.lru_cache(maxsize=8)
def _parsed_in_force(text: str, source: str) -> Schedule:
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: not valid TOML: {error}") from None
    return parse_schedule(data, source=source)


@functools.lru_cache(maxsize=64)
def parse_schedule_text(text: str, source: str) -> Schedule:
    """A schedule stored with a case (cached: every command on the case needs it, and it never changes)."""
    import tomllib

    return parse_schedule(tomllib.loads(text), source=source)


def load_review_schedule(path: Path | None = None) -> Schedule:
    path = path or _chosen_file("RR_REVIEW_SCHEDULE", REVIEW_SCHEDULE_FILE)
    return parse_review_schedule(read_toml(path), source=str(path))


def review_schedule_in_force() -> tuple[Schedule, str]:
    """The schedule new reviews are opened under, with the file's text (stored with the review's version).
    The file is read every time (it may have changed); parsing the same text again is skipped (every
    decision that opens a review asks, a thousand times in an import of past cases)."""
    path = _chosen_file("RR_REVIEW_SCHEDULE", REVIEW_SCHEDULE_FILE)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        read_toml(path)  # the same one-line message as any other configuration file
        raise
    return _parsed_review_in_force(text, str(path)), text


@functools.lru_cache(maxsize=8)
def _parsed_review_in_force(text: str, source: str) -> Schedule:
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: not valid TOML: {error}") from None
    return parse_review_schedule(data, source=source)


@functools.lru_cache(maxsize=64)
def parse_review_schedule_text(text: str, source: str) -> Schedule:
    """A review schedule stored with a review (cached, as `parse_schedule_text`)."""
    import tomllib

    return parse_review_schedule(tomllib.loads(text), source=source)


def load_calendar_settings(path: Path | None = None) -> CalendarSettings:
    path = path or _chosen_file("RR_CALENDAR", CALENDAR_FILE)
    return parse_calendar(read_toml(path), source=str(path))


def check_file(path: Path) -> Schedule | CalendarSettings:
    """Validate a schedule, a review schedule or a calendar file (told apart by its first table, and a
    review's schedule by its `procedure = "review"`)."""
    data = read_toml(path)
    if "calendar" in data:
        return parse_calendar(data, source=str(path))
    head = data.get("schedule")
    if isinstance(head, Mapping) and head.get("procedure") == "review":
        return parse_review_schedule(data, source=str(path))
    return parse_schedule(data, source=str(path))
