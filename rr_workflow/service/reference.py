"""Reference data every command may need: the working calendar and the timescales in force."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rr_workflow.adapters import config
from rr_workflow.domain.calendar import SUPPORTED_REGIONS, WorkingCalendar
from rr_workflow.domain.errors import BadInput
from rr_workflow.domain.schedule import Schedule


def working_calendar(region: str | None = None, cache: Path | None = None) -> WorkingCalendar:
    """The configured calendar, optionally for another region of the UK; with `cache`, the bank holiday
    tables are kept in that folder once computed (a process then pays for them only the first time)."""
    settings = config.load_calendar_settings()
    if region is not None:
        region = region.upper()
        if region not in SUPPORTED_REGIONS:
            raise BadInput(f"unknown region {region!r} (expected one of: {', '.join(SUPPORTED_REGIONS)})")
        settings = dataclasses.replace(settings, region=region)
    if cache is None:
        return WorkingCalendar(settings)
    from rr_workflow.adapters.holiday_cache import cached

    return WorkingCalendar(settings, cached(cache))


def schedule(path: Path | None = None) -> Schedule:
    return config.load_schedule(path)
