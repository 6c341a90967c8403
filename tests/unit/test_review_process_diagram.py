"""The review's process diagram is generated from its machines and its schedule, so it cannot drift."""

from __future__ import annotations

import dataclasses
import re

from click.testing import CliRunner

from rr_workflow.adapters.config import load_review_schedule, shipped_dir
from rr_workflow.cli.app import cli
from rr_workflow.domain.review import LocalReview, NationalReview
from rr_workflow.domain.stages import REVIEW_COMMANDS as COMMANDS
from rr_workflow.service import review_process

SCHEDULE = load_review_schedule(shipped_dir("schedules") / "local_review.toml")


def test_every_state_and_every_stage_changing_command_is_drawn() -> None:
    text = review_process.mermaid(SCHEDULE)
    arrows = re.findall(r"^    (\w+) --> (\w+) : ([^<\n]+)", text, flags=re.M)
    for machine in (LocalReview, NationalReview):
        assert f"    [*] --> {next(s.id for s in machine.states if s.initial)}" in text
        for state in machine.states:
            assert f"    {state.id} : {state.name}" in text
            for transition in state.transitions:
                if transition.target.id != state.id:
                    for event in transition.events:
                        assert (state.id, transition.target.id, COMMANDS[str(event)]) in arrows


def test_the_timescales_come_from_the_schedule() -> None:
    """Planted once: the months of a deadline shown as working days ('0 working days') fails here."""
    text = review_process.mermaid(SCHEDULE)
    assert "review published<br/>6 calendar months after the decision (or the working day before)" in text
    assert "review final-sent<br/>7 working days before publication" in text
    assert "every 20 working days after the terms of reference were agreed, then after the last one" in text
    four = dataclasses.replace(
        SCHEDULE,
        rules=tuple(dataclasses.replace(r, months=4) if r.key == "published" else r for r in SCHEDULE.rules),
    )
    assert "review published<br/>4 calendar months after the decision" in review_process.mermaid(four)


def test_rr_process_diagram_draws_the_review() -> None:
    result = CliRunner().invoke(cli, ["process", "diagram", "--procedure", "review"], prog_name="rr")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("stateDiagram-v2\n") and "review appoint" in result.output
    dot = CliRunner().invoke(cli, ["process", "diagram", "--procedure", "review", "--format", "dot"])
    assert dot.output.startswith("digraph review {")
