"""Time, injected: the system clock for live use, a fixed clock for training databases and tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """Always the same moment (a training database's RR_NOW); `advance_to` moves it."""

    def __init__(self, moment: datetime) -> None:
        self.advance_to(moment)

    def advance_to(self, moment: datetime) -> None:
        self.moment = moment if moment.tzinfo else moment.replace(tzinfo=LONDON)

    def now(self) -> datetime:
        return self.moment


def local_today(clock: Clock, zone: ZoneInfo = LONDON) -> date:
    return clock.now().astimezone(zone).date()


def iso_moment(clock: Clock) -> str:
    """The clock's moment in UTC as stored in the database (fixed width, so it sorts as text)."""
    return iso_moment_of(clock.now())


def iso_moment_of(moment: datetime) -> str:
    """2026-11-02T09:00:00.000000Z: to the microsecond, always (isoformat: a quarter of strftime's time)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_moment(text: str) -> datetime:
    """An ISO date-time (RR_NOW, `rr tick --now`); a date alone means 09:00 that day, London time."""
    moment = datetime.fromisoformat(text if "T" in text or " " in text else f"{text}T09:00")
    return moment if moment.tzinfo else moment.replace(tzinfo=LONDON)
