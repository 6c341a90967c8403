"""`rr tick` on a real database (SQLite; PostgreSQL too with RR_TEST_DATABASE_URL), docs/procedure.md.

A case's dates decide which reminders and escalations fall due; a tick at a moment claims each
(case, deadline, kind, slot) once, resolves its recipients (the agency for a per-agency deadline, the
owner's role or partner, managers, the chair from the 3rd escalation, coordinators in copy) and queues
one e-mail for it in the same transaction. Steps that meet a deadline stop its notices; a waiver stops
them, an extension moves them.
"""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from conftest_timers import (
    CHAIR,
    COORDINATORS,
    LONDON,
    MANAGER,
    addresses,
    london,
    make_live_rig,
    notice_rows,
    outbox_rows,
    staff,
)

from rr_workflow.cli.app import cli
from rr_workflow.service import commands, notices
from rr_workflow.service.app import open_app

R, E = "reminder", "escalation"
REF = "RR-XMAS"


def owner_addresses(key: str) -> set[str]:
    """Who owns each deadline of the default schedule (schedules/rapid_review.toml)."""
    if ":" in key:
        return {f"{key.split(':', 1)[1]}@agency.example"}  # per-agency: the agency's own contact
    if key == "sin_notified":
        return {"la@agency.example"}  # owner partner:la
    return set(COORDINATORS)


def expected_recipients(key: str, kind: str, slot: int) -> tuple[set[str], set[str]]:
    owner = owner_addresses(key)
    if kind == R:
        return owner, set(COORDINATORS) - owner
    to = {MANAGER} | ({CHAIR} if slot >= 3 else set())
    return to, (owner | set(COORDINATORS)) - to


