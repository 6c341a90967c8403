"""The review's process diagram, generated from its machines (domain/review.py) and its schedule
(schedules/local_review.toml), drawn the same way as the Rapid Review's (`process`)."""

from __future__ import annotations

from rr_workflow.domain.calendar import NEXT, PREVIOUS
from rr_workflow.domain.review import MILESTONES, LocalReview, NationalReview
from rr_workflow.domain.schedule import MILESTONE_PHRASES, DeadlineRule, Schedule
from rr_workflow.domain.stages import REVIEW_COMMANDS as COMMANDS
from rr_workflow.service.process import Edge, render_dot, render_mermaid, svg_of

STATES = [*LocalReview.states, *NationalReview.states]


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" + ("" if n == 1 else "s")


def timescale(rule: DeadlineRule, schedule: Schedule) -> str:
    """How a review's timescale reads beside its step: '6 calendar months after the decision (or the
    working day before)', '7 working days before publication', 'every 20 working days ...'."""
    since = MILESTONE_PHRASES.get(rule.counts_from, rule.counts_from.replace("_", " "))
    if rule.months is not None:
        moved = {PREVIOUS: " (or the working day before)", NEXT: " (or the next working day)"}.get(
            rule.roll, ""
        )
        return f"{_plural(rule.months, 'calendar month')} after {since}{moved}"
    days = _plural(rule.working_days, "working day")
    if rule.before is not None:
        target = schedule.rule(rule.before).met_by
        return f"{days} before {MILESTONE_PHRASES.get(target, target)}"
    if rule.repeat_until is not None:
        until = MILESTONE_PHRASES.get(rule.repeat_until, rule.repeat_until)
        return f"every {days} after {since}, then after the last one, until {until}"
    return f"{days} after {since}"


def edges(schedule: Schedule) -> list[Edge]:
    """Every transition of the review's machines with its command and the timescales it meets; the steps
    that record a fact without changing the stage are folded into one self-loop per stage."""
    result = []
    for state in STATES:
        recorded: list[str] = []
        for transition in state.transitions:
            for event in dict.fromkeys(str(e) for e in transition.events):
                milestone = MILESTONES.get(event)
                scales = tuple(timescale(r, schedule) for r in schedule.rules if r.met_by == milestone)
                if transition.target.id == state.id:
                    recorded.append(COMMANDS[event] + (f" ({'; '.join(scales)})" if scales else ""))
                elif not any(e.source == state.id and e.target == transition.target.id for e in result):
                    result.append(Edge(state.id, transition.target.id, COMMANDS[event], scales))
        if recorded:
            result.append(Edge(state.id, state.id, "records: " + recorded[0], tuple(recorded[1:])))
    return result


def mermaid(schedule: Schedule) -> str:
    return render_mermaid(schedule, STATES, edges(schedule))


def dot(schedule: Schedule) -> str:
    return render_dot(schedule, STATES, edges(schedule), "review")


def svg(schedule: Schedule) -> str:
    return svg_of(dot(schedule))
