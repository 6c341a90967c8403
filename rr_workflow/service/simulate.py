"""`rr simulate`: what would a partnership's timescales look like over many referrals?

N synthetic referrals are run through the real state machine, the deadline module and the timer plan,
on a temporary training database, with a virtual clock: each case's steps happen on working days drawn
from seeded distributions (how long agencies take to return templates, how often meetings are
inquorate, how long endorsement takes...). The cases are then stored like real ones, so the compliance
figures come from the same report a partnership runs on its live database. The same seed gives the same
referrals and the same delays, so two schedules can be compared on identical cases.
"""

from __future__ import annotations

import dataclasses
import random
import statistics
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from rr_workflow.adapters import config
from rr_workflow.domain.calendar import WorkingCalendar
from rr_workflow.domain.case import Case
from rr_workflow.domain.deadlines import Deadline, Status, compute_deadlines, meeting_window
from rr_workflow.domain.errors import BadInput
from rr_workflow.domain.machine import RapidReview
from rr_workflow.domain.schedule import Schedule
from rr_workflow.domain.timers import escalation_day, reminder_day
from rr_workflow.service import simulate_review
from rr_workflow.service.app import environment
from rr_workflow.service.clock import LONDON, FixedClock

PARTNERS = {"la": "la", "police": "police", "health": "health"}
OTHER_AGENCIES = ("school", "gp", "nursery", "housing", "probation")
PRESENT = [("la", "Social Work Manager"), ("police", "Detective Sergeant"), ("health", "Designated Nurse")]


@dataclass(frozen=True)
class Delay:
    """Working days drawn from a normal distribution, rounded and never negative: MEAN[:SD]."""

    mean: float
    sd: float

    @classmethod
    def parse(cls, text: str, name: str) -> Delay:
        try:
            mean, _, sd = text.partition(":")
            delay = cls(float(mean), float(sd) if sd else float(mean) / 2)
        except ValueError:
            raise BadInput(f"{name} is MEAN[:SD] in working days, e.g. 4:2, not {text!r}") from None
        if delay.mean < 0 or delay.sd < 0 or delay.mean > 200:
            raise BadInput(f"{name}: the mean and spread must be between 0 and 200 working days")
        return delay

    def draw(self, rng: random.Random) -> int:
        return max(0, round(rng.gauss(self.mean, self.sd)))


@dataclass(frozen=True)
class Assumptions:
    agency_delay: Delay = Delay(4, 2)  # template returns, from the day it was sent
    records_delay: Delay = Delay(2, 1)  # records secured, from the day the instruction was sent
    sin_delay: Delay = Delay(3, 1.5)  # the local authority's notification, from the day it became aware
    scoping_delay: Delay = Delay(1, 1)  # templates out, from the referral
    meeting_offset: Delay = Delay(2, 2)  # the meeting, working days into its window
    endorse_delay: Delay = Delay(1, 1)  # the chair's endorsement, from the meeting
    submit_delay: Delay = Delay(1, 1)  # the report to the Panel, from the endorsement
    panel_delay: Delay = Delay(9, 4)  # the National Panel's response, from the report
    panel_questions: float = 0.2  # chance that the Panel asks questions or does not agree
    answer_delay: Delay = Delay(5, 3)  # the partnership's answer, from the Panel's questions
    inquorate: float = 0.1  # chance that a meeting is inquorate
    decline: float = 0.05  # chance that a referral is declined at scoping
    extra_agencies: int = 3  # up to this many agencies besides the partners


@dataclass
class Outcome:
    cases: int
    declined: int = 0
    inquorate_meetings: int = 0
    escalations: int = 0
    transitions: int = 0
    home: Path | None = None
    summary: list[dict[str, Any]] = field(default_factory=list)
    panel: dict[str, Any] = field(default_factory=dict)  # reports with the Panel within the overall limit
    reviews: dict[str, Any] = field(default_factory=dict)  # the reviews that followed (simulate_review)
    panel_response: dict[str, Any] = field(default_factory=dict)  # the Panel's response and its chase


