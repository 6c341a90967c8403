"""Correcting, withdrawing and restoring one recorded fact, and moving the meeting date
(domain/corrections.py): the value changed on the case, the `Change` a coordinator reads, the event the
letters and timers follow, and the exact reason when the change is refused (the case then unchanged).

Cases are built by hand (recorded_case.py); every expected label, message and event is written out.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from recorded_case import closed_case, just_opened, meeting

from rr_workflow.domain.case import Case, Involvement, Meeting
from rr_workflow.domain.corrections import (
    NAMES,
    Change,
    correct,
    fact,
    move_meeting,
    recheck_meeting_window,
    restore,
    withdraw,
)
from rr_workflow.domain.errors import BadInput, Refused
from rr_workflow.domain.events import DomainEvent

TODAY = date(2027, 1, 15)
ON = date(2027, 1, 14)  # the day the correction is recorded


def read(case: Case, name: str, agency: str | None) -> Any:
    return fact(name).read(case, agency)


def unchanged(case: Case, name: str, agency: str | None, value: Any) -> None:
    assert read(case, name, agency) == value
    assert case.events == []


CORRECTIONS = [
    # name, agency, to, what the change is called, what follows
    ("received", None, date(2026, 12, 20), "the date the referral was received", ()),
    ("aware", None, date(2026, 12, 17), "the date the partnership became aware", ()),
    ("referrer", None, "la", "the referring agency", ()),
    ("sin", None, date(2026, 12, 19), "the date of the Serious Incident Notification", ()),
    (
        "scoping-sent",
        "la",
        date(2026, 12, 21),
        "the date the scoping template went to la",
        (
            "the scoping request and records-securing instruction sent to la is not sent again: "
            "tell them yourself if the change matters",
        ),
    ),
    ("scoping-returned", "la", date(2026, 12, 30), "the date la returned its scoping template", ()),
    ("records-secured", "la", date(2026, 12, 24), "the date la confirmed its records are secured", ()),
    ("meeting-set", None, date(2026, 12, 22), "the date the meeting date was set", ()),
    ("decided", None, date(2027, 1, 8), "the date of the decision", ()),
    ("endorsed", None, date(2027, 1, 9), "the date of the endorsement", ()),
    ("endorsed-by", None, "Dr A Chair", "who endorsed the outcome", ()),
    (
        "submitted",
        None,
        date(2027, 1, 12),
        "the date the report went to the Panel",
        (
            "the covering letter to the National Panel is not sent again: "
            "tell them yourself if the change matters",
        ),
    ),
    (
        "outcome-shared",
        None,
        date(2027, 1, 12),
        "the date the outcome was shared",
        ("the outcome letters to the agencies is not sent again: tell them yourself if the change matters",),
    ),
]


def plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


class TestCorrect:
    @pytest.mark.parametrize(("name", "agency", "to", "what", "follow_up"), CORRECTIONS)
    def test_each_fact_is_corrected_and_says_what_follows(
        self, name: str, agency: str | None, to: Any, what: str, follow_up: tuple[str, ...]
    ) -> None:
        """Planted bugs caught: a fact reading or writing the wrong field, a label or letter naming no
        agency, a letter re-sent silently (no follow-up), the event missing or holding dates as objects."""
        case = closed_case()
        before = read(case, name, agency)
        change = correct(case, name, agency, to, TODAY, ON)
        assert change == Change(what, before, to, follow_up)
        assert read(case, name, agency) == to
        assert case.events == [
            DomainEvent(
                "fact_corrected",
                "RR-1",
                ON,
                {"fact": name, "agency": agency, "before": plain(before), "after": plain(to)},
            )
        ]

    def test_the_values_before_are_the_recorded_ones(self) -> None:
        """The table above reads `before` through the fact itself: pin what each fact reads."""
        case = closed_case()
        assert [read(case, n, a) for n, a, *_ in CORRECTIONS] == [
            date(2026, 12, 21),
            date(2026, 12, 18),
            "police",
            date(2026, 12, 21),
            date(2026, 12, 22),
            date(2026, 12, 29),
            date(2026, 12, 23),
            date(2026, 12, 23),
            date(2027, 1, 7),
            date(2027, 1, 8),
            "the chair",
            date(2027, 1, 11),
            date(2027, 1, 11),
        ]

    def test_the_meeting_held_is_the_last_one_recorded(self) -> None:
        """Planted bug caught: the first (inquorate) meeting's date changed instead of the last one."""
        case = closed_case()
        case.meetings = [
            meeting(1, date(2027, 1, 4), held_on=date(2027, 1, 4), status=Meeting.INQUORATE),
            meeting(2, date(2027, 1, 6), held_on=date(2027, 1, 6)),
            meeting(3, date(2027, 1, 5), status=Meeting.SUPERSEDED),
        ]
        change = correct(case, "meeting-held", None, date(2027, 1, 7), TODAY, ON)
        assert change == Change("the date the meeting took place", date(2027, 1, 6), date(2027, 1, 7))
        assert [m.held_on for m in case.meetings] == [date(2027, 1, 4), date(2027, 1, 7), None]

    def test_no_meeting_held_has_no_date_to_correct(self) -> None:
        case = just_opened()
        case.meetings = [meeting(1, date(2027, 1, 7))]
        with pytest.raises(
            Refused, match=r"^no meeting has been recorded as held or inquorate on this case$"
        ):
            correct(case, "meeting-held", None, date(2027, 1, 8), TODAY, ON)

    def test_the_same_value_again_is_refused(self) -> None:
        case = closed_case()
        with pytest.raises(
            BadInput, match=r"^the date la returned its scoping template is already 2026-12-29$"
        ):
            correct(case, "scoping-returned", "la", date(2026, 12, 29), TODAY, ON)
        unchanged(case, "scoping-returned", "la", date(2026, 12, 29))

    def test_a_fact_not_recorded_is_recorded_by_its_own_command(self) -> None:
        case = closed_case()
        case.involvements[0].secured_on = None
        with pytest.raises(
            Refused,
            match=r"^the date la confirmed its records are secured is not recorded yet: "
            r"record it with its own command$",
        ):
            correct(case, "records-secured", "la", date(2026, 12, 24), TODAY, ON)
        unchanged(case, "records-secured", "la", None)

    @pytest.mark.parametrize("blank", ["", "   "])
    def test_who_endorsed_cannot_be_made_empty(self, blank: str) -> None:
        case = closed_case()
        with pytest.raises(BadInput, match=r"^who endorsed the outcome cannot be empty$"):
            correct(case, "endorsed-by", None, blank, TODAY, ON)
        unchanged(case, "endorsed-by", None, "the chair")

    def test_a_contradiction_is_refused_and_the_value_put_back(self) -> None:
        case = closed_case()
        with pytest.raises(
            BadInput,
            match=r"^cannot make that change: the decision \(2027-01-07\) would be before the meeting "
            r"\(2027-01-08\)$",
        ):
            correct(case, "meeting-held", None, date(2027, 1, 8), TODAY, ON)
        unchanged(case, "meeting-held", None, date(2027, 1, 7))

    def test_a_contradiction_already_there_does_not_block_another_correction(self) -> None:
        """Planted bug caught: the problems before the change not set aside (every correction refused on
        a case that already contradicts itself, e.g. one imported from paper records)."""
        case = closed_case()
        case.aware = date(2026, 12, 22)  # after the referral: already a contradiction
        correct(case, "endorsed-by", None, "Dr A Chair", TODAY, ON)
        assert case.endorsed_by == "Dr A Chair"

    def test_an_agency_never_sent_the_template_is_named(self) -> None:
        case = closed_case()
        with pytest.raises(BadInput, match=r"^police was never sent the scoping template on this case$"):
            correct(case, "scoping-returned", "police", date(2026, 12, 30), TODAY, ON)

    def test_agency_facts_need_an_agency_and_case_facts_refuse_one(self) -> None:
        case = closed_case()
        with pytest.raises(
            BadInput, match=r"^name the agency: rr correct REF records-secured AGENCY \.\.\.$"
        ):
            correct(case, "records-secured", None, date(2026, 12, 24), TODAY, ON)
        with pytest.raises(BadInput, match=r"^aware is about the case, not one agency: leave out 'la'$"):
            correct(case, "aware", "la", date(2026, 12, 17), TODAY, ON)
        assert case.events == []


