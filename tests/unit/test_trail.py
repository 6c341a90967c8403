"""The dates a case's trail says it holds (`domain/trail.py`), replayed from audit rows built by hand, and
the line `rr audit verify` prints for the first date that disagrees.

The mutation run found the replay reached only through whole cases in the audit-chain tests, none with a
correction, a withdrawal or an undo: an undo that put nothing back, a correction read from the wrong key
or a moved meeting overwriting the day it was first set passed every selected test."""

from __future__ import annotations

from datetime import date
from typing import Any

from rr_workflow.domain.trail import Row, first_difference, replay

D = date


def row(id: int, action: str, on: date | None = None, **details: Any) -> Row:
    return Row(id, action, on, details)


OPENED = row(1, "case_opened", D(2026, 3, 2), received="2026-03-02", aware="2026-03-03")
SIN = row(2, "record_sin", D(2026, 3, 4))
SENT = row(3, "send_scoping", D(2026, 3, 5), agencies=["la", "police"])
RETURNED = row(4, "return_scoping", D(2026, 3, 9), agency="la")
SET = row(5, "schedule_meeting", D(2026, 3, 10))
MOVED = row(6, "schedule_meeting", D(2026, 3, 12))
BEFORE_CORRECTIONS = {
    ("received", None): D(2026, 3, 2),
    ("aware", None): D(2026, 3, 3),
    ("sin", None): D(2026, 3, 4),
    ("scoping-sent", "la"): D(2026, 3, 5),
    ("scoping-sent", "police"): D(2026, 3, 5),
    ("scoping-returned", "la"): D(2026, 3, 9),
    ("meeting-set", None): D(2026, 3, 10),
}


def test_each_step_records_its_date_and_moving_the_meeting_keeps_the_first() -> None:
    """Planted: the first-only check reading facts.get(None), or applied to every fact but the meeting's
    date (`not in FIRST_ONLY`): the meeting set on 10 March reads as 12 March."""
    assert replay([OPENED, SIN, SENT, RETURNED, SET, MOVED]) == BEFORE_CORRECTIONS


def test_a_correction_sets_the_agencys_date_and_its_undo_puts_the_old_one_back() -> None:
    """Planted: the fact, the agency or the new date read from another key, the action compared with
    "fact_corrected" upside down, the date dropped (None), the milestone written as None: the corrected
    date is wrong. Planted in the undo: its changes filed under None, the value replaced read as None,
    the row undone read from another key, `reversed(None)`, `int(None)`: the undo puts back nothing, or
    the wrong thing."""
    corrected = row(7, "fact_corrected", D(2026, 3, 16), fact="scoping-returned", agency="la",
                    before="2026-03-09", after="2026-03-06")  # fmt: skip
    trail = [OPENED, SIN, SENT, RETURNED, SET, corrected]
    assert replay(trail) == {**BEFORE_CORRECTIONS, ("scoping-returned", "la"): D(2026, 3, 6)}
    undone = row(8, "step_undone", D(2026, 3, 17), undoes=7)
    assert replay([*trail, undone]) == BEFORE_CORRECTIONS


def test_a_withdrawal_clears_the_fact_and_its_undo_restores_it() -> None:
    """Planted: `_day` parsing None (`and` for `or`: str(None) is no date), the withdrawal read as a
    correction (`or True`) or ignored: the SIN date stays, or the replay fails."""
    withdrawn = row(
        7, "fact_withdrawn", D(2026, 3, 16), fact="sin", agency=None, before="2026-03-04", after=None
    )
    trail = [OPENED, SIN, withdrawn]
    assert replay(trail) == {("received", None): D(2026, 3, 2), ("aware", None): D(2026, 3, 3)}
    assert replay([*trail, row(8, "step_undone", D(2026, 3, 17), undoes=7)]) == {
        ("received", None): D(2026, 3, 2),
        ("aware", None): D(2026, 3, 3),
        ("sin", None): D(2026, 3, 4),
    }


def test_undoing_a_step_clears_the_date_it_recorded() -> None:
    """Planted: the step's date filed under row None (`put(None, ...)`): the undo finds nothing to put
    back and the SIN date stays."""
    assert replay([OPENED, SIN, row(3, "step_undone", D(2026, 3, 5), undoes=2)]) == {
        ("received", None): D(2026, 3, 2),
        ("aware", None): D(2026, 3, 3),
    }


def test_an_undo_naming_no_row_changes_nothing() -> None:
    """An undo row always names the row it undoes; one that does not must not undo the opening.
    Planted: `undoes or 1` reads it as undoing row 1 (the opening): the received and aware dates go."""
    assert replay([OPENED, SIN, row(3, "step_undone", D(2026, 3, 5))]) == {
        ("received", None): D(2026, 3, 2),
        ("aware", None): D(2026, 3, 3),
        ("sin", None): D(2026, 3, 4),
    }


def test_a_correction_of_a_fact_that_is_not_a_date_is_not_replayed() -> None:
    """Who endorsed the outcome is text, not a date. Planted: `or` for `and` (every known fact replayed)
    or `!= DATE` reads 'Jane Chair' as a date and fails; an unknown fact name is skipped, not a KeyError
    (planted: `not in FACTS`)."""
    trail = [
        OPENED,
        row(2, "fact_corrected", D(2026, 3, 5), fact="endorsed-by", agency=None, after="Jane Chair"),
        row(3, "fact_corrected", D(2026, 3, 5), fact="no-such-fact", agency=None, after="2026-03-05"),
    ]
    assert replay(trail) == {("received", None): D(2026, 3, 2), ("aware", None): D(2026, 3, 3)}


class TestFirstDifference:
    def test_a_date_the_case_lost(self) -> None:
        """Planted: the two sides intersected (`&`): a fact only the trail holds is never reported;
        'none' changed or in capitals."""
        assert first_difference({("sin", None): D(2026, 3, 4)}, {}) == (
            "its trail dates sin 2026-03-04 but the case holds none"
        )

    def test_a_date_the_trail_never_recorded(self) -> None:
        """Planted: 'not recorded' changed or in capitals."""
        assert first_difference({}, {("sin", None): D(2026, 3, 4)}) == (
            "its trail dates sin not recorded but the case holds 2026-03-04"
        )

    def test_an_agencys_date_names_the_agency(self) -> None:
        """Planted: the agency left out of the fact's name (`if agency and False`)."""
        expected = {("scoping-returned", "la"): D(2026, 3, 9), ("aware", None): D(2026, 3, 3)}
        stored = {("scoping-returned", "la"): D(2026, 3, 6), ("aware", None): D(2026, 3, 3)}
        assert first_difference(expected, stored) == (
            "its trail dates scoping-returned (la) 2026-03-09 but the case holds 2026-03-06"
        )

    def test_the_first_difference_in_order_of_fact_then_agency(self) -> None:
        """Two agencies differ: health comes before police. (Planted `m[1] and ""` makes every agency
        equal, and the order is the set's: this catches it only on some hash seeds.)"""
        expected = {
            (f, a): D(2026, 3, 9) for f in ("scoping-sent", "records-secured") for a in ("police", "health")
        }
        stored = {m: D(2026, 3, 10) for m in expected}
        assert first_difference(expected, stored) == (
            "its trail dates records-secured (health) 2026-03-09 but the case holds 2026-03-10"
        )

    def test_the_same_dates_have_no_difference(self) -> None:
        assert first_difference(BEFORE_CORRECTIONS, dict(BEFORE_CORRECTIONS)) is None
