"""The review that follows, in `rr simulate`: each simulated local or alternative review is driven through
the review's real machine (domain/review.py) and its deadlines counted by the one deadline module, with
steps on working days drawn from seeded distributions. The figures say how many reviews would be
published on time under a review schedule (`--publication-months` tries another publication target on the
same referrals)."""

from __future__ import annotations

import dataclasses
import random
import statistics
from dataclasses import dataclass
from datetime import date
from typing import Any

from rr_workflow.domain.calendar import WorkingCalendar
from rr_workflow.domain.deadlines import Deadline, Status, compute_deadlines, lateness
from rr_workflow.domain.review import machine_for
from rr_workflow.domain.review_record import LOCAL_KINDS, Review, ReviewDeviation
from rr_workflow.domain.schedule import Schedule


@dataclass(frozen=True)
class ReviewAssumptions:
    """Working days (MEAN, SD) each step of a review takes, and how often it is delayed or not published."""

    appoint: tuple[float, float] = (15, 8)  # the reviewer, from the decision
    tor: tuple[float, float] = (8, 4)  # the terms of reference, from the appointment
    checkpoint: tuple[float, float] = (20, 3)  # between progress checkpoints
    draft: tuple[float, float] = (60, 15)  # the draft report, from the terms of reference
    final: tuple[float, float] = (20, 8)  # the final report to the Panel, from the draft
    publish: tuple[float, float] = (10, 3)  # publication, from the final report (at least the notice)
    delayed: float = 0.1  # chance of criminal proceedings: publication extended by about 60 working days
    not_published: float = 0.03


def with_publication_months(schedule: Schedule, months: int) -> Schedule:
    """The review schedule with its publication target counted as `months` calendar months."""
    rules = tuple(
        dataclasses.replace(r, months=months, working_days=0) if r.met_by == "published" and r.months else r
        for r in schedule.rules
    )
    return dataclasses.replace(schedule, rules=rules, version=f"{schedule.version}+{months}m")


def _draw(rng: random.Random, mean_sd: tuple[float, float]) -> int:
    return max(1, round(rng.gauss(*mean_sd)))


def run_review(
    ref: str,
    outcome: str,
    decided_on: date,
    rng: random.Random,
    schedule: Schedule,
    calendar: WorkingCalendar,
    a: ReviewAssumptions = ReviewAssumptions(),
) -> list[Deadline] | None:
    """Drive one review from the decision to its end; its deadlines as they stand then (None: no review)."""
    if outcome not in LOCAL_KINDS:
        return None
    review = Review(ref, outcome, decided_on, schedule.version)
    machine = machine_for(review)
    on = calendar.add(decided_on, _draw(rng, a.appoint))
    machine.send("appoint", on=on, reviewer="Simulated Reviewer")
    on = calendar.add(on, _draw(rng, a.tor))
    machine.send("agree_tor", on=on)
    draft_on = calendar.add(on, _draw(rng, a.draft))
    checkpoint = calendar.add(on, _draw(rng, a.checkpoint))
    while checkpoint < draft_on:
        machine.send("checkpoint", on=checkpoint)
        checkpoint = calendar.add(checkpoint, _draw(rng, a.checkpoint))
    machine.send("receive_draft", on=draft_on)
    final_on = calendar.add(draft_on, _draw(rng, a.final))
    if rng.random() < a.not_published:
        machine.send("not_publish", on=final_on, reason="simulated: publication would harm a sibling")
        return _deadlines(review, schedule, calendar, final_on, waive=True)
    if rng.random() < a.delayed:
        due = _publication(review, schedule, calendar, final_on)
        later = calendar.add(max(due, final_on), 60)
        review.deviations.append(
            ReviewDeviation("published", "simulated: criminal proceedings", later, final_on)
        )
        final_on = calendar.add(final_on, 50)
    machine.send("send_final", on=final_on)
    notice = next((r.working_days for r in schedule.rules if r.before), 0)
    published = calendar.add(final_on, max(notice, _draw(rng, a.publish)))
    machine.send("publish", on=published, earliest=calendar.add(final_on, notice))
    return _deadlines(review, schedule, calendar, published)


def _publication(review: Review, schedule: Schedule, calendar: WorkingCalendar, as_of: date) -> date:
    found = compute_deadlines(schedule, calendar, review.milestones(), as_of, review.deadline_deviations())
    return next(d.due for d in found if d.key == "published")


def _deadlines(
    review: Review, schedule: Schedule, calendar: WorkingCalendar, as_of: date, waive: bool = False
) -> list[Deadline]:
    if waive:
        for d in compute_deadlines(
            schedule, calendar, review.milestones(), as_of, review.deadline_deviations()
        ):
            if d.is_open:
                review.deviations.append(ReviewDeviation(d.key, "not published", None, as_of))
    return compute_deadlines(schedule, calendar, review.milestones(), as_of, review.deadline_deviations())


def summary(reviews: list[list[Deadline]], calendar: WorkingCalendar) -> dict[str, Any]:
    """How the simulated reviews went: how many were published, by the original date or late (in working
    days), and each of the review's timescales met on time."""
    published = [next((d for d in ds if d.key == "published"), None) for ds in reviews]
    done = [d for d in published if d is not None and d.met_on is not None]
    late = [late.working_days for d in done if (late := lateness(d, calendar)) is not None]
    by_rule: dict[str, list[int]] = {}
    for ds in reviews:
        for d in ds:
            if d.met_on is None:
                continue
            judged = by_rule.setdefault(d.rule_key, [0, 0])
            judged[0] += d.status == Status.MET
            judged[1] += 1
    return {
        "reviews": len(reviews),
        "published": len(done),
        "not_published": len(reviews) - len(done),
        "published_on_time": len(done) - len(late),
        "median_working_days_late": statistics.median(late) if late else 0,
        "worst_working_days_late": max(late, default=0),
        "on_time": {key: {"met_on_time": on, "met": n} for key, (on, n) in sorted(by_rule.items())},
    }