class TestFactNames:
    def test_a_fact_is_named_without_regard_to_case_or_spaces(self) -> None:
        assert fact(" Scoping-Returned ").name == "scoping-returned"

    def test_an_unknown_fact_lists_every_correctable_one(self) -> None:
        """Planted bug caught: the list of correctable facts dropped or run together."""
        assert NAMES == (
            "received",
            "aware",
            "referrer",
            "sin",
            "scoping-sent",
            "scoping-returned",
            "records-secured",
            "meeting-set",
            "meeting-held",
            "decided",
            "endorsed",
            "endorsed-by",
            "submitted",
            "outcome-shared",
            "panel-response",
            "panel-answered",
            "meeting-date",
        )
        with pytest.raises(BadInput) as refused:
            fact("colour")
        assert str(refused.value) == (
            "cannot correct 'colour': correctable are received, aware, referrer, sin, scoping-sent, "
            "scoping-returned, records-secured, meeting-set, meeting-held, decided, endorsed, endorsed-by, "
            "submitted, outcome-shared, panel-response, panel-answered, meeting-date"
        )


def reported() -> Case:
    """The closed case before its outcome was shared: submitted to the Panel on 11 January."""
    case = closed_case()
    case.outcome_shared_on = case.closed_on = None
    case.state = "submitted"
    return case


