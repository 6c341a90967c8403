"""The actions register on a real database (SQLite; PostgreSQL too with RR_TEST_DATABASE_URL),
docs/actions.md.

The rig's procedure decides on Thu 12 Nov 2026 with one immediate action, "la: safety plan", and the case
closes on Fri 13 Nov: the action outlives its case. Hand-counted from the decision (no bank holiday in
the span): 20 working days after Thu 12 Nov 2026 is Thu 10 Dec 2026; its reminders fall on Wed 9 Dec
(one working day before) and Thu 10 Dec, its escalations on Fri 11 Dec (1st), Tue 15 Dec (2nd) and
Thu 17 Dec (3rd, the chair too).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest_timers import CHAIR, LONDON, MANAGER, addresses, notice_rows, outbox_rows, staff

from rr_workflow.domain.errors import BadInput, Conflict, Refused
from rr_workflow.service import actions, agenda, notices, queries
from rr_workflow.service import board as board_page

DUE = date(2026, 12, 10)
LA = "la@agency.example"


def london(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


@pytest.fixture
def decided(rig: Any) -> Any:
    staff(rig)
    rig.run_procedure("RR-1")
    return rig


def only_action(rig: Any) -> dict[str, Any]:
    (entry,) = actions.register(rig.app)
    return entry


def fired(rig: Any, moment: datetime) -> list[tuple[str, int, str, set[str], set[str]]]:
    """Tick at `moment`: (kind, slot, day fired, to, cc) of each notice this tick queued."""
    before = {n["id"] for n in notice_rows(rig)}
    notices.tick(rig.at(moment).app)
    mails = {m["notice_id"]: m for m in outbox_rows(rig)}
    return [
        (
            n["kind"],
            n["slot"],
            datetime.fromisoformat(n["fires_at"]).astimezone(LONDON).date().isoformat(),
            addresses(mails[n["id"]]["to_addrs"]),
            addresses(mails[n["id"]]["cc_addrs"]),
        )
        for n in notice_rows(rig)
        if n["id"] not in before and n["deadline_key"].startswith("action:")
    ]


class TestTheRegister:
    def test_an_immediate_action_is_on_the_register_with_its_owner_agency_and_due_date(
        self, decided: Any
    ) -> None:
        """Planted bug caught: the due date counted in calendar days (12 Nov + 20 days = 2 Dec)."""
        entry = only_action(decided)
        assert {k: entry[k] for k in ("ref", "number", "kind", "agency", "text", "agreed_on", "due")} == {
            "ref": "RR-1",
            "number": 1,
            "kind": "action",
            "agency": "la",
            "text": "safety plan",
            "agreed_on": date(2026, 11, 12),
            "due": DUE,
        }
        assert entry["status"] == "open"
        assert decided.case_row("RR-1")["state"] == "closed"

    def test_done_with_a_note_and_a_document(self, decided: Any, tmp_path: Path) -> None:
        evidence = tmp_path / "safety plan.pdf"
        evidence.write_bytes(b"%PDF the plan")
        entry = only_action(decided)
        decided.at(datetime(2026, 12, 1, 11, 0))
        result = actions.done(
            decided.app, entry["id"], "plan agreed with the family", evidence, "no further incident", None
        )
        assert (result["done_on"], result["on_time"]) == (date(2026, 12, 1), True)
        after = only_action(decided)
        assert (after["status"], after["evidence"], after["impact"]) == (
            "done",
            "plan agreed with the family",
            "no further incident",
        )
        kinds = decided.rows(
            "SELECT kind, filename FROM documents WHERE id = :i", i=after["evidence_document"]
        )
        assert kinds == [{"kind": "action_evidence", "filename": "safety plan.pdf"}]
        trail = decided.rows(
            "SELECT action FROM audit_events WHERE case_ref = 'RR-1' ORDER BY id DESC LIMIT 2"
        )
        assert [r["action"] for r in trail] == ["action_done", "document_added"]
        with pytest.raises(Refused, match="already done"):
            actions.done(decided.app, entry["id"], "again", None, None, None)

    def test_done_late_and_the_register_says_so(self, decided: Any) -> None:
        entry = only_action(decided)
        decided.at(datetime(2026, 12, 14, 11, 0))
        assert actions.done(decided.app, entry["id"], "plan agreed", None, None, None)["on_time"] is False
        assert only_action(decided)["on_time"] is False

    def test_done_needs_evidence_and_a_day_not_in_the_future(self, decided: Any) -> None:
        entry = only_action(decided)
        decided.at(datetime(2026, 12, 1, 11, 0))
        with pytest.raises(BadInput, match="evidence"):
            actions.done(decided.app, entry["id"], "  ", None, None, None)
        with pytest.raises(BadInput, match="in the future"):
            actions.done(decided.app, entry["id"], "x", None, None, date(2026, 12, 2))
        with pytest.raises(BadInput, match="before the action was agreed"):
            actions.done(decided.app, entry["id"], "x", None, None, date(2026, 11, 11))
        with pytest.raises(BadInput, match="no action 999"):
            actions.done(decided.app, 999, "x", None, None, None)
        assert only_action(decided)["status"] == "open"

    def test_dropped_with_its_reason(self, decided: Any) -> None:
        entry = only_action(decided)
        decided.at(datetime(2026, 12, 1, 11, 0))
        with pytest.raises(BadInput, match="reason"):
            actions.drop(decided.app, entry["id"], " ")
        actions.drop(decided.app, entry["id"], "the family moved away")
        after = only_action(decided)
        assert (after["status"], after["drop_reason"], after["dropped_on"]) == (
            "dropped",
            "the family moved away",
            date(2026, 12, 1),
        )

    def test_overdue_is_derived_for_the_day_and_shown_on_the_board(self, decided: Any) -> None:
        """Planted bug caught: overdue on the due date itself (as_of >= due)."""
        decided.at(datetime(2026, 12, 10, 17, 0))
        assert only_action(decided)["status"] == "open"
        assert actions.register(decided.app, overdue_only=True) == []
        decided.at(datetime(2026, 12, 11, 8, 0))
        assert only_action(decided)["status"] == "overdue"
        assert [a["id"] for a in actions.register(decided.app, overdue_only=True)] == [
            only_action(decided)["id"]
        ]
        assert actions.register(decided.app, agency="police") == []
        (row,) = queries.case_list(decided.app)
        assert (row["ref"], row["overdue_actions"]) == ("RR-1", 1)

    def test_the_agenda_lists_the_action_on_its_day(self, decided: Any) -> None:
        from rr_workflow.service import agenda

        entry = only_action(decided)
        decided.at(datetime(2026, 12, 9, 8, 0))
        (day,) = agenda.due(decided.app, 1)
        assert day["day"] == DUE
        assert [(d["ref"], d["key"], d["label"], d["owner"], d["command"]) for d in day["deadlines"]] == [
            ("RR-1", f"action:{entry['id']}", "Action 1: safety plan", "la",
             f'rr action done {entry["id"]} --evidence "..."'),
        ]  # fmt: skip
        decided.at(datetime(2026, 12, 11, 8, 0))
        (late,) = agenda.due(decided.app, 0, overdue_only=True)
        assert (late["overdue"], late["deadlines"][0]["status"]) == (True, "overdue")

    def test_a_new_due_date_needs_its_reason_once_one_is_set(self, decided: Any) -> None:
        entry = only_action(decided)
        decided.at(datetime(2026, 12, 1, 11, 0))
        with pytest.raises(BadInput, match="give the reason"):
            actions.set_due(decided.app, entry["id"], date(2027, 1, 29))
        actions.set_due(decided.app, entry["id"], date(2027, 1, 29), "training moved")
        assert only_action(decided)["due"] == date(2027, 1, 29)

    def test_a_recommendation_goes_on_the_register_through_the_api(self, decided: Any) -> None:
        decided.at(datetime(2027, 2, 1, 10, 0))
        with decided.app.uow() as uow:
            new = actions.add_recommendation(
                decided.app, uow, "rr-1", agency="POLICE", text="joint training", due=date(2027, 6, 30),
                source_ref="review-1",
            )  # fmt: skip
            uow.commit()
        found = {a["id"]: a for a in actions.register(decided.app, ref="RR-1")}
        assert {k: found[new][k] for k in ("kind", "number", "agency", "due", "status", "source")} == {
            "kind": "recommendation",
            "number": 2,
            "agency": "police",
            "due": date(2027, 6, 30),
            "status": "open",
            "source": "review-1",
        }

    def test_a_change_that_lost_a_race_is_a_conflict(self, decided: Any) -> None:
        entry = only_action(decided)
        decided.at(datetime(2026, 12, 1, 11, 0))
        with decided.app.uow() as uow, pytest.raises(Conflict):
            actions._change(uow, entry["id"], expect="done", impact="x")


class TestTheBoard:
    """A closed case stays on the board (`rr case list --open`) while one of its actions is overdue, with
    how many, and leaves it once they are done or dropped (docs/actions.md)."""

    def test_a_closed_case_with_an_overdue_action_stays_on_the_open_board(self, decided: Any) -> None:
        """Planted bug caught: the open board read only the board rows, which a closed case no longer has
        (RR-1 missing on Fri 11 Dec)."""
        decided.open_case("RR-2")  # still running: on the board through its own row
        decided.at(datetime(2026, 12, 10, 17, 0))  # the action's due date: due, not overdue
        assert [c["ref"] for c in queries.case_list(decided.app, open_only=True)] == ["RR-2"]
        decided.at(datetime(2026, 12, 11, 8, 0))  # the first working day after Thu 10 Dec
        board = {c["ref"]: c for c in queries.case_list(decided.app, open_only=True)}
        assert sorted(board) == ["RR-1", "RR-2"]
        closed = board["RR-1"]
        assert (closed["state"], closed["next_deadline"], closed["overdue"], closed["overdue_actions"]) == (
            "closed",
            None,
            0,
            1,
        )
        assert board["RR-2"]["overdue_actions"] == 0
        page = {c["ref"]: c for c in board_page.board_data(decided.app, with_pictures=False)["cases"]}
        shown = page["RR-1"]
        assert (shown["rag"], shown["next"], shown["overdue_actions"]) == ("red", None, 1)
        overdue = queries.case_list(decided.app, open_only=True, overdue_only=True)
        assert "RR-1" in [c["ref"] for c in overdue]
        late = agenda.due(decided.app, 0, overdue_only=True)  # rr due: the action, whatever the case
        assert [(g["day"], d["label"]) for g in late for d in g["deadlines"] if d["ref"] == "RR-1"] == [
            (DUE, "Action 1: safety plan")
        ]
        actions.done(decided.app, only_action(decided)["id"], "plan agreed late", None, None, None)
        assert [c["ref"] for c in queries.case_list(decided.app, open_only=True)] == ["RR-2"]

    def test_a_dropped_action_takes_the_closed_case_off_the_board(self, decided: Any) -> None:
        decided.at(datetime(2026, 12, 14, 10, 0))
        assert [(c["ref"], c["overdue_actions"]) for c in queries.case_list(decided.app, open_only=True)] == [
            ("RR-1", 1)
        ]
        actions.drop(decided.app, only_action(decided)["id"], "the family moved away")
        assert queries.case_list(decided.app, open_only=True) == []


class TestTimers:
    """The same timer engine as every deadline: reminders to the owner agency, escalations to the chain,
    each slot once, one notice after downtime."""

    def test_reminders_then_escalations_each_once(self, decided: Any) -> None:
        """Planted bug caught: the reminder sent to the coordinators instead of the owner agency."""
        assert fired(decided, london(2026, 12, 8, 17)) == []
        first = fired(decided, london(2026, 12, 9, 9, 1))
        assert [(k, s, d, to) for k, s, d, to, _ in first] == [("reminder", 1, "2026-12-09", {LA})]
        assert fired(decided, london(2026, 12, 9, 9, 2)) == []  # the same slot again: nothing
        assert [(k, s, d) for k, s, d, _, _ in fired(decided, london(2026, 12, 10, 9, 0))] == [
            ("reminder", 0, "2026-12-10")
        ]
        escalated = fired(decided, london(2026, 12, 11, 9, 0))
        assert [(k, s, d, to) for k, s, d, to, _ in escalated] == [("escalation", 1, "2026-12-11", {MANAGER})]
        assert LA in escalated[0][4]
        third = fired(decided, london(2026, 12, 17, 9, 0))  # catch-up: the 2nd slot is not sent late
        assert [(k, s, d, to) for k, s, d, to, _ in third] == [
            ("escalation", 3, "2026-12-17", {MANAGER, CHAIR})
        ]

    def test_after_downtime_one_notice_stands_for_the_missed_slots(self, decided: Any) -> None:
        caught_up = fired(decided, london(2026, 12, 18, 12))
        assert [(k, s) for k, s, _, _, _ in caught_up] == [("escalation", 3)]
        mail = [m for m in outbox_rows(decided) if "ESCALATION 3" in m["subject"]]
        assert "2 earlier escalations could not be sent" in mail[0]["body"]
        assert "rr action due" in mail[0]["body"] or LA in mail[0]["to_addrs"] + mail[0]["cc_addrs"]

    def test_a_done_action_fires_nothing_more(self, decided: Any) -> None:
        entry = only_action(decided)
        decided.at(datetime(2026, 12, 1, 11, 0))
        actions.done(decided.app, entry["id"], "plan agreed", None, None, None)
        assert fired(decided, london(2026, 12, 18, 12)) == []

    def test_a_new_due_date_moves_the_timers(self, decided: Any) -> None:
        entry = only_action(decided)
        decided.at(datetime(2026, 12, 1, 11, 0))
        actions.set_due(decided.app, entry["id"], date(2026, 12, 16), "agency asked for a week")
        assert fired(decided, london(2026, 12, 14, 17)) == []
        assert [(k, s, d) for k, s, d, _, _ in fired(decided, london(2026, 12, 15, 9, 5))] == [
            ("reminder", 1, "2026-12-15")
        ]


class TestReopen:
    """An action recorded done or dropped by mistake is reopened (`rr action reopen ID --reason`): a
    correction, audited with the person, the reason and what it was; its timers come back, each slot still
    going once; the board counts it again (docs/actions.md, docs/corrections.md)."""

    def test_a_done_action_reopened_is_open_again_and_the_trail_shows_both(self, decided: Any) -> None:
        """Planted bug caught: the audit row without what the action was before (its evidence lost)."""
        entry = only_action(decided)
        decided.at(datetime(2026, 12, 1, 11, 0))
        actions.done(decided.app, entry["id"], "plan agreed with the family", None, "calmer home", None)
        decided.at(datetime(2026, 12, 2, 9, 30))
        result = actions.reopen(decided.app, entry["id"], "recorded on the wrong action")
        assert (result["status"], result["was"], result["due"]) == ("open", "done", DUE)
        after = only_action(decided)
        assert (after["status"], after["done_on"], after["evidence"], after["impact"], after["on_time"]) == (
            "open",
            None,
            None,
            None,
            None,
        )
        trail = queries.history(decided.app, "RR-1")
        done_row = next(r for r in trail if r["action"] == "action_done")
        reopened = trail[-1]
        assert (reopened["action"], reopened["actor"], reopened["effective_on"]) == (
            "action_reopened",
            decided.app.actor,
            date(2026, 12, 2),
        )
        details = json.loads(reopened["details"])
        assert details["undoes"] == done_row["id"]
        assert details["reason"] == "recorded on the wrong action"
        assert details["before"] == {
            "status": "done",
            "done_on": "2026-12-01",
            "evidence": "plan agreed with the family",
            "impact": "calmer home",
        }
        assert details["after"] == {"status": "open", "due": "2026-12-10"}
        assert [(c["action"], c["reason"]) for c in done_row["later"]] == [
            ("action_reopened", "recorded on the wrong action")
        ]
        assert decided.verify()[1] is None  # the chain still holds

    def test_a_dropped_action_reopened_loses_its_reason_and_keeps_it_in_the_trail(self, decided: Any) -> None:
        entry = only_action(decided)
        decided.at(datetime(2026, 12, 1, 11, 0))
        actions.drop(decided.app, entry["id"], "the family moved away")
        actions.reopen(decided.later(minutes=5).app, entry["id"], "they moved back the same week")
        after = only_action(decided)
        assert (after["status"], after["dropped_on"], after["drop_reason"]) == ("open", None, None)
        details = json.loads(queries.history(decided.app, "RR-1")[-1]["details"])
        assert details["before"] == {
            "status": "dropped",
            "dropped_on": "2026-12-01",
            "drop_reason": "the family moved away",
        }

    def test_reopening_needs_a_done_or_dropped_action_a_reason_and_a_day_not_in_the_future(
        self, decided: Any
    ) -> None:
        entry = only_action(decided)
        decided.at(datetime(2026, 12, 1, 11, 0))
        audit_rows = decided.scalar("SELECT count(*) FROM audit_events")
        with pytest.raises(Refused, match="is open: there is nothing to reopen"):
            actions.reopen(decided.app, entry["id"], "by mistake")
        actions.done(decided.app, entry["id"], "plan agreed", None, None, None)
        audit_rows += 1
        with pytest.raises(BadInput, match="reason"):
            actions.reopen(decided.app, entry["id"], "  ")
        with pytest.raises(BadInput, match="in the future"):
            actions.reopen(decided.app, entry["id"], "by mistake", date(2026, 12, 2))
        with pytest.raises(BadInput, match="no action 999"):
            actions.reopen(decided.app, 999, "by mistake")
        assert only_action(decided)["status"] == "done"
        assert decided.scalar("SELECT count(*) FROM audit_events") == audit_rows

    def test_the_escalations_of_a_reopened_action_come_back_each_slot_once(self, decided: Any) -> None:
        """Hand-counted (module docstring): due Thu 10 Dec; escalations Fri 11 Dec (1st), Tue 15 Dec (2nd),
        Thu 17 Dec (3rd, the chair too). The 1st went before the action was (wrongly) recorded done.

        Planted bugs caught: the reopened action left with no timer moment (nothing more fired on Tue 15
        Dec); the 1st escalation sent a second time after reopening."""
        entry = only_action(decided)
        first = fired(decided, london(2026, 12, 11, 9, 1))
        assert [(k, s, d) for k, s, d, _, _ in first] == [("escalation", 1, "2026-12-11")]
        decided.at(datetime(2026, 12, 11, 11, 0))
        actions.done(decided.app, entry["id"], "plan agreed", None, None, None)
        assert fired(decided, london(2026, 12, 11, 11, 30)) == []
        decided.at(datetime(2026, 12, 11, 12, 0))
        actions.reopen(decided.app, entry["id"], "the plan was for the other sibling")
        assert fired(decided, london(2026, 12, 11, 12, 1)) == []  # the 1st is not sent again
        assert fired(decided, london(2026, 12, 14, 17, 0)) == []
        second = fired(decided, london(2026, 12, 15, 9, 0))
        assert [(k, s, d, to) for k, s, d, to, _ in second] == [("escalation", 2, "2026-12-15", {MANAGER})]
        third = fired(decided, london(2026, 12, 17, 9, 0))
        assert [(k, s, d, to) for k, s, d, to, _ in third] == [
            ("escalation", 3, "2026-12-17", {MANAGER, CHAIR})
        ]

    def test_a_reopened_reminder_comes_back_before_the_due_date(self, decided: Any) -> None:
        """Done on Tue 1 Dec, reopened on Tue 8 Dec: the reminders of Wed 9 and Thu 10 Dec go as planned."""
        entry = only_action(decided)
        decided.at(datetime(2026, 12, 1, 11, 0))
        actions.done(decided.app, entry["id"], "plan agreed", None, None, None)
        decided.at(datetime(2026, 12, 8, 16, 0))
        actions.reopen(decided.app, entry["id"], "recorded on the wrong case")
        assert [(k, s, d, to) for k, s, d, to, _ in fired(decided, london(2026, 12, 9, 9, 0))] == [
            ("reminder", 1, "2026-12-09", {LA})
        ]

    def test_a_reopened_overdue_action_puts_its_closed_case_back_on_the_board(self, decided: Any) -> None:
        entry = only_action(decided)
        decided.at(datetime(2026, 12, 14, 10, 0))
        actions.done(decided.app, entry["id"], "plan agreed", None, None, None)
        assert queries.case_list(decided.app, open_only=True) == []
        actions.reopen(decided.later(minutes=1).app, entry["id"], "not done after all")
        assert [(c["ref"], c["overdue_actions"]) for c in queries.case_list(decided.app, open_only=True)] == [
            ("RR-1", 1)
        ]