def tick_at(rig: Any, moment: datetime) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Move the clock to `moment`, tick, and return the counts and the notices this tick added."""
    before = {n["id"] for n in notice_rows(rig)}
    counts = notices.tick(rig.at(moment).app)
    return counts, [n for n in notice_rows(rig) if n["id"] not in before]


def summary(rows: list[dict[str, Any]]) -> set[tuple[str, str, int, date, date]]:
    """(deadline, kind, slot, due, day it fired) of notices."""
    return {
        (
            n["deadline_key"],
            n["kind"],
            n["slot"],
            n["due"],
            datetime.fromisoformat(n["fires_at"]).astimezone(LONDON).date(),
        )
        for n in rows
    }


def check_mail(rig: Any, added: list[dict[str, Any]]) -> None:
    """One queued e-mail per new notice, to and copied to the right people, subject without details."""
    mails = {m["notice_id"]: m for m in outbox_rows(rig)}
    for n in added:
        mail = mails[n["id"]]
        to, cc = expected_recipients(n["deadline_key"], n["kind"], n["slot"])
        assert (addresses(mail["to_addrs"]), addresses(mail["cc_addrs"])) == (to, cc), n
        assert mail["status"] == "pending" and mail["attempts"] == 0
        # the protective marking first: the subject names the case
        assert mail["subject"].startswith(f"[TRAINING] OFFICIAL-SENSITIVE: Rapid Review {n['case_ref']}: ")
        word = "ESCALATION" if n["kind"] == E else "Reminder"
        assert word in mail["subject"]
        fired = datetime.fromisoformat(n["fires_at"]).astimezone(LONDON)
        assert (fired.hour, fired.minute) == (9, 0)


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


J = 2027  # January 2027


# The Christmas case: referral received Mon 21 Dec 2026, the partnership aware since Fri 18 Dec.
# Deadlines: scoping_sent Wed 23 Dec; sin_notified Tue 29 Dec; meeting_held (window end) Tue 12 Jan;
# review_complete Wed 13 Jan. Scoping sent Tue 22 Dec -> meeting_date_set Wed 23 Dec; every agency's
# return and records Thu 31 Dec.
CHRISTMAS: list[tuple[datetime, set[tuple[str, str, int, date, date]]]] = [
    (london(2026, 12, 22), {("scoping_sent", R, 1, d(12, 23), d(12, 22))}),
    (london(2026, 12, 22), set()),  # the same moment again: nothing new
    (london(2026, 12, 22, 9, 30), set()),
    # (scoping sent at 11:00 on Tue 22 Dec: its due-date reminder never goes)
    (london(2026, 12, 23), {("meeting_date_set", R, 0, d(12, 23), d(12, 23))}),
    (
        london(2026, 12, 24),
        {("meeting_date_set", E, 1, d(12, 23), d(12, 24)), ("sin_notified", R, 1, d(12, 29), d(12, 24))},
    ),
    (london(2026, 12, 25), set()),  # Christmas Day
    (london(2026, 12, 26, 12), set()),  # Boxing Day, a Saturday
    (london(2026, 12, 28), set()),  # Boxing Day (substitute)
    (london(2026, 12, 29), {("sin_notified", R, 0, d(12, 29), d(12, 29))}),
    (
        london(2026, 12, 30),
        {
            ("meeting_date_set", E, 2, d(12, 23), d(12, 30)),
            ("sin_notified", E, 1, d(12, 29), d(12, 30)),
            *(
                (f"{what}:{agency}", R, 1, d(12, 31), d(12, 30))
                for what in ("scoping_returned", "records_secured")
                for agency in ("la", "police", "school")
            ),
        },
    ),
    # (10:00 on Wed 30 Dec: police return and secure, SIN sent, school's records waived)
    (
        london(2026, 12, 31),
        {
            ("scoping_returned:la", R, 0, d(12, 31), d(12, 31)),
            ("records_secured:la", R, 0, d(12, 31), d(12, 31)),
            ("scoping_returned:school", R, 0, d(12, 31), d(12, 31)),
        },
    ),
    (london(2027, 1, 1), set()),  # New Year's Day
    (
        london(2027, 1, 4),
        {
            ("meeting_date_set", E, 3, d(12, 23), d(1, 4, J)),  # the chair too from the 3rd
            ("scoping_returned:la", E, 1, d(12, 31), d(1, 4, J)),
            ("records_secured:la", E, 1, d(12, 31), d(1, 4, J)),
            ("scoping_returned:school", E, 1, d(12, 31), d(1, 4, J)),
        },
    ),
    # (10:00 on Mon 4 Jan: the meeting date is set; then nobody ticks until Mon 11 Jan)
    (
        london(2027, 1, 11),
        {
            # escalation 2 (Wed 6 Jan) was missed: one notice, the latest slot (Fri 8 Jan)
            ("scoping_returned:la", E, 3, d(12, 31), d(1, 8, J)),
            ("records_secured:la", E, 3, d(12, 31), d(1, 8, J)),
            ("scoping_returned:school", E, 3, d(12, 31), d(1, 8, J)),
            ("meeting_held", R, 1, d(1, 12, J), d(1, 11, J)),
        },
    ),
    (london(2027, 1, 11, 17), set()),
]


def steps_between_ticks(rig: Any, moment: datetime) -> None:
    """The coordinator's work on the Christmas case, done after the tick at `moment`."""
    if moment == london(2026, 12, 22, 9, 30):
        commands.scoping_send(rig.at(london(2026, 12, 22, 11)).app, REF, ["la", "police", "school"])
    elif moment == london(2026, 12, 30):
        rig.at(london(2026, 12, 30, 10))
        commands.scoping_returned(rig.later().app, REF, "police")
        commands.records_secured(rig.later().app, REF, "police")
        commands.sin_notified(rig.later().app, REF)
        commands.waive(rig.later().app, REF, "records_secured:school", "school holds no records")
    elif moment == london(2027, 1, 4):
        commands.meeting_schedule(rig.at(london(2027, 1, 4, 10)).app, REF, date(2027, 1, 8))


def open_christmas_case(rig: Any, ref: str = REF) -> None:
    rig.at(london(2026, 12, 21, 10))
    commands.case_open(rig.app, ref, date(2026, 12, 21), date(2026, 12, 18), "police", summary="test")


def test_ticks_over_christmas_fire_exactly_the_expected_notices_once(rig: Any) -> None:
    staff(rig)
    open_christmas_case(rig)
    seen: set[tuple[str, str, int]] = set()
    for moment, expected in CHRISTMAS:
        counts, added = tick_at(rig, moment)
        assert summary(added) == expected, moment
        assert counts["claimed"] == counts["mails"] == len(expected), moment
        check_mail(rig, added)
        keys = {(n["deadline_key"], n["kind"], n["slot"]) for n in added}
        assert not keys & seen, f"{moment}: a notice fired twice"
        seen |= keys
        # A second tick at the same moment claims nothing.
        again, repeat = tick_at(rig, moment)
        assert repeat == [] and again["claimed"] == again["mails"] == 0, moment
        steps_between_ticks(rig, moment)
    # One e-mail per notice, each with its own Message-ID.
    mails = outbox_rows(rig)
    assert sorted(m["notice_id"] for m in mails) == [n["id"] for n in notice_rows(rig)]
    assert len({m["message_id"] for m in mails}) == len(mails)