class TestWithdraw:
    @pytest.mark.parametrize(
        ("name", "agency", "before", "what", "follow_up"),
        [
            ("scoping-returned", "la", date(2026, 12, 29), "the date la returned its scoping template", ()),
            (
                "records-secured",
                "la",
                date(2026, 12, 23),
                "the date la confirmed its records are secured",
                (),
            ),
            (
                "outcome-shared",
                None,
                date(2027, 1, 11),
                "the date the outcome was shared",
                ("the outcome letters to the agencies already went and is not recalled: tell them yourself",),
            ),
        ],
    )
    def test_a_fact_recorded_by_mistake_is_withdrawn(
        self, name: str, agency: str | None, before: date, what: str, follow_up: tuple[str, ...]
    ) -> None:
        case = reported()
        case.outcome_shared_on = date(2027, 1, 11)
        change = withdraw(case, name, agency, ON)
        assert change == Change(what, before, None, follow_up)
        assert read(case, name, agency) is None
        assert case.events == [
            DomainEvent(
                "fact_withdrawn", "RR-1", ON, {"fact": name, "agency": agency, "before": plain(before)}
            )
        ]

    def test_the_sin_is_withdrawn_before_the_report(self) -> None:
        case = reported()
        case.submitted_on = None
        change = withdraw(case, "sin", None, ON)
        assert change == Change("the date of the Serious Incident Notification", date(2026, 12, 21), None)
        assert case.sin_notified_on is None

    def test_the_sin_stays_once_the_report_went_to_the_panel(self) -> None:
        case = reported()
        with pytest.raises(
            Refused,
            match=r"^the report went to the Panel on 2027-01-11, which needs the SIN: correct its date",
        ):
            withdraw(case, "sin", None, ON)
        unchanged(case, "sin", None, date(2026, 12, 21))

    def test_other_facts_are_withdrawn_after_the_report(self) -> None:
        """Planted bug caught: the report's rule applied to every fact, not the SIN alone."""
        case = reported()
        withdraw(case, "scoping-returned", "la", ON)
        assert case.involvements[0].returned_on is None

    def test_the_outcome_stays_shared_on_a_closed_case(self) -> None:
        case = closed_case()
        with pytest.raises(
            Refused,
            match=r"^the case is closed, which needs the outcome shared: correct its date instead$",
        ):
            withdraw(case, "outcome-shared", None, ON)
        unchanged(case, "outcome-shared", None, date(2027, 1, 11))

    def test_other_facts_are_withdrawn_on_a_closed_case(self) -> None:
        """Planted bug caught: the closed case's rule applied to every fact, not the outcome alone."""
        case = closed_case()
        withdraw(case, "records-secured", "la", ON)
        assert case.involvements[0].secured_on is None

    @pytest.mark.parametrize(
        ("name", "agency", "what"),
        [
            ("received", None, "the date the referral was received"),
            ("scoping-sent", "la", "the date the scoping template went to la"),
        ],
    )
    def test_some_facts_are_only_corrected(self, name: str, agency: str | None, what: str) -> None:
        case = closed_case()
        with pytest.raises(Refused) as refused:
            withdraw(case, name, agency, ON)
        assert str(refused.value) == (
            f"{what} cannot be withdrawn, only corrected (--to); "
            "a whole step just recorded can be undone with `rr undo`"
        )
        assert case.events == []

    def test_nothing_recorded_is_nothing_to_withdraw(self) -> None:
        case = reported()
        case.involvements[0].secured_on = None
        with pytest.raises(
            Refused, match=r"^the date la confirmed its records are secured is not recorded: there is nothing"
        ):
            withdraw(case, "records-secured", "la", ON)

    def test_the_agency_is_needed(self) -> None:
        with pytest.raises(BadInput, match=r"^name the agency: rr correct REF scoping-returned AGENCY"):
            withdraw(reported(), "scoping-returned", None, ON)


