"""The dates a case's trail says it holds: each recorded step's date, replayed from its audit rows.

`rr audit verify` compares them with the dates stored on the case, so a date changed in the database
behind the application's back (a step's date edited in the cases table, say) is found even when the
case's stage still agrees with its trail.

The replay follows the same rules as the steps: a step records its date (`effective_on`); a correction
sets the fact to its new value and a withdrawal clears it; an undo puts back what the step it undoes had
changed. Which step records which fact is the correctable facts' table (`corrections.FACTS`); closing
and declining record the dates of the last two steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from rr_workflow.domain.corrections import DATE, FACTS
from rr_workflow.domain.undo import CORRECTIONS, UNDO

Milestone = tuple[str, str | None]  # (fact, agency): ("scoping-returned", "la"), ("decided", None)

CLOSED, DECLINED = "closed", "declined"
OPENED = "case_opened"
# The steps that record each dated fact, from the correctable facts (one table), and the last steps.
STEP_FACTS: Mapping[str, tuple[str, ...]] = {
    **{
        step: tuple(f.name for f in FACTS.values() if f.kind == DATE and f.step == step)
        for step in {f.step for f in FACTS.values() if f.kind == DATE}
    },
    "record_inquorate": ("meeting-held",),  # an inquorate meeting is recorded on the day it met too
    "close": (CLOSED,),
    "decline": (DECLINED,),
}
FIRST_ONLY = frozenset({"meeting-set"})  # the first date set counts; moving the meeting does not change it


@dataclass(frozen=True)
class Row:
    """What the replay needs of one audit row."""

    id: int
    action: str
    effective_on: date | None
    details: Mapping[str, Any]


def replay(rows: Iterable[Row]) -> dict[Milestone, date | None]:
    """The case's dated facts after its trail (oldest row first); a fact never recorded is absent."""
    facts: dict[Milestone, date | None] = {}
    changed: dict[int, list[tuple[Milestone, date | None]]] = {}  # by row: what it replaced

    def put(row_id: int, milestone: Milestone, value: date | None) -> None:
        changed.setdefault(row_id, []).append((milestone, facts.get(milestone)))
        facts[milestone] = value

    for row in rows:
        if row.action == UNDO:
            for milestone, before in reversed(changed.get(int(row.details.get("undoes") or 0), [])):
                put(row.id, milestone, before)
        elif row.action in CORRECTIONS:
            name = str(row.details.get("fact"))
            if name in FACTS and FACTS[name].kind == DATE:
                after = row.details.get("after") if row.action == "fact_corrected" else None
                put(row.id, (name, row.details.get("agency")), _day(after))
        elif row.action == OPENED:
            put(row.id, ("received", None), _day(row.details.get("received")))
            put(row.id, ("aware", None), _day(row.details.get("aware")))
        else:
            for name in STEP_FACTS.get(row.action, ()):
                for agency in _agencies(name, row.details):
                    milestone = (name, agency)
                    if name in FIRST_ONLY and facts.get(milestone) is not None:
                        continue
                    put(row.id, milestone, row.effective_on)
    return {m: v for m, v in facts.items() if v is not None}


def _agencies(name: str, details: Mapping[str, Any]) -> list[str | None]:
    fact = FACTS.get(name)
    if fact is None or not fact.per_agency:
        return [None]
    if "agencies" in details:
        return [str(a) for a in details["agencies"]]
    return [str(details.get("agency"))]


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def first_difference(
    expected: Mapping[Milestone, date | None], stored: Mapping[Milestone, date | None]
) -> str | None:
    """The first dated fact on which the trail and the stored case disagree, in a reader's words."""
    for milestone in sorted(set(expected) | set(stored), key=lambda m: (m[0], m[1] or "")):
        was, now = expected.get(milestone), stored.get(milestone)
        if was != now:
            name, agency = milestone
            what = f"{name} ({agency})" if agency else name
            return f"its trail dates {what} {was or 'not recorded'} but the case holds {now or 'none'}"
    return None