def test_coalesced_escalation_says_it_stands_for_the_missed_ones(rig: Any) -> None:
    staff(rig)
    open_christmas_case(rig)
    tick_at(rig, london(2026, 12, 24))  # escalation 1 of scoping_sent
    _, added = tick_at(rig, london(2027, 1, 8, 10))  # down until Fri 8 Jan: slots 2-4 missed
    escalation = next(n for n in added if n["deadline_key"] == "scoping_sent")
    assert (escalation["kind"], escalation["slot"]) == (E, 5)
    mail = next(m for m in outbox_rows(rig) if m["notice_id"] == escalation["id"])
    assert "3 earlier escalations could not be sent" in mail["body"]
    assert CHAIR in addresses(mail["to_addrs"])


def test_a_reminder_whose_deadline_has_passed_gives_way_to_the_escalation(rig: Any) -> None:
    staff(rig)
    open_christmas_case(rig)
    # First tick ever on Thu 24 Dec before 09:00: scoping_sent (due Wed 23) is past, no reminder now;
    # its escalation is not due until 09:00.
    _, added = tick_at(rig, london(2026, 12, 24, 8, 30))
    assert summary(added) == set()
    _, added = tick_at(rig, london(2026, 12, 24, 10))
    assert summary(added) == {
        ("scoping_sent", E, 1, d(12, 23), d(12, 24)),
        ("sin_notified", R, 1, d(12, 29), d(12, 24)),
    }
    assert not [n for n in notice_rows(rig) if n["deadline_key"] == "scoping_sent" and n["kind"] == R]


def test_meeting_a_deadline_stops_its_notices(rig: Any) -> None:
    staff(rig)
    open_christmas_case(rig)
    tick_at(rig, london(2026, 12, 22))
    commands.scoping_send(rig.at(london(2026, 12, 22, 10)).app, REF, ["la", "police", "health"])
    commands.sin_notified(rig.later().app, REF)
    keys = set()
    for day in (23, 24, 29, 30):
        keys |= {(n["deadline_key"], n["kind"]) for n in tick_at(rig, london(2026, 12, day, 10))[1]}
    assert not {k for k in keys if k[0] in ("scoping_sent", "sin_notified")}
    assert ("meeting_date_set", E) in keys  # a deadline the step created does fire


def test_waive_stops_and_extend_moves_notices(rig: Any) -> None:
    staff(rig)
    open_christmas_case(rig)
    rig.at(london(2026, 12, 21, 11))
    commands.extend(rig.app, REF, "scoping_sent", date(2027, 1, 5), "agreed with the Panel")
    commands.waive(rig.later().app, REF, "sin_notified", "notified before the referral")
    fired: list[set[tuple[str, str, int, date, date]]] = []
    day = date(2026, 12, 22)
    for _ in range(16):  # every weekday at 09:30 from Tue 22 Dec 2026 to Wed 6 Jan 2027
        if day.weekday() < 5:
            _, added = tick_at(rig, london(day.year, day.month, day.day, 9, 30))
            mine = summary([n for n in added if n["deadline_key"] in ("scoping_sent", "sin_notified")])
            if mine:
                fired.append(mine)
        day += timedelta(days=1)
    assert fired == [
        {("scoping_sent", R, 1, d(1, 5, J), d(1, 4, J))},
        {("scoping_sent", R, 0, d(1, 5, J), d(1, 5, J))},
        {("scoping_sent", E, 1, d(1, 5, J), d(1, 6, J))},
    ]


def test_extend_after_notices_were_sent_moves_the_next_ones(rig: Any) -> None:
    """An extension's slots are new notices, even where the original date's slots were already sent."""
    staff(rig)
    open_christmas_case(rig)
    tick_at(rig, london(2026, 12, 22))  # scoping_sent reminder 1, due Wed 23 Dec
    tick_at(rig, london(2026, 12, 24))  # scoping_sent escalation 1
    rig.at(london(2026, 12, 24, 11))
    commands.extend(rig.app, REF, "scoping_sent", date(2027, 1, 6), "agreed with the Panel")
    moved: set[tuple[str, str, int, date, date]] = set()
    for moment in (london(2027, 1, 5), london(2027, 1, 6), london(2027, 1, 7)):
        moved |= {s for s in summary(tick_at(rig, moment)[1]) if s[0] == "scoping_sent"}
    assert moved == {
        ("scoping_sent", R, 1, d(1, 6, J), d(1, 5, J)),
        ("scoping_sent", R, 0, d(1, 6, J), d(1, 6, J)),
        ("scoping_sent", E, 1, d(1, 6, J), d(1, 7, J)),
    }