class TestRestore:
    """Undoing a withdrawal puts the value back, checked like a correction."""

    def test_a_withdrawn_return_is_put_back(self) -> None:
        case = reported()
        case.involvements[0].returned_on = None
        change = restore(case, "scoping-returned", "la", date(2026, 12, 29), TODAY, ON)
        assert change == Change("the date la returned its scoping template", None, date(2026, 12, 29))
        assert case.involvements[0].returned_on == date(2026, 12, 29)
        assert case.events == [
            DomainEvent(
                "fact_corrected",
                "RR-1",
                ON,
                {"fact": "scoping-returned", "agency": "la", "before": None, "after": "2026-12-29"},
            )
        ]

    def test_a_fact_recorded_again_since_is_corrected_instead(self) -> None:
        case = reported()
        with pytest.raises(
            Refused,
            match=r"^the date la returned its scoping template is recorded again: correct it instead$",
        ):
            restore(case, "scoping-returned", "la", date(2026, 12, 30), TODAY, ON)
        unchanged(case, "scoping-returned", "la", date(2026, 12, 29))

    def test_a_value_that_no_longer_fits_is_refused_and_left_out(self) -> None:
        case = reported()
        case.involvements[0].returned_on = None
        with pytest.raises(
            BadInput,
            match=r"^cannot make that change: la's return \(2026-12-21\) would be before its template was "
            r"sent \(2026-12-22\)$",
        ):
            restore(case, "scoping-returned", "la", date(2026, 12, 21), TODAY, ON)
        unchanged(case, "scoping-returned", "la", None)

    def test_a_contradiction_already_there_does_not_block_it(self) -> None:
        case = reported()
        case.aware = date(2026, 12, 22)
        case.sin_notified_on = None
        restore(case, "sin", None, date(2026, 12, 23), TODAY, ON)
        assert case.sin_notified_on == date(2026, 12, 23)

    def test_the_agency_is_needed_and_the_fact_known(self) -> None:
        with pytest.raises(BadInput, match=r"^name the agency: rr correct REF records-secured AGENCY"):
            restore(reported(), "records-secured", None, date(2026, 12, 23), TODAY, ON)
        with pytest.raises(BadInput, match=r"^cannot correct 'colour'"):
            restore(reported(), "colour", None, date(2026, 12, 23), TODAY, ON)


WINDOW = (date(2027, 1, 4), date(2027, 1, 12))


def scheduled(**reasons: str) -> Case:
    """A case in scoping with its meeting set for Thursday 7 January 2027 at 10:00, remote."""
    case = just_opened()
    case.involvements = [Involvement("la", date(2026, 12, 22))]
    case.meeting_date_set_on = date(2026, 12, 23)
    m = Meeting(1, date(2027, 1, 7), time(10, 0), "remote", "the chair is abroad", None, date(2026, 12, 23))
    m.outside_window_reason = reasons.get("outside")
    m.non_working_day_reason = reasons.get("day_off")
    m.uid, m.location, m.join_url = "uid-1@rr", "Room 2", "https://meet.example/1"
    case.meetings = [m]
    return case