def simulate(
    cases: int,
    start: date,
    end: date,
    schedule_path: Path | None = None,
    seed: int = 1,
    assumptions: Assumptions = Assumptions(),
    keep: Path | None = None,
    review_schedule_path: Path | None = None,
    publication_months: int | None = None,
    panel_chase_days: int | None = None,
) -> Outcome:
    """Run `cases` referrals received between `start` and `end`; return counts and the compliance summary.
    The reviews that follow run under `review_schedule_path` (default: the one in force), with publication
    counted as `publication_months` calendar months when given; the Panel's response is chased
    `panel_chase_days` working days after the report when given (default: the schedule's own)."""
    if not 1 <= cases <= 100_000:
        raise BadInput("--cases is between 1 and 100,000")
    if end < start:
        raise BadInput(f"--to {end} is before --from {start}")
    if keep is not None and keep.exists() and any(keep.iterdir()):
        raise BadInput(f"{keep} is not empty: give a new folder to keep the simulated database in")
    with tempfile.TemporaryDirectory(prefix="rr-simulate-") as scratch:
        home = keep or Path(scratch)
        home.mkdir(parents=True, exist_ok=True)
        schedule = str(schedule_path) if schedule_path is not None else None
        reviews = config.load_review_schedule(review_schedule_path)
        if publication_months is not None:
            if not 1 <= publication_months <= 24:
                raise BadInput("--publication-months is between 1 and 24")
            reviews = simulate_review.with_publication_months(reviews, publication_months)
        if panel_chase_days is not None and not 1 <= panel_chase_days <= 60:
            raise BadInput("--panel-chase-days is between 1 and 60 working days")
        with environment(
            RR_HOME=str(home), RR_USER="simulator", RR_SCHEDULE=schedule, RR_DATABASE_URL=None, RR_NOW=None
        ):
            return _run(
                cases, start, end, seed, assumptions, home, keep is not None, reviews, panel_chase_days
            )


def _run(
    cases: int,
    start: date,
    end: date,
    seed: int,
    assumptions: Assumptions,
    home: Path,
    kept: bool,
    review_schedule: Schedule,
    panel_chase_days: int | None = None,
) -> Outcome:
    from rr_workflow.adapters.db import tables as t
    from rr_workflow.service import case_rules, compliance, read_models, setup
    from rr_workflow.service.app import open_app

    setup.init(home=home, training=True, name="Simulator")
    app = open_app(home=home, clock=FixedClock(datetime.combine(end, time(18), LONDON)), actor="simulator")
    schedule, text = config.schedule_in_force()
    if panel_chase_days is not None:
        schedule = with_panel_chase_days(schedule, panel_chase_days)
    calendar = app.calendar
    for key in (*PARTNERS, *OTHER_AGENCIES):
        setup.agency_add(app, key, key.title(), f"{key}@simulated.example", PARTNERS.get(key))
    rng = random.Random(seed)
    outcome = Outcome(cases=cases, home=home if kept else None)
    working_days = [d for d in _days(start, end) if calendar.is_working_day(d)]
    if not working_days:
        raise BadInput(f"there is no working day between {start} and {end}")
    simulated: list[tuple[Case, list[Deadline]]] = []
    reviews: list[list[Deadline]] = []
    for number in range(1, cases + 1):
        panel_rng = random.Random(f"{seed}:{number}:panel")  # the same responses whatever else is tried
        case, machine_steps, inquorate = _one_case(
            number, rng, working_days, schedule, calendar, assumptions, panel_rng
        )
        if case.outcome is not None and case.decided_on is not None:
            review_rng = random.Random(f"{seed}:{number}")  # the same reviews whatever the schedules tried
            followed = simulate_review.run_review(
                case.ref, case.outcome, case.decided_on, review_rng, review_schedule, calendar
            )
            if followed is not None:
                reviews.append(followed)
        outcome.transitions += machine_steps
        outcome.inquorate_meetings += inquorate
        outcome.declined += case.state == "declined"
        finished = case.closed_on or case.declined_on or end
        deadlines = compute_deadlines(
            schedule, calendar, case.milestones(), finished, case.deadline_deviations()
        )
        outcome.escalations += sum(_escalations(d, schedule, calendar, finished) for d in deadlines)
        simulated.append((case, deadlines))
    with app.uow() as uow:
        case_rules.store_schedule(app, uow, t.schedules, schedule, text)
        for case, _ in simulated:
            case.allowed = ""  # type: ignore[attr-defined]
            case.opened_at = case.changed_at = app.moment()  # type: ignore[attr-defined]
            uow.cases.add(case)
        uow.flush()
        for case, deadlines in simulated:
            read_models.materialise(app, uow, case, schedule, deadlines, reviews=[])  # new: no review
        uow.audit(
            actor=app.actor,
            recorded_at=app.moment(),
            action="simulation",
            details={"cases": cases, "seed": seed, "schedule_version": schedule.version},
        )
        uow.commit()
    report = compliance.compliance(app, None, None)
    outcome.summary, outcome.panel = report["summary"], report["panel"]
    outcome.reviews = simulate_review.summary(reviews, calendar)
    outcome.panel_response = panel_summary([d for _, d in simulated], schedule, calendar)
    app.engine.dispose()
    return outcome


