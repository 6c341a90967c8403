"""The review that follows a Rapid Review: its timescales counted in calendar months and working days, its
machine, and its schedule file. Expected dates are worked out by hand in the comments (England and Wales:
Christmas Fri 25 Dec 2026, Boxing Day observed Mon 28 Dec, New Year's Day Fri 1 Jan 2027, Good Friday
26 Mar 2027, Easter Monday 29 Mar 2027, the early May bank holiday Mon 3 May 2027)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import ClassVar

import pytest

from rr_workflow.adapters.config import check_file
from rr_workflow.domain.calendar import KEEP, NEXT, PREVIOUS, CalendarSettings, WorkingCalendar
from rr_workflow.domain.deadlines import Deviation, Milestones, Status, compute_deadlines
from rr_workflow.domain.errors import BadInput, ConfigError, Refused
from rr_workflow.domain.review import (
    LocalReview,
    NationalReview,
    allowed_events,
    allowed_in,
    machine_for,
    start,
)
from rr_workflow.domain.review_record import Review
from rr_workflow.domain.schedule import Schedule, parse_review_schedule

SHIPPED = Path(__file__).resolve().parents[2] / "schedules" / "local_review.toml"
ENG = WorkingCalendar(CalendarSettings(region="ENG"))


def shipped() -> Schedule:
    schedule = check_file(SHIPPED)
    assert isinstance(schedule, Schedule)
    return schedule


class TestMonths:
    """Calendar months are counted by dateutil's relativedelta: the same day, clamped to the month's end.
    Planted once: `add_months` ignoring its roll (every date kept) fails the bank-holiday cases here."""

    def test_the_end_of_august_plus_six_months_is_the_end_of_february(self) -> None:
        assert ENG.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
        assert ENG.add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)  # a leap year

    def test_a_day_that_is_not_a_working_day_moves_only_when_asked(self) -> None:
        # Tue 3 Nov 2026 + 6 months = Mon 3 May 2027, the early May bank holiday.
        start = date(2026, 11, 3)
        assert ENG.add_months(start, 6, KEEP) == date(2027, 5, 3)
        assert ENG.add_months(start, 6, PREVIOUS) == date(2027, 4, 30)  # Friday
        assert ENG.add_months(start, 6, NEXT) == date(2027, 5, 4)  # Tuesday
        # Sat 12 Dec 2026 + 1 month = Tue 12 Jan 2027: a working day stays.
        assert ENG.add_months(date(2026, 12, 12), 1, PREVIOUS) == date(2027, 1, 12)

    def test_an_unknown_roll_is_bad_input(self) -> None:
        """Planted (mutation run, 26 Nov 2026): the choices joined with 'XX, XX'."""
        with pytest.raises(BadInput) as caught:
            ENG.add_months(date(2026, 1, 1), 1, "sideways")
        assert str(caught.value) == "unknown roll 'sideways' (expected one of: keep, next, previous)"

    def test_months_are_counted_from_1900_to_2199_only(self) -> None:
        """The calendar's years are 1900 to 2199, both included. Planted (mutation run): `<` for `<=` at
        either end refuses 1900 or 2199; the refusal's words dropped (`BadInput(None)`), past 2199 or
        past the year 9999 (relativedelta's own error)."""
        assert ENG.add_months(date(1900, 1, 31), 0) == date(1900, 1, 31)
        assert ENG.add_months(date(2199, 11, 30), 1) == date(2199, 12, 30)
        for first in (date(2199, 12, 1), date(9999, 12, 1)):
            with pytest.raises(BadInput) as caught:
                ENG.add_months(first, 1)
            assert str(caught.value) == "dates are counted between 1900 and 2199 only"


def review_deadlines(
    events: dict[str, date],
    checkpoints: tuple[date, ...] = (),
    as_of: date = date(2026, 11, 3),
    deviations: tuple[Deviation, ...] = (),
) -> dict[str, object]:
    found = compute_deadlines(
        shipped(), ENG, Milestones(case=events, series={"checkpoint": checkpoints}), as_of, deviations
    )
    return {d.key: d for d in found}


class TestShippedSchedule:
    """Decision Tue 3 Nov 2026 under schedules/local_review.toml."""

    DECIDED: ClassVar[dict[str, date]] = {"decision_made": date(2026, 11, 3)}

    def test_the_decision_starts_the_reviewer_draft_publication_and_final_report(self) -> None:
        found = review_deadlines(self.DECIDED)
        assert {k: d.due for k, d in found.items()} == {  # type: ignore[attr-defined]
            "reviewer_appointed": date(2026, 12, 1),  # 20 working days
            "draft_report": date(2027, 3, 3),  # 4 months: Wed 3 Mar
            "published": date(2027, 4, 30),  # 6 months: Mon 3 May is a bank holiday, so Fri 30 Apr
            "final_report_sent": date(2027, 4, 21),  # 7 working days before Fri 30 Apr
        }

    def test_checkpoints_count_from_the_last_one_and_stop_with_the_final_report(self) -> None:
        """Planted once: each checkpoint counted from the terms of reference (not the last one held)
        fails here."""
        events = {**self.DECIDED, "reviewer_appointed": date(2026, 11, 24), "tor_agreed": date(2026, 12, 4)}
        found = review_deadlines(events)
        assert found["checkpoint:1"].due == date(2027, 1, 6)  # type: ignore[attr-defined]  # over Christmas
        found = review_deadlines(events, (date(2027, 1, 5),))
        assert found["checkpoint:1"].status == Status.MET  # type: ignore[attr-defined]
        assert found["checkpoint:2"].due == date(2027, 2, 2)  # type: ignore[attr-defined]
        finished = {**events, "final_report_sent": date(2027, 1, 20)}
        assert [k for k in review_deadlines(finished, (date(2027, 1, 5),)) if k.startswith("checkpoint")] == [
            "checkpoint:1"
        ]

    def test_an_extension_of_publication_moves_the_final_report_and_keeps_the_original_date(self) -> None:
        """Criminal proceedings: publication extended to Thu 30 Sep 2027; the final report is then due
        7 working days before, Tue 21 Sep 2027; published on 20 Sep it is met late against 30 Apr."""
        delay = (Deviation("published", "criminal proceedings", date(2027, 9, 30)),)
        found = review_deadlines(self.DECIDED, as_of=date(2027, 6, 1), deviations=delay)
        published = found["published"]
        assert (published.due, published.original_due, published.status) == (  # type: ignore[attr-defined]
            date(2027, 9, 30), date(2027, 4, 30), Status.EXTENDED,
        )  # fmt: skip
        assert found["final_report_sent"].due == date(2027, 9, 21)  # type: ignore[attr-defined]
        done = {**self.DECIDED, "published": date(2027, 9, 20)}
        late = review_deadlines(done, as_of=date(2027, 9, 20), deviations=delay)["published"]
        assert late.status == Status.MET_LATE  # type: ignore[attr-defined]


class TestScheduleFile:
    def test_a_count_back_from_a_missing_deadline_is_refused(self, tmp_path: Path) -> None:
        text = SHIPPED.read_text().replace('before = "published"', 'before = "publication"')
        import tomllib

        with pytest.raises(
            ConfigError, match=r"deadlines.final_report_sent.before: no deadline 'publication'"
        ):
            parse_review_schedule(tomllib.loads(text), "local_review.toml")

    def test_an_unknown_roll_is_refused(self) -> None:
        text = SHIPPED.read_text().replace(
            'on_non_working_day = "previous"', 'on_non_working_day = "nearest"', 1
        )
        import tomllib

        with pytest.raises(
            ConfigError, match=r"deadlines.draft_report.on_non_working_day: unknown 'nearest'"
        ):
            parse_review_schedule(tomllib.loads(text), "local_review.toml")


class TestMachine:
    def review(self) -> Review:
        return Review("RR-1", "local_cspr", date(2026, 11, 3), "review-2026.1")

    def test_the_steps_go_in_order(self) -> None:
        review = self.review()
        machine = machine_for(review)
        assert allowed_events(machine) == ["appoint", "not_publish"]
        machine.send("appoint", on=date(2026, 11, 24), reviewer="Dr A Reviewer")
        machine.send("agree_tor", on=date(2026, 12, 4))
        machine.send("checkpoint", on=date(2027, 1, 5))
        machine.send("receive_draft", on=date(2027, 3, 1))
        machine.send("checkpoint", on=date(2027, 3, 2))
        machine.send("send_final", on=date(2027, 4, 20))
        assert review.state == "final_report_sent" and [c.number for c in review.checkpoints] == [1, 2]

    def test_publication_needs_the_notice_or_a_reason(self) -> None:
        review = self.review()
        machine = machine_for(review)
        review.state = "final_report_sent"
        review.final_sent_on = date(2027, 4, 20)
        with pytest.raises(Refused, match="publish on 2027-04-29 or later"):
            machine.send("publish", on=date(2027, 4, 28), earliest=date(2027, 4, 29))
        machine.send(
            "publish", on=date(2027, 4, 28), earliest=date(2027, 4, 29), short_notice_reason="court date"
        )
        assert review.state == "review_published" and review.short_notice_reason == "court date"

    def test_a_national_review_waits_for_the_panel(self) -> None:
        review = Review("RR-2", "national_cspr", date(2026, 11, 3), "review-2026.1")
        machine = machine_for(review)
        assert review.state == "national_awaiting_panel"
        machine.send("panel_decides", on=date(2026, 12, 1), undertakes=True)
        assert review.state == "national_undertaken" and review.panel_undertakes is True


class TestOpeningWithoutAMachine:
    """A decision opens its review without building a machine (`start`, `allowed_in`): the state and the
    allowed steps must be the ones the machine gives."""

    def test_a_new_review_starts_where_its_machine_would(self) -> None:
        """Planted bug caught: `start` giving every review the local review's first state."""
        local = Review("RR-1", "alternative_review", date(2026, 11, 3), "review-2026.1")
        national = Review("RR-2", "national_cspr", date(2026, 11, 3), "review-2026.1")
        start(local), start(national)
        assert (local.state, national.state) == ("review_opened", "national_awaiting_panel")
        assert (allowed_in(local), allowed_in(national)) == (["appoint", "not_publish"], ["panel_decides"])

    def test_entering_the_first_state_runs_no_hook(self) -> None:
        """What `start` leaves out: a hook on entering the first state (on_enter_opened, say) would run
        when a machine is built, and not when a review is started. Planted bug caught: such a hook."""
        for machine in (LocalReview, NationalReview):
            initial = machine.initial_state
            assert initial is not None
            named = [spec.func for spec in initial.enter if isinstance(spec.func, str)]
            assert named and not [name for name in named if hasattr(machine, name)]

    @pytest.mark.parametrize("kind", ["local_cspr", "national_cspr"])
    def test_the_steps_allowed_in_each_state_are_the_machines(self, kind: str) -> None:
        review = Review("RR-1", kind, date(2026, 11, 3), "review-2026.1")
        machine = machine_for(review)
        for state in type(machine).states_map:
            review.state = state
            assert allowed_in(review) == allowed_events(machine), state
