"""The board's table rows, written in Python for speed (web/render.py `board_rows`): every value from the
database escaped, the link to the case quoted, the row the template's loop used to write."""

from __future__ import annotations

from rr_workflow.web.render import board_rows


def test_a_row_says_what_the_board_says() -> None:
    case = {
        "rag": "amber",
        "ref": "RR-2026-014",
        "state": "scoping with agencies",
        "overdue": 0,
        "next": {
            "label": "Scoping template returned",
            "due": "Tue 05 Jan 2027",
            "when": "2 working days left",
        },
    }
    assert str(board_rows([case])) == (
        '<tr><td><span class="tag tag-amber">Amber</span></td>'
        '<th scope="row"><a href="/case/RR-2026-014">RR-2026-014</a></th>'
        "<td>scoping with agencies</td><td>Scoping template returned</td><td>Tue 05 Jan 2027</td>"
        "<td>2 working days left</td></tr>"
    )


def test_nothing_due_more_than_one_overdue_and_overdue_actions() -> None:
    quiet = {"rag": "green", "ref": "RR-1", "state": "closed", "overdue": 0, "next": None}
    late = {
        "rag": "red",
        "ref": "RR-2",
        "state": "meeting scheduled",
        "overdue": 3,
        "next": {"label": "Meeting held", "due": "Mon 04 Jan 2027", "when": "OVERDUE by 4 working days"},
    }
    kept = {**quiet, "rag": "red", "overdue_actions": 2}  # closed, on the board for its actions
    also = {**late, "overdue_actions": 1}
    rows = str(board_rows([quiet, late, kept, also])).split("\n")
    assert rows[0].endswith("<td>closed</td><td>nothing due</td><td></td><td></td></tr>")
    assert rows[1].endswith("<td>OVERDUE by 4 working days (3 overdue)</td></tr>")
    assert rows[2].endswith("<td>closed</td><td>nothing due</td><td></td><td>2 actions overdue</td></tr>")
    assert rows[3].endswith("<td>OVERDUE by 4 working days (3 overdue); 1 action overdue</td></tr>")


def test_every_value_is_escaped_and_the_link_quoted() -> None:
    """Planted bug caught: the label written as it came (no escape): the <script> went into the page."""
    case = {
        "rag": "red",
        "ref": 'RR 1"<x>',
        "state": "<b>state</b>",
        "overdue": 0,
        "next": {"label": "<script>alert(1)</script>", "due": "a & b", "when": "it's late"},
    }
    row = str(board_rows([case]))
    assert "<script>" not in row and "<b>" not in row and "<x>" not in row
    assert '<a href="/case/RR%201%22%3Cx%3E">RR 1&quot;&lt;x&gt;</a>' in row
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>a &amp; b</td><td>it&#x27;s late</td>" in row
