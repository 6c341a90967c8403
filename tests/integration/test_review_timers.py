"""The review's reminders and escalations come from the same timer engine as the Rapid Review's, and keep
its promises: each (case, deadline, kind, slot) once however often a tick runs, and after a week without
ticks one notice, the latest slot (SQLite; PostgreSQL too with RR_TEST_DATABASE_URL).

The case decides a local review on Thu 12 Nov 2026 and its Rapid Review then closes; the review's timers go
on. Its reviewer is due within 20 working days: Thu 10 Dec 2026. Reminders (schedules/local_review.toml)
5 working days before (Thu 3 Dec), 1 before (Wed 9 Dec) and on the day; escalations from the 1st working
day after (Fri 11 Dec), every 5 working days (Fri 18 Dec, then over Christmas and Boxing Day observed:
Tue 29 Dec), the chair too from the 2nd.
Planted once: the tick reading only the deadlines of unfinished cases (a closed Rapid Review silencing its
review) fails the first reminder here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from conftest import ATTENDEES
from conftest_timers import CHAIR, LONDON, MANAGER, addresses, london, notice_rows, outbox_rows, staff

from rr_workflow.service import commands, notices, reviews

REF = "RR-REVIEW"


def decided_and_closed(rig: Any, ref: str = REF) -> None:
    """The rig's procedure, with a local review decided (Thu 12 Nov 2026) and the Rapid Review closed."""
    rig.to_meeting_day(ref)
    commands.meeting_held(rig.app, ref, list(ATTENDEES))
    commands.decide(rig.later(minutes=1).app, ref, "local_cspr", "learning across agencies")
    rig.at(datetime(2026, 11, 13, 10, 0))
    commands.endorse(rig.app, ref, by="Independent Chair")
    rig.attach_report(ref)
    commands.submit(rig.later(minutes=1).app, ref)
    commands.outcome_shared(rig.later(minutes=1).app, ref)
    commands.panel_response(rig.later(minutes=1).app, ref, agrees=True)
    commands.close(rig.later(minutes=1).app, ref)


def tick(rig: Any, moment: datetime) -> set[tuple[str, str, int, date, date]]:
    """(deadline, kind, slot, due, day it fired) of the notices a tick at `moment` added."""
    before = {n["id"] for n in notice_rows(rig)}
    notices.tick(rig.at(moment).app)
    return {
        (n["deadline_key"], n["kind"], n["slot"], n["due"], fired_on(n["fires_at"]))
        for n in notice_rows(rig)
        if n["id"] not in before
    }


def fired_on(moment: str) -> date:
    return datetime.fromisoformat(moment).astimezone(LONDON).date()


def test_a_reviews_timers_fire_once_each_and_catch_up_with_one_notice(rig: Any) -> None:
    staff(rig)
    decided_and_closed(rig)
    due = date(2026, 12, 10)
    assert tick(rig, london(2026, 12, 2)) == set()
    assert tick(rig, london(2026, 12, 3)) == {("reviewer_appointed", "reminder", 5, due, date(2026, 12, 3))}
    assert tick(rig, london(2026, 12, 3)) == set()  # the same moment again
    assert tick(rig, london(2026, 12, 3, 17)) == set()
    assert tick(rig, london(2026, 12, 9)) == {("reviewer_appointed", "reminder", 1, due, date(2026, 12, 9))}
    # Nobody ticks from Wed 9 Dec to Wed 30 Dec: the due-date reminder and escalations 1 and 2 were missed;
    # one notice goes, the latest slot reached (escalation 3 on Tue 29 Dec).
    caught_up = tick(rig, london(2026, 12, 30))
    assert caught_up == {("reviewer_appointed", "escalation", 3, due, date(2026, 12, 29))}
    assert tick(rig, london(2026, 12, 30, 12)) == set()

    mail = outbox_rows(rig)[-1]
    assert mail["subject"].startswith(
        f"[TRAINING] OFFICIAL-SENSITIVE: Local child safeguarding practice review {REF}: ESCALATION 3: "
    )
    assert addresses(mail["to_addrs"]) == {MANAGER, CHAIR}
    assert "rr review appoint" in mail["body"]  # staff are told the command that meets it

    # Meeting the deadline stops its notices; the next one (terms of reference, 10 working days after
    # Thu 31 Dec: Fri 15 Jan 2027) starts its own.
    reviews.appoint(rig.at(london(2026, 12, 31, 10)).app, REF, "Dr A Reviewer")
    assert tick(rig, london(2027, 1, 5)) == set()
    assert tick(rig, london(2027, 1, 8)) == {
        ("tor_agreed", "reminder", 5, date(2027, 1, 15), date(2027, 1, 8))
    }
