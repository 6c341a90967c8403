"""The process diagram, generated from the state machine and the schedule (never drawn by hand), so the
partnership's flow chart cannot drift from what the software enforces."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rr_workflow.domain.errors import BadInput
from rr_workflow.domain.machine import MILESTONES, RapidReview
from rr_workflow.domain.schedule import MILESTONE_PHRASES, Schedule
from rr_workflow.domain.stages import COMMANDS

# What a guard on a transition means, said beside its command (a guard not listed needs no words).
GUARD_WORDS = {
    "panel_satisfied": "it agrees and asks nothing",
    "!panel_satisfied": "it asks questions or does not agree",
    "closing_without_response": "--without-response REASON",
}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    command: str
    timescales: tuple[str, ...]


def _timescales(schedule: Schedule, event: str) -> tuple[str, ...]:
    milestone = MILESTONES.get(event)
    found = []
    for rule in schedule.rules:
        if rule.met_by != milestone:
            continue
        days = f"{rule.earliest}–{rule.working_days}" if rule.earliest is not None else f"{rule.working_days}"
        per = ", each agency" if rule.per_agency else ""
        since = MILESTONE_PHRASES.get(rule.counts_from, rule.counts_from.replace("_", " "))
        unit = "working day" if days == "1" else "working days"
        found.append(f"{days} {unit} after {since}{per}")
    return tuple(found)


def edges(schedule: Schedule) -> list[Edge]:
    """Every transition of the machine, with the command that fires it and the timescales it meets. The
    steps that record a fact without changing the stage are folded into one self-loop per stage."""
    result = []
    for state in RapidReview.states:
        recorded: list[str] = []
        for transition in state.transitions:
            guards = {str(c) for c in transition.cond}
            if "endorsement_optional" in guards and schedule.endorsement_required:
                continue  # this schedule has the chair endorse before the report goes to the Panel
            for event in transition.events:
                timescales = _timescales(schedule, str(event))
                if transition.target.id == state.id:
                    recorded.append(
                        COMMANDS[str(event)] + (f" ({'; '.join(timescales)})" if timescales else "")
                    )
                else:
                    said = [GUARD_WORDS[g] for g in sorted(guards) if g in GUARD_WORDS]
                    command = COMMANDS[str(event)] + (f" ({'; '.join(said)})" if said else "")
                    result.append(Edge(state.id, transition.target.id, command, timescales))
        if recorded:
            result.append(Edge(state.id, state.id, "records: " + recorded[0], tuple(recorded[1:])))
    return result


def mermaid(schedule: Schedule) -> str:
    return render_mermaid(schedule, RapidReview.states, edges(schedule))


def render_mermaid(schedule: Schedule, states: Sequence[Any], drawn: Sequence[Edge]) -> str:
    """A machine's `states` and `drawn` edges as mermaid text, titled with the schedule."""
    lines = ["stateDiagram-v2", f"    %% {schedule.name} (schedule version {schedule.version})"]
    for state in states:
        lines.append(f"    {state.id} : {state.name}")
    for state in states:
        if state.initial:
            lines.append(f"    [*] --> {state.id}")
    for edge in drawn:
        label = edge.command + ("<br/>" + "<br/>".join(edge.timescales) if edge.timescales else "")
        lines.append(f"    {edge.source} --> {edge.target} : {label}")
    for state in states:
        if state.final:
            lines.append(f"    {state.id} --> [*]")
    return "\n".join(lines) + "\n"


def dot(schedule: Schedule) -> str:
    return render_dot(schedule, RapidReview.states, edges(schedule), "rapid_review")


def render_dot(schedule: Schedule, states: Sequence[Any], drawn: Sequence[Edge], name: str) -> str:
    lines = [
        f"digraph {name} {{",
        '  rankdir=TB; node [shape=box, style="rounded", fontname="Helvetica"]; edge [fontname="Helvetica"];',
        f'  labelloc="t"; label="{_quote(schedule.name)} (version {_quote(schedule.version)})";',
    ]
    for state in states:
        shape = ", peripheries=2" if state.final else ""
        lines.append(f'  {state.id} [label="{_quote(str(state.name))}"{shape}];')
    for edge in drawn:
        label = "\\n".join(_quote(part) for part in [edge.command, *edge.timescales])
        lines.append(f'  {edge.source} -> {edge.target} [label="{label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def svg(schedule: Schedule) -> str:
    return svg_of(dot(schedule))


def svg_of(text: str) -> str:
    """Graphviz's drawing of the dot `text`."""
    program = shutil.which("dot")
    if program is None:
        raise BadInput(
            "SVG needs Graphviz's `dot` program (apt-get install graphviz); --format mermaid needs nothing"
        )
    done = subprocess.run([program, "-Tsvg"], input=text, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise BadInput(f"Graphviz could not draw the diagram: {done.stderr.strip().splitlines()[0]}")
    return done.stdout