def test_an_extension_to_a_saturday_never_fires_on_the_weekend(rig: Any) -> None:
    staff(rig)
    open_christmas_case(rig)
    commands.extend(rig.at(london(2026, 12, 21, 11)).app, REF, "scoping_sent", date(2027, 1, 9), "agreed")
    for moment in (london(2027, 1, 8, 10), london(2027, 1, 9, 10), london(2027, 1, 10, 10)):
        tick_at(rig, moment)
    fired = [datetime.fromisoformat(n["fires_at"]).astimezone(LONDON) for n in notice_rows(rig)]
    assert fired and all(f.weekday() < 5 for f in fired), fired


# -- the command line on a live database ----------------------------------------------------------------


def rr(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), prog_name="rr")


@pytest.fixture
def live_rig(home: Any, database_url: str) -> Any:
    made = make_live_rig(home)
    try:
        yield made
    finally:
        made.app.engine.dispose()


def test_rr_tick_on_a_live_database_refuses_a_future_moment_and_catches_up_on_a_past_one(
    live_rig: Any,
) -> None:
    real_now = datetime.now(LONDON).replace(microsecond=0)
    received = real_now.date() - timedelta(days=20)
    commands.case_open(live_rig.at(real_now).app, "RR-LIVE", received, received, "police")

    future = rr("tick", "--now", (real_now + timedelta(days=1)).isoformat(), "--no-send")
    assert future.exit_code == 2, future.output
    assert "future" in future.stderr and len(future.stderr.strip().splitlines()) == 1
    assert notice_rows(live_rig) == [] and outbox_rows(live_rig) == []

    bad = rr("tick", "--now", "next tuesday")
    assert bad.exit_code == 2 and notice_rows(live_rig) == []

    past = real_now - timedelta(days=1)
    done = rr("tick", "--now", past.isoformat(), "--no-send", "--json")
    assert done.exit_code == 0, done.output
    counts = json.loads(done.stdout)
    rows = notice_rows(live_rig)
    assert counts["claimed"] == len(rows) >= 1 and counts["sent"] == 0
    assert all(datetime.fromisoformat(n["fires_at"]) <= past for n in rows)
    assert {m["status"] for m in outbox_rows(live_rig)} == {"pending"}
    assert not any(m["subject"].startswith("[TRAINING]") for m in outbox_rows(live_rig))

    again = rr("tick", "--now", past.isoformat(), "--no-send", "--json")
    assert json.loads(again.stdout)["claimed"] == 0
    # A live database accepts a date alone too (it means 09:00 that day, London time: checked where the
    # clock is known, in tests/e2e/test_cli_promises.py).
    day = rr("tick", "--now", (real_now.date() - timedelta(days=2)).isoformat(), "--no-send", "--json")
    assert day.exit_code == 0, day.output


# -- many ticks at once -----------------------------------------------------------------------------------


def one_tick(rig: Any, barrier: threading.Barrier, results: list[Any], errors: list[BaseException]) -> None:
    """One `rr tick` at the rig's moment, as another process would run it: its own engine."""
    app = open_app(home=rig.home, clock=rig.clock, actor="coord")
    try:
        barrier.wait()
        results.append(notices.tick(app))
    except BaseException as error:  # reported by the test
        errors.append(error)
    finally:
        app.engine.dispose()


def test_concurrent_ticks_never_claim_a_notice_twice(rig: Any) -> None:
    staff(rig)
    rig.at(london(2026, 12, 21, 10))
    for i in range(8):
        commands.case_open(rig.later().app, f"RR-{i}", date(2026, 12, 21), date(2026, 12, 18), "police")
        if i % 2:
            commands.scoping_send(rig.later().app, f"RR-{i}", ["la", "police", "health", "school"])
    threads_per_tick = 5
    for moment in (london(2026, 12, 24), london(2026, 12, 30), london(2027, 1, 4), london(2027, 1, 11)):
        rig.at(moment)
        barrier = threading.Barrier(threads_per_tick, timeout=30)
        results: list[dict[str, int]] = []
        errors: list[BaseException] = []

        before = len(notice_rows(rig))
        threads = [
            threading.Thread(target=one_tick, args=(rig, barrier, results, errors))
            for _ in range(threads_per_tick)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
        assert errors == []
        added = len(notice_rows(rig)) - before
        assert added > 0
        assert sum(r["claimed"] for r in results) == sum(r["mails"] for r in results) == added, results
        # The ticks raced for the same notices; where writers queue (SQLite), a tick that ran after
        # another at the same moment finds them dealt with: each deadline's next moment was moved on.
        seen = {r["candidates"] for r in results} - {0}
        assert len(seen) == 1, results
    rows = notice_rows(rig)
    assert len({(n["case_ref"], n["deadline_key"], n["due"], n["kind"], n["slot"]) for n in rows}) == len(
        rows
    )
    mails = outbox_rows(rig)
    assert sorted(m["notice_id"] for m in mails) == [n["id"] for n in rows]