def _days(start: date, end: date) -> Iterator[date]:
    for ordinal in range(start.toordinal(), end.toordinal() + 1):
        yield date.fromordinal(ordinal)


def _one_case(
    number: int,
    rng: random.Random,
    working_days: list[date],
    schedule: Schedule,
    calendar: WorkingCalendar,
    a: Assumptions,
    panel_rng: random.Random | None = None,
) -> tuple[Case, int, int]:
    """Draw one referral and drive it through the machine; returns the case, its steps, inquorate meetings."""
    received = rng.choice(working_days)
    aware = calendar.subtract(received, rng.choice((0, 0, 0, 1, 2)))
    case = Case(
        f"SIM-{number:05d}",
        received,
        aware,
        rng.choice(list(PARTNERS)),
        schedule.version,
        summary="simulated referral",
    )
    machine = RapidReview(case, endorsement_required=schedule.endorsement_required)
    steps = 0

    def fire(event: str, **kwargs: Any) -> None:
        nonlocal steps
        machine.send(event, **kwargs)
        steps += 1

    agencies = [*PARTNERS, *rng.sample(OTHER_AGENCIES, rng.randint(0, a.extra_agencies))]
    sent = calendar.add(received, a.scoping_delay.draw(rng))
    fire("send_scoping", agencies=agencies, on=sent)
    fire("record_sin", on=calendar.add(aware, a.sin_delay.draw(rng)))
    if rng.random() < a.decline:
        declined = calendar.add(sent, 1)
        fire("decline", on=declined, reason="simulated: does not meet the criteria")
        deadlines = compute_deadlines(
            schedule, calendar, case.milestones(), declined, case.deadline_deviations()
        )
        case.waive_open(deadlines, "referral declined", declined)
        return case, steps, 0
    for agency in agencies:
        fire("return_scoping", agency=agency, on=calendar.add(sent, a.agency_delay.draw(rng)))
        fire("secure_records", agency=agency, on=calendar.add(sent, a.records_delay.draw(rng)))
    window = meeting_window(compute_deadlines(schedule, calendar, case.milestones(), sent))
    earliest = window[0] if window else calendar.add(received, 7)
    latest = window[1] if window else calendar.add(received, 13)
    meeting = calendar.add(max(earliest, calendar.add(sent, 1)), a.meeting_offset.draw(rng))
    inquorate = 0
    set_on = calendar.add(sent, 1)
    while True:
        fire(
            "schedule_meeting",
            on=meeting,
            at=time(10),
            mode="in_person",
            mode_reason=None,
            window=(earliest, latest),
            outside_window_reason="simulated" if not earliest <= meeting <= latest else None,
            recorded_on=min(set_on, meeting),
        )
        partners = dict(schedule.partners)
        if rng.random() < a.inquorate and inquorate < 3:
            inquorate += 1
            fire(
                "record_inquorate",
                on=meeting,
                attendees=PRESENT[:2],
                required_partners=partners,
                partners_present={"la", "police"},
            )
            set_on, meeting = meeting, calendar.add(meeting, rng.randint(2, 4))
            continue
        fire(
            "hold_meeting",
            on=meeting,
            attendees=PRESENT,
            required_partners=partners,
            partners_present=set(PARTNERS),
        )
        break
    outcome = rng.choices(("national_cspr", "local_cspr", "alternative_review", "no_review"), (1, 3, 3, 5))[0]
    fire("decide", outcome=outcome, rationale="simulated decision", actions=[], on=meeting)
    endorsed = calendar.add(meeting, a.endorse_delay.draw(rng))
    if schedule.endorsement_required:
        fire("endorse", on=endorsed, by="Simulated Chair")
    submitted = calendar.add(endorsed, a.submit_delay.draw(rng))
    fire("submit", on=submitted)
    fire("share_outcome", on=submitted)
    # The Panel's response, some working days later (its own draws: the same whatever the chase tried).
    panel_rng = panel_rng or rng
    responded = calendar.add(submitted, a.panel_delay.draw(panel_rng))
    asks = panel_rng.random() < a.panel_questions
    questions = "simulated: why not a national review?" if asks else None
    fire("record_panel_response", on=responded, agrees=not asks, questions=questions)
    closed = responded
    if asks:
        closed = calendar.add(responded, a.answer_delay.draw(panel_rng))
        fire("answer_panel", on=closed)
    fire("close", on=closed)
    return case, steps, inquorate


