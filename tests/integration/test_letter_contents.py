"""What the letters of a whole case say, read back as their reader sees them (docs/letters.md).

The case of `run_procedure`: received and aware Mon 2 Nov 2026, templates and records-securing
instructions out Tue 3 Nov (returns and confirmations due 5 working days later, Tue 10 Nov), meeting Thu
12 Nov, decision "no_review" ("learning is local", one action for the local authority: "safety plan"),
endorsed by "Independent Chair" Fri 13 Nov; the report is due with the Panel 2 working days after the
meeting (Mon 16 Nov) and the review complete 15 working days after awareness (Mon 23 Nov). Every expected
phrase below is written out from those facts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import docx
import pytest


def letter_text(path: Path) -> str:
    """A Word letter as its reader sees it: page header, body paragraphs and tables in order, spaces
    collapsed."""
    document = docx.Document(str(path))
    parts = [p.text for p in document.sections[0].header.paragraphs]
    for block in document.element.body.iterchildren():
        if block.tag.endswith("}p"):
            parts.append("".join(t.text or "" for t in block.iter() if t.tag.endswith("}t")))
        elif block.tag.endswith("}tbl"):
            parts.append(" ".join(t.text or "" for t in block.iter() if t.tag.endswith("}t")))
    return re.sub(r"\s+", " ", " ".join(parts)).strip()


def report_cells(path: Path) -> list[str]:
    report = docx.Document(str(path))
    return [p.text for p in report.paragraphs] + [
        c.text for table in report.tables for row in table.rows for c in row.cells
    ]


def documents(rig: Any, kind: str) -> list[dict[str, Any]]:
    return rig.rows("SELECT * FROM documents WHERE generated = 1 AND kind = :kind ORDER BY id", kind=kind)


@pytest.fixture
def closed(rig: Any) -> Any:
    rig.run_procedure()  # the Panel's address is the test profile's: panel@panel.example
    return rig


def test_each_agency_is_told_to_secure_its_records_and_by_when(closed: Any) -> None:
    """Planted bug caught: the confirmation date taken from the scoping return rule's `from` day
    (Tue 3 Nov) instead of its due date."""
    letters = documents(closed, "records_securing")
    assert [d["recipients"] for d in letters] == [
        "la@agency.example",
        "police@agency.example",
        "health@agency.example",
    ]
    for document, name in zip(letters, ("La", "Police", "Health"), strict=True):
        text = letter_text(Path(document["path"]))
        assert f"To: {name} Rapid Review: instruction to secure records Dear Colleague," in text
        assert "secure your agency's records about the child and family today" in text
        assert "by Tuesday 10 November 2026, that the records are secured" in text
        assert "OFFICIAL-SENSITIVE TRAINING — NOT A REAL CASE" in text


def test_each_agency_is_told_the_outcome_its_rationale_and_actions(closed: Any) -> None:
    """Planted bug caught: the outcome letter printing the outcome's key ("no_review") or leaving out the
    rationale."""
    letters = documents(closed, "outcome_notification")
    assert sorted(d["recipients"] for d in letters) == [
        "health@agency.example",
        "la@agency.example",
        "police@agency.example",
    ]
    for document in letters:
        text = letter_text(Path(document["path"]))
        assert "The Rapid Review meeting on Thursday 12 November 2026 decided that no further review" in text
        assert "Why: learning is local" in text
        assert "Immediate actions Who Action La safety plan" in text  # the agency's name, not its key
        assert "no_review" not in text


def test_the_panel_covering_letter_states_the_case_the_decision_and_the_dates(closed: Any) -> None:
    (letter,) = documents(closed, "panel_covering_letter")
    assert letter["recipients"] == "panel@panel.example"
    text = letter_text(Path(letter["path"]))
    for phrase in (
        "To: The Child Safeguarding Practice Review Panel",
        "Please find enclosed the Rapid Review report of Testshire Safeguarding Children Partnership",
        "Referral received Monday 2 November 2026",
        "Serious Incident Notification sent Tuesday 3 November 2026",
        "Rapid Review meeting Thursday 12 November 2026",
        "Decision that no further review is needed",
        "Endorsed Friday 13 November 2026, by Independent Chair",
        "Report due to the Panel Monday 16 November 2026 (2 working days after the meeting)",
        "Rapid Review to be complete by Monday 23 November 2026 (15 working days after",
    ):
        assert phrase in text, phrase


def test_the_report_draft_carries_the_decision_actions_and_endorsement(closed: Any) -> None:
    """The draft is written at the decision (no endorsement yet) and again once endorsed.

    Planted bug caught: the draft's rationale left empty (the Decision section without its reasons)."""
    drafts = documents(closed, "report_draft")
    first, last = report_cells(Path(drafts[0]["path"])), report_cells(Path(drafts[-1]["path"]))
    for cells in (first, last):
        joined = " | ".join(cells)
        assert "7. Decision and rationale | No further review | learning is local" in joined
        assert "No. | Action | Owner | 1 | safety plan | La" in joined  # the owner's name, not "la"
        assert "Date | Thursday 12 November 2026 | Held | In person" in joined
        assert "Serious Incident Notification | Tuesday 3 November 2026" in joined
    assert "Endorsed by | ________________________________" in " | ".join(first)
    endorsed = "Endorsed by | Independent Chair | Date of endorsement | Friday 13 November 2026"
    assert endorsed in " | ".join(last)
