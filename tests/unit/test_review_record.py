"""The review that follows a Rapid Review, driven through its machines (`domain/review.py`) on a plain
`Review` (`domain/review_record.py`): what each step records, the events it raises (kinds as stored in
the outbox, written out), the milestones its deadlines count from, and each refusal's words.

The mutation run found these reached only by the end-to-end tests: a step that recorded None for its
date, an event raised without its kind or day, a review's milestones under other names, passed every
unit and audit-chain test."""

from __future__ import annotations

from datetime import date

import pytest

from rr_workflow.domain.deadlines import Deviation, Milestones
from rr_workflow.domain.errors import BadInput
from rr_workflow.domain.events import DomainEvent
from rr_workflow.domain.review import LocalReview, NationalReview, machine_for
from rr_workflow.domain.review_record import Review, ReviewDeviation, procedure_name
from rr_workflow.domain.stages import review_state_label as state_label

D = date
DECIDED = D(2026, 11, 3)


def local() -> Review:
    return Review("RR-2026-007", "local_cspr", DECIDED, "review-2026.1")


def walked() -> Review:
    """A local review from the decision to publication, with two checkpoints (one with a note)."""
    review = local()
    machine = machine_for(review)
    machine.send("appoint", on=D(2026, 11, 24), reviewer="Dr A Reviewer")
    machine.send("agree_tor", on=D(2026, 12, 4))
    machine.send("checkpoint", on=D(2027, 1, 5), note="on track")
    machine.send("receive_draft", on=D(2027, 3, 1))
    machine.send("checkpoint", on=D(2027, 3, 2))
    machine.send("send_final", on=D(2027, 4, 20))
    machine.send("publish", on=D(2027, 4, 30), earliest=D(2027, 4, 29))
    return review


def test_a_new_review_has_recorded_nothing() -> None:
    """Planted: any of the dates or texts starting as "" instead of None, or the case, decision or
    schedule version not kept."""
    review = local()
    assert (review.case_ref, review.kind, review.decided_on, review.schedule_version) == (
        "RR-2026-007", "local_cspr", D(2026, 11, 3), "review-2026.1",
    )  # fmt: skip
    unset = (
        review.reviewer, review.reviewer_appointed_on, review.tor_agreed_on, review.draft_on,
        review.final_sent_on, review.published_on, review.short_notice_reason, review.not_published_on,
        review.not_published_reason, review.panel_decided_on, review.panel_undertakes, review.panel_note,
    )  # fmt: skip
    assert unset == (None,) * 12
    assert (review.checkpoints, review.deviations, review.events) == ([], [], [])


def test_each_step_records_its_day() -> None:
    """Planted: a step recording None for its day (terms of reference, draft, final report,
    publication), a checkpoint's note dropped, or a short-notice reason of "XXXX" when none was given."""
    review = walked()
    assert review.state == "review_published"
    assert (review.reviewer, review.reviewer_appointed_on) == ("Dr A Reviewer", D(2026, 11, 24))
    assert (review.tor_agreed_on, review.draft_on) == (D(2026, 12, 4), D(2027, 3, 1))
    assert (review.final_sent_on, review.published_on) == (D(2027, 4, 20), D(2027, 4, 30))
    assert review.short_notice_reason is None
    assert [(c.number, c.on, c.note) for c in review.checkpoints] == [
        (1, D(2027, 1, 5), "on track"),
        (2, D(2027, 3, 2), None),
    ]


def test_each_step_raises_its_event_on_its_day() -> None:
    """Planted: an event raised with kind None, day None, case None, data None, without its number, or
    "review" under another key: each fails here."""
    data = {"review": "local_cspr"}
    assert walked().events == [
        DomainEvent("reviewer_appointed", "RR-2026-007", D(2026, 11, 24), data),
        DomainEvent("tor_agreed", "RR-2026-007", D(2026, 12, 4), data),
        DomainEvent("review_checkpoint", "RR-2026-007", D(2027, 1, 5), {**data, "number": 1}),
        DomainEvent("review_draft_received", "RR-2026-007", D(2027, 3, 1), data),
        DomainEvent("review_checkpoint", "RR-2026-007", D(2027, 3, 2), {**data, "number": 2}),
        DomainEvent("review_final_report_sent", "RR-2026-007", D(2027, 4, 20), data),
        DomainEvent("review_published", "RR-2026-007", D(2027, 4, 30), data),
    ]


def test_a_review_not_published_keeps_its_reason_and_raises_its_event() -> None:
    """Planted: the day and reason dropped, the event's kind or day None, or an argument missing."""
    review = local()
    machine = machine_for(review)
    machine.send("appoint", on=D(2026, 11, 24), reviewer="Dr A Reviewer")
    machine.send("not_publish", on=D(2027, 2, 1), reason="  the family asked us not to  ")
    assert review.state == "review_not_published"
    assert (review.not_published_on, review.not_published_reason) == (
        D(2027, 2, 1),
        "the family asked us not to",
    )
    assert review.events[-1] == DomainEvent(
        "review_not_published", "RR-2026-007", D(2027, 2, 1), {"review": "local_cspr"}
    )
    assert review.finished_on == D(2027, 2, 1)


def test_the_panels_decision_on_a_national_review_raises_its_event() -> None:
    """Planted: the event's kind, day or `undertakes` None or dropped."""
    review = Review("RR-2026-008", "national_cspr", DECIDED, "review-2026.1")
    machine_for(review).send(
        "panel_decides", on=D(2026, 12, 1), undertakes=False, note="local review instead"
    )
    assert review.state == "national_declined"
    assert (review.panel_decided_on, review.panel_undertakes, review.panel_note) == (
        D(2026, 12, 1), False, "local review instead",
    )  # fmt: skip
    assert review.events == [
        DomainEvent(
            "panel_national_decision", "RR-2026-008", D(2026, 12, 1),
            {"review": "national_cspr", "undertakes": False},
        )
    ]  # fmt: skip