class TestMoveMeeting:
    def test_the_wrong_date_is_superseded_by_a_copy_on_the_right_one(self) -> None:
        """Planted bugs caught: the new row losing the time, mode, reason, the day the date was set, or
        the invitation's UID, place and link; the event missing a field; the Change naming no dates."""
        case = scheduled()
        change = move_meeting(case, date(2027, 1, 8), WINDOW, ON)
        assert change == Change(
            "the meeting date",
            date(2027, 1, 7),
            date(2027, 1, 8),
            ("an updated invitation goes to everyone invited: moved from 2027-01-07 to 2027-01-08",),
        )
        old, new = case.meetings
        assert old.status == Meeting.SUPERSEDED
        assert (new.number, new.on, new.at, new.mode, new.mode_reason, new.set_on, new.status) == (
            2,
            date(2027, 1, 8),
            time(10, 0),
            "remote",
            "the chair is abroad",
            date(2026, 12, 23),
            Meeting.SCHEDULED,
        )
        assert (new.uid, new.location, new.join_url) == ("uid-1@rr", "Room 2", "https://meet.example/1")
        assert (new.outside_window_reason, new.non_working_day_reason) == (None, None)
        assert case.events == [
            DomainEvent(
                "meeting_scheduled",
                "RR-1",
                ON,
                {
                    "number": 2,
                    "date": "2027-01-08",
                    "time": "10:00",
                    "mode": "remote",
                    "moved_from": "2027-01-07",
                },
            )
        ]

    def test_a_meeting_without_a_time_has_none_in_the_event(self) -> None:
        case = scheduled()
        case.meetings[0].at = None
        move_meeting(case, date(2027, 1, 8), None, ON)
        assert case.events[-1].data["time"] is None

    def test_the_window_includes_its_first_and_last_day(self) -> None:
        """Planted bug caught: a date on the window's edge taken as outside it."""
        case = scheduled()
        move_meeting(case, date(2027, 1, 4), WINDOW, ON)
        move_meeting(case, date(2027, 1, 12), WINDOW, ON)
        assert [m.on for m in case.meetings] == [date(2027, 1, 7), date(2027, 1, 4), date(2027, 1, 12)]

    def test_outside_the_window_needs_the_meeting_command(self) -> None:
        case = scheduled()
        with pytest.raises(BadInput) as refused:
            move_meeting(case, date(2027, 1, 13), WINDOW, ON)
        assert str(refused.value) == (
            "2027-01-13 is outside the meeting window 2027-01-04 to 2027-01-12: set it with "
            "`rr meeting schedule REF DATE --outside-window-reason R`"
        )
        assert len(case.meetings) == 1 and case.events == []

    def test_a_reason_for_being_outside_is_kept_while_it_applies(self) -> None:
        """Planted bugs caught: the reason dropped when the new date is still outside the window, or
        kept when it is inside."""
        case = scheduled(outside="the police cannot come sooner")
        move_meeting(case, date(2027, 1, 14), WINDOW, ON)
        move_meeting(case, date(2027, 1, 11), WINDOW, ON)
        assert [m.outside_window_reason for m in case.meetings] == [
            "the police cannot come sooner",
            "the police cannot come sooner",
            None,
        ]

    def test_a_day_off_needs_the_meeting_command(self) -> None:
        case = scheduled()
        with pytest.raises(BadInput) as refused:
            move_meeting(case, date(2027, 1, 9), None, ON, day_off="a weekend")
        assert str(refused.value) == (
            "Saturday 2027-01-09 is not a working day (a weekend): set it with "
            "`rr meeting schedule REF DATE --non-working-day-reason R`"
        )

    def test_moving_back_like_an_earlier_row_keeps_its_reasons(self) -> None:
        """Undoing a correction moves back to the earlier row's date with that row's reasons, even where
        the row in force has none."""
        case = scheduled()
        earlier = meeting(0, date(2027, 1, 16))
        earlier.outside_window_reason, earlier.non_working_day_reason = "chair away", "only day"
        earlier.status = Meeting.SUPERSEDED
        move_meeting(case, date(2027, 1, 16), WINDOW, ON, day_off="a weekend", like=earlier)
        moved = case.meetings[-1]
        assert (moved.outside_window_reason, moved.non_working_day_reason) == ("chair away", "only day")
        move_meeting(case, date(2027, 1, 8), None, ON, like=earlier)
        moved = case.meetings[-1]
        assert (moved.outside_window_reason, moved.non_working_day_reason) == ("chair away", "only day")

    def test_the_same_date_is_refused(self) -> None:
        with pytest.raises(BadInput, match=r"^the meeting is already on 2027-01-07$"):
            move_meeting(scheduled(), date(2027, 1, 7), None, ON)

    def test_not_before_the_referral_but_on_its_day(self) -> None:
        """Planted bug caught: the day of the referral itself refused."""
        case = scheduled()
        with pytest.raises(
            BadInput, match=r"^the meeting cannot be before the referral was received \(2026-12-21\)$"
        ):
            move_meeting(case, date(2026, 12, 20), None, ON)
        move_meeting(case, date(2026, 12, 21), None, ON)
        assert case.meetings[-1].on == date(2026, 12, 21)

    def test_no_date_in_force_is_refused(self) -> None:
        case = just_opened()
        with pytest.raises(Refused) as refused:
            move_meeting(case, date(2027, 1, 8), None, ON)
        assert str(refused.value) == "there is no meeting date in force to correct"
        held = closed_case()
        with pytest.raises(Refused) as refused:
            move_meeting(held, date(2027, 1, 8), None, ON)
        assert str(refused.value) == (
            "there is no meeting date in force to correct; the date it was held is `meeting-held`"
        )


