"""Bank holidays kept in a file once computed: the `holidays` package takes about a quarter of a second to
build the table for the calendar's span of years, which would be most of a short command's time.

The file is named by the package's version, the country, the region and the years, so a new version of
the package (new holidays announced) or another region never reads an old table. A file that cannot be
read or written is only a cache missed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from rr_workflow.domain.calendar import HolidaySource, bank_holidays


def cached(folder: Path, source: HolidaySource = bank_holidays) -> HolidaySource:
    """`source`, with each answer kept as a JSON file in `folder` (made on first use)."""

    def lookup(country: str, region: str, years: range) -> Mapping[date, str]:
        try:
            package = version("holidays")
        except PackageNotFoundError:
            package = "unknown"
        path = folder / f"holidays-{package}-{country}-{region}-{years.start}-{years.stop - 1}.json"
        try:
            return {date.fromisoformat(day): name for day, name in json.loads(path.read_text()).items()}
        except (OSError, ValueError, AttributeError):
            pass
        found = source(country, region, years)
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            folder.chmod(0o700)  # like every folder under RR_HOME: the service user's only
            partial = path.with_name(f"{path.name}.{os.getpid()}.part")
            handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump({day.isoformat(): name for day, name in found.items()}, file)
            partial.replace(path)
        except OSError:
            pass
        return found

    return lookup