class TestNotBefore:
    def test_a_step_before_the_one_it_follows_is_refused_with_both_days(self) -> None:
        """Planted: `earliest is None` (never refused) or the message dropped (`BadInput(None)`)."""
        review = local()
        machine = machine_for(review)
        machine.send("appoint", on=D(2026, 11, 24), reviewer="Dr A Reviewer")
        with pytest.raises(BadInput) as caught:
            machine.send("agree_tor", on=D(2026, 11, 23))
        assert str(caught.value) == "2026-11-23 is before the reviewer was appointed (2026-11-24)"
        assert review.tor_agreed_on is None

    def test_a_step_on_the_same_day_is_allowed(self) -> None:
        """Planted: `on <= earliest` refuses the terms of reference agreed the day the reviewer started."""
        review = local()
        machine = machine_for(review)
        machine.send("appoint", on=DECIDED, reviewer="Dr A Reviewer")
        machine.send("agree_tor", on=DECIDED)
        assert review.state == "review_underway"


class TestMilestones:
    def test_a_review_under_way_counts_from_what_it_recorded(self) -> None:
        """The names are the review schedule's events (schedules/local_review.toml). Planted: any name
        changed or in capitals, a date dropped, checkpoints in the order recorded rather than by number,
        or the dict replaced by None."""
        review = local()
        review.reviewer_appointed_on, review.tor_agreed_on = D(2026, 11, 24), D(2026, 12, 4)
        machine = machine_for(review)
        review.state = "review_underway"
        machine = machine_for(review)
        machine.send("checkpoint", on=D(2027, 1, 5))
        machine.send("checkpoint", on=D(2027, 2, 2))
        review.checkpoints.reverse()  # stored rows may come back in any order: the number decides
        assert review.milestones() == Milestones(
            case={
                "decision_made": D(2026, 11, 3),
                "reviewer_appointed": D(2026, 11, 24),
                "tor_agreed": D(2026, 12, 4),
            },
            series={"checkpoint": [D(2027, 1, 5), D(2027, 2, 2)]},
        )

    def test_a_published_review_has_every_milestone(self) -> None:
        assert walked().milestones() == Milestones(
            case={
                "decision_made": D(2026, 11, 3),
                "reviewer_appointed": D(2026, 11, 24),
                "tor_agreed": D(2026, 12, 4),
                "draft_report": D(2027, 3, 1),
                "final_report_sent": D(2027, 4, 20),
                "published": D(2027, 4, 30),
                "finished": D(2027, 4, 30),
            },
            series={"checkpoint": [D(2027, 1, 5), D(2027, 3, 2)]},
        )


class TestDeviations:
    def review(self) -> Review:
        review = local()
        review.deviations = [
            ReviewDeviation("published", "criminal proceedings", D(2027, 9, 30), D(2027, 3, 10)),
            ReviewDeviation("checkpoint", "reviewer ill", None, D(2027, 2, 1)),
            ReviewDeviation("draft_report", "late records", D(2027, 4, 1), D(2027, 3, 10)),
        ]
        return review

    def test_deviations_apply_in_the_order_they_were_recorded(self) -> None:
        """By the day recorded, then the order stored (two on 10 March keep theirs). Planted: any field of
        a deviation dropped, the sort by day or the tie order upside down."""
        assert self.review().deadline_deviations() == [
            Deviation("checkpoint", "reviewer ill", None),
            Deviation("published", "criminal proceedings", D(2027, 9, 30)),
            Deviation("draft_report", "late records", D(2027, 4, 1)),
        ]

    def test_the_latest_date_counts_milestones_checkpoints_and_deviations(self) -> None:
        """Planted: deviations' days left out (the decision, 3 Nov 2026, would be the latest), or the
        earliest taken."""
        assert self.review().latest_date() == D(2027, 3, 10)
        assert walked().latest_date() == D(2027, 4, 30)


def test_a_stage_reads_as_its_name() -> None:
    """Planted: `!=` (the first state's name for every value) or the name as str(None)."""
    assert state_label("review_draft") == "draft report received"
    assert state_label("national_declined") == "the Panel does not undertake a national review"
    assert state_label("no_such_stage") == "no_such_stage"


def test_the_review_machines_stages_are_named_as_the_views_name_them() -> None:
    """The views name a stage without the state machine (domain/stages.py); the machines' own names are
    the same, for every one of their states and no other."""
    named = {state.value: state.name for machine in (LocalReview, NationalReview) for state in machine.states}
    assert named == {
        "review_opened": "opened: reviewer to appoint",
        "reviewer_appointed": "reviewer appointed: terms of reference to agree",
        "review_underway": "under way",
        "review_draft": "draft report received",
        "final_report_sent": "final report with the Panel: to publish",
        "review_published": "published",
        "review_not_published": "ended without publication",
        "national_awaiting_panel": "awaiting the Panel's decision",
        "national_undertaken": "the Panel undertakes a national review",
        "national_declined": "the Panel does not undertake a national review",
    }


def test_a_subject_line_names_the_procedure_by_its_kind() -> None:
    """Planted: the Rapid Review's name for every kind (`is not None`), the kind's name not capitalised
    (or only its first two letters kept), or no name for a kind this version does not know."""
    assert procedure_name(None) == "Rapid Review"
    assert procedure_name("local_cspr") == "Local child safeguarding practice review"
    assert procedure_name("alternative_review") == "Alternative learning review"
    assert procedure_name("national_cspr") == "National child safeguarding practice review"
    assert procedure_name("a_kind_added_later") == "Review"