class TestRecheckMeetingWindow:
    """A corrected referral date moves the meeting window; the meeting arranged (Thursday 7 January 2027)
    keeps its day and is held to the rule it was set under."""

    LATER = (date(2027, 1, 8), date(2027, 1, 15))  # the window counted from a later referral date

    def test_a_meeting_still_inside_the_window_needs_nothing(self) -> None:
        """Planted bug caught: the window's first or last day taken as outside it."""
        for window in (WINDOW, (date(2027, 1, 7), date(2027, 1, 8)), (date(2027, 1, 6), date(2027, 1, 7))):
            assert recheck_meeting_window(scheduled(), window, None) is None

    def test_a_reason_for_a_meeting_the_change_leaves_inside_is_refused(self) -> None:
        for case, window in ((scheduled(), WINDOW), (scheduled(), None), (just_opened(), self.LATER)):
            with pytest.raises(BadInput) as refused:
                recheck_meeting_window(case, window, "chair away")
            assert str(refused.value) == (
                "--outside-window-reason is for a meeting the change puts outside the window"
            )

    def test_no_meeting_arranged_or_one_already_held_is_left_alone(self) -> None:
        assert recheck_meeting_window(just_opened(), self.LATER, None) is None
        held = closed_case()
        assert recheck_meeting_window(held, self.LATER, None) is None
        assert held.meetings[0].outside_window_reason is None

    @pytest.mark.parametrize("reason", [None, "", "   "])
    def test_outside_the_new_window_without_a_reason_is_refused(self, reason: str | None) -> None:
        case = scheduled()
        with pytest.raises(BadInput) as refused:
            recheck_meeting_window(case, self.LATER, reason)
        assert str(refused.value) == (
            "the meeting on Thursday 2027-01-07 is outside the meeting window 2027-01-08 to 2027-01-15 "
            "counted from the changed date: give --outside-window-reason R to keep it on that day, or move "
            "it into the window first (rr correct REF meeting-date --to D)"
        )
        assert case.meetings[0].outside_window_reason is None

    def test_outside_the_new_window_the_reason_given_is_recorded_on_the_meeting(self) -> None:
        case = scheduled()
        said = recheck_meeting_window(case, self.LATER, "  the chair's only free day ")
        assert case.meetings[0].outside_window_reason == "the chair's only free day"
        assert said == (
            "the meeting on Thursday 2027-01-07 is outside the meeting window 2027-01-08 to 2027-01-15: the "
            "reason is recorded with it; no invitation is sent (its date stays)"
        )

    def test_a_reason_recorded_when_the_meeting_was_set_still_stands(self) -> None:
        case = scheduled(outside="the police cannot come sooner")
        said = recheck_meeting_window(case, self.LATER, None)
        assert case.meetings[0].outside_window_reason == "the police cannot come sooner"
        assert said == (
            "the meeting on Thursday 2027-01-07 is outside the meeting window 2027-01-08 to 2027-01-15; the "
            "reason recorded when it was set still stands"
        )