PANEL_RESPONSE, PANEL_ANSWER = "panel_response", "panel_answered"  # the milestones that meet them


def with_panel_chase_days(schedule: Schedule, days: int) -> Schedule:
    """The schedule with the Panel's response chased `days` working days after the report (the rule met
    by the Panel's response: its due date is the day the coordinator is reminded to chase it)."""
    if not any(r.met_by == PANEL_RESPONSE for r in schedule.rules):
        raise BadInput(
            f"{schedule.source}: the schedule has no deadline met by the Panel's response to change"
        )
    rules = tuple(
        dataclasses.replace(r, working_days=days) if r.met_by == PANEL_RESPONSE else r for r in schedule.rules
    )
    return dataclasses.replace(schedule, rules=rules, version=f"{schedule.version}+chase{days}")


def panel_summary(
    cases: list[list[Deadline]], schedule: Schedule, calendar: WorkingCalendar
) -> dict[str, Any]:
    """The Panel's response over the simulated cases, from their deadlines: how many reports it answered,
    after how many working days, how many the coordinator had to chase (the chase reminder fires at the
    start of the chase day, so a response that arrives that day or later was chased), how many went on to
    the managers, and how often it asked questions and the answer went late."""
    rule = next((r for r in schedule.rules if r.met_by == PANEL_RESPONSE), None)
    responses = [d for ds in cases for d in ds if d.rule_key == (rule.key if rule else None)]
    answered = [d for d in responses if d.met_on is not None]
    waited = [calendar.between(d.counts_from, d.met_on) for d in answered if d.met_on is not None]
    chased = [d for d in responses if d.met_on is None or d.met_on >= reminder_day(d.due, 0, calendar)]
    escalated = [
        d
        for d in responses
        if rule is not None and escalation_day(d.due, 1, rule.policy, calendar) <= (d.met_on or date.max)
    ]
    answer_rule = next((r for r in schedule.rules if r.met_by == PANEL_ANSWER), None)
    answers = [d for ds in cases for d in ds if answer_rule is not None and d.rule_key == answer_rule.key]
    return {
        "chase_days": rule.working_days if rule else None,
        "reports": len(responses),
        "responses": len(answered),
        "median_working_days": statistics.median(waited) if waited else 0,
        "chased": len(chased),
        "escalated": len(escalated),
        "questions": len(answers),
        "answered_late": sum(1 for d in answers if d.status == Status.MET_LATE),
    }


def _escalations(deadline: Deadline, schedule: Schedule, calendar: WorkingCalendar, finished: date) -> int:
    """How many escalation notices the timer plan would have sent before the deadline was met (or the case
    finished, or the deadline was waived)."""
    if deadline.deviation == "waived" and deadline.met_on is None:
        return 0
    until = deadline.met_on or finished
    policy = schedule.rule(deadline.rule_key).policy
    count = 0
    while escalation_day(deadline.due, count + 1, policy, calendar) <= until and count < 1000:
        count += 1
    return count
