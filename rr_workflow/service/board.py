"""The case board page: one self-contained HTML file for managers.

Open cases (and closed ones whose actions are overdue), their state and next deadline, red/amber/green by
the working days left (red too for an overdue action), overdue first,
each with its timeline picture. Everything is inside the one file (inline CSS, pictures as SVG data:
URIs), so it can be e-mailed or opened from a shared drive with no network. No personal data: case
references, states, deadline labels and dates only. Every value goes through the `.html.j2` template,
which escapes it.
"""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path
from typing import Any

from rr_workflow.adapters import templates
from rr_workflow.domain.deadlines import Status
from rr_workflow.domain.errors import BadInput
from rr_workflow.service import pictures, queries
from rr_workflow.service.app import App

TEMPLATE = "reports/board.html.j2"

# Red/amber/green, in one place: red once the next deadline is overdue; amber when it is due within
# AMBER_WITHIN working days (today counts as 0); green otherwise, or when nothing is due.
AMBER_WITHIN = 2
RED, AMBER, GREEN = "red", "amber", "green"
RAG_ORDER = (RED, AMBER, GREEN)


def rag(status: str | None, working_days_left: int | None) -> str:
    """The colour of a case from its next open deadline (None: nothing is due)."""
    if status is None or working_days_left is None:
        return GREEN
    # A deadline that fell on Friday is overdue on Saturday with 0 working days "left": the status says.
    if status == Status.OVERDUE or working_days_left < 0:
        return RED
    if working_days_left <= AMBER_WITHIN:
        return AMBER
    return GREEN


def _when(status: str, left: int, due: date) -> str:
    if status == Status.OVERDUE or left < 0:
        late = -left
        if late <= 0:
            return f"OVERDUE (was due {due:%a %d %b})"
        return f"OVERDUE by {late} working day{'s' if late != 1 else ''}"
    if left == 0:
        return "due today"
    return f"{left} working day{'s' if left != 1 else ''} left"


def board_data(app: App, with_pictures: bool = True) -> dict[str, Any]:
    """What the page shows: the open cases in RAG order (red first), each with its timeline."""
    today = app.today()
    cases = []
    for case in queries.case_list(app, open_only=True):
        following = case["next_deadline"]
        colour = rag(following and following["status"], following and following["working_days_left"])
        if case["overdue_actions"]:  # an action past its due date is as red as a missed deadline
            colour = RED
        entry: dict[str, Any] = {
            "ref": case["ref"],
            "state": case["state_label"],
            "received": f"{case['received']:%a %d %b %Y}",
            "rag": colour,
            "overdue": case["overdue"],
            "overdue_actions": case["overdue_actions"],
            "next": None,
            "picture": None,
        }
        if following is not None:
            entry["next"] = {
                "label": following["label"],
                "due": f"{following['due']:%a %d %b %Y}",
                "when": _when(following["status"], following["working_days_left"], following["due"]),
                "status": following["status"],
            }
        entry["alt"] = _alt(case["ref"], case["overdue_deadlines"], entry["next"], case["overdue_actions"])
        if with_pictures:
            svg = pictures.timeline_image(app, case["ref"], "svg")
            entry["picture"] = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
        cases.append(entry)
    cases.sort(key=lambda c: RAG_ORDER.index(c["rag"]))  # stable: the board's own order within a colour
    return {
        "title": "Rapid Review case board",
        "generated": f"{today:%A %d %B %Y}",
        "training": app.training,
        "amber_within": AMBER_WITHIN,
        "counts": {colour: sum(1 for c in cases if c["rag"] == colour) for colour in RAG_ORDER},
        "cases": cases,
    }


def _alt(ref: str, overdue: list[str], following: dict[str, Any] | None, actions: int = 0) -> str:
    """The timeline's text alternative: what a sighted reader takes from it first, what is overdue."""
    if overdue:
        said = f"{len(overdue)} deadline{'s' if len(overdue) > 1 else ''} overdue: {'; '.join(overdue)}"
    else:
        said = "no deadline overdue" if actions else "nothing overdue"
    if actions:
        said += f"; {actions} action{'s' if actions > 1 else ''} overdue"
    if following is not None:
        said += f". Next: {following['label']}, due {following['due']} ({following['when']})"
    return f"Timeline of {ref} in working days: {said}."


def board_html(app: App) -> str:
    """The board page as one HTML document (no external assets)."""
    return templates.render(TEMPLATE, board=board_data(app))


def page_path(out: Path) -> Path:
    """`out`, if the page can be written there (an .html file in a folder that exists)."""
    if out.suffix.lower() not in (".html", ".htm"):
        raise BadInput(f"{out.name}: the board page is written as .html (not {out.suffix or 'no suffix'!r})")
    if not out.parent.is_dir():
        raise BadInput(f"{out}: the folder {out.parent} does not exist")
    return out


def write(app: App, out: Path) -> Path:
    """Write the board page to `out`."""
    page_path(out)
    page = board_html(app)
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as error:
        raise BadInput(f"cannot write {out}: {error.strerror or error}") from None
    return out
