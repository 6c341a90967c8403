"""The moment as stored: UTC, to the microsecond, fixed width (it is compared and sorted as text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from rr_workflow.service.clock import LONDON, FixedClock, iso_moment, iso_moment_of


@pytest.mark.parametrize(
    ("moment", "stored"),
    [
        pytest.param(datetime(2026, 11, 2, 9, tzinfo=LONDON), "2026-11-02T09:00:00.000000Z", id="gmt"),
        pytest.param(datetime(2026, 7, 1, 9, 30, tzinfo=LONDON), "2026-07-01T08:30:00.000000Z", id="bst"),
        pytest.param(
            datetime(2027, 1, 1, 0, 15, 5, 120, tzinfo=timezone(timedelta(hours=5))),
            "2026-12-31T19:15:05.000120Z",
            id="another-zone-across-new-year",
        ),
        pytest.param(
            datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC), "2026-03-29T00:59:59.999999Z", id="utc"
        ),
        pytest.param(
            datetime(999, 5, 6, 7, 8, 9, tzinfo=UTC), "0999-05-06T07:08:09.000000Z", id="four-digit-year"
        ),
    ],
)
def test_a_moment_is_stored_in_utc_to_the_microsecond(moment: datetime, stored: str) -> None:
    assert iso_moment_of(moment) == stored
    assert len(iso_moment_of(moment)) == 27


def test_the_clocks_moment_as_stored() -> None:
    """An RR_NOW given without a zone is London time: 1 July at 10:00 is 09:00 UTC."""
    assert iso_moment(FixedClock(datetime(2026, 7, 1, 10))) == "2026-07-01T09:00:00.000000Z"
