"""The process diagram is generated from the machine and the schedule, so it cannot drift from either."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET

from click.testing import CliRunner
from required_tools import needs_tool

from rr_workflow.adapters.config import load_schedule, shipped_dir
from rr_workflow.cli.app import cli
from rr_workflow.domain.machine import RapidReview
from rr_workflow.domain.stages import COMMANDS
from rr_workflow.service import process

SCHEDULE = load_schedule(shipped_dir("schedules") / "rapid_review.toml")


def test_every_state_and_every_stage_changing_command_is_in_the_mermaid_diagram() -> None:
    text = process.mermaid(SCHEDULE)
    assert text.startswith("stateDiagram-v2\n")
    for state in RapidReview.states:
        assert f"    {state.id} : {state.name}" in text
    arrows = [
        (source, target, command.split(" (")[0])  # a guarded step says when, in brackets after it
        for source, target, command in re.findall(r"^    (\w+) --> (\w+) : ([^<\n]+)", text, flags=re.M)
    ]
    for state in RapidReview.states:
        for transition in state.transitions:
            skipped = (state.id, transition.target.id) == ("decided", "submitted")  # endorsement required
            if transition.target.id != state.id and not skipped:
                for event in transition.events:
                    assert (state.id, transition.target.id, COMMANDS[str(event)]) in arrows


def test_the_panels_response_says_where_each_answer_leads() -> None:
    text = process.mermaid(SCHEDULE)
    assert "submitted --> response_handled : panel response (it agrees and asks nothing)" in text
    assert "submitted --> panel_questions : panel response (it asks questions or does not agree)" in text
    assert "submitted --> closed : close (--without-response REASON)" in text
    assert "panel_questions --> response_handled : panel answered<br/>10 working days after" in text


def test_the_timescales_come_from_the_schedule() -> None:
    text = process.mermaid(SCHEDULE)
    assert "meeting held<br/>7–13 working days after the referral" in text
    assert (
        "submit<br/>2 working days after the meeting<br/>15 working days after the partnership became aware"
        in text
    )
    assert "meeting schedule<br/>1 working day after the templates went out" in text
    longer = dataclasses.replace(
        SCHEDULE,
        rules=tuple(
            dataclasses.replace(r, working_days=7) if r.key == "scoping_returned" else r
            for r in SCHEDULE.rules
        ),
    )
    assert "scoping returned (7 working days after the templates went out, each agency)" in process.mermaid(
        longer
    )
    assert "scoping returned (5 working days" not in process.mermaid(longer)


def test_the_diagram_shows_labels_never_keys() -> None:
    """Planted bug caught: a timescale naming its milestone by key ("after scoping_sent")."""
    text = process.mermaid(SCHEDULE)
    labels = [line.split(" : ", 1)[1] for line in text.splitlines() if " : " in line]
    assert labels and all("_" not in label for label in labels), [x for x in labels if "_" in x]
    dot = process.dot(SCHEDULE)
    shown = re.findall(r'label="([^"]*)"', dot)
    assert shown and all("_" not in label for label in shown), [x for x in shown if "_" in x]


def test_submission_straight_from_the_decision_appears_only_when_endorsement_is_optional() -> None:
    assert "decided --> submitted" not in process.mermaid(SCHEDULE)
    optional = dataclasses.replace(SCHEDULE, endorsement_required=False)
    assert "decided --> submitted : submit" in process.mermaid(optional)


def test_the_cli_writes_mermaid_and_dot() -> None:
    result = CliRunner().invoke(cli, ["process", "diagram"])
    assert result.exit_code == 0 and result.output.startswith("stateDiagram-v2")
    result = CliRunner().invoke(cli, ["process", "diagram", "--format", "dot"])
    assert result.exit_code == 0 and result.output.startswith("digraph rapid_review {")


@needs_tool("dot", "graphviz")
def test_svg_is_a_valid_drawing_of_every_state(tmp_path) -> None:
    out = tmp_path / "process.svg"
    result = CliRunner().invoke(cli, ["process", "diagram", "--format", "svg", "--out", str(out)])
    assert result.exit_code == 0, result.output
    root = ET.fromstring(out.read_text())
    assert root.tag.endswith("svg")
    texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    for state in RapidReview.states:
        assert str(state.name).split(":")[0] in texts
