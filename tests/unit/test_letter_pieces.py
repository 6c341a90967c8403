"""A letter's body read a piece at a time, each piece's XML remembered (adapters/letter_docx.py, `_body`),
is the body read whole (`parse`, then `_Skeleton.blocks`): for letters made of pieces that come back in
other letters, in other places (inside bold text, a list, after a table's stray space, in the page head),
with markup `_feed_plain` leaves to html.parser (a comment holding an end tag, an unquoted attribute),
on a training database and a live one."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rr_workflow.adapters import letter_docx
from rr_workflow.adapters.letter_docx import _body, _skeleton, parse

HEAD = (
    '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n<title>Letter — RR-1</title>\n'
    "<style>\n  p { color: red }\n</style>\n</head>\n<body>\n"
)
PIECES = [
    '<p class="marking">OFFICIAL-SENSITIVE</p>',
    '<p class="training">TRAINING — NOT A REAL CASE</p>',
    '<p class="letterhead"><strong>Northshire &amp; Co</strong><br>County Hall</p>',
    '<p class="address">1 High St</p>',
    "<p>Dear Colleague,</p>",
    "<p>  spaced   <em>out</em>  </p>",
    "\n\n",
    "<h1>Heading</h1>",
    "<h2>Sub</h2><h3>Subsub</h3>",
    "<b>",
    "</b>",
    "<i>",
    "</i>",
    "<p>bold <strong>here</strong> and <i>there</i></p>",
    "<ul><li>one</li><li><strong>two</strong></li></ul>",
    "<ol>",
    "<li>item <br>broken</li>",
    "</ol>",
    "<table>\n<tr><th>Who</th><th>What</th></tr>\n<tr><td>La</td><td>plan<br>x</td></tr>\n</table>",
    "<table><tr><td>a</td></tr>\n<br>\n</table>",
    '<div class="to-write">Write here</div>',
    "<div>plain div text</div>",
    "loose text ",
    "<br>",
    "</p>",
    "<p>",
    '<img alt="logo">',
    '<div class="marking"><p>hidden</p></div>',
    "<!-- a comment -->",
    "<!-- holds </p> an end tag -->",
    "<p title=unquoted>odd</p>",
    "<p>Ref RR-1 &lt;x&gt; &#233;</p>",
    "<title>late title</title>",
]
END = "\n</body>\n</html>\n"

letters = st.lists(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=14).map(lambda ps: HEAD + "".join(ps) + END),
    min_size=1,
    max_size=4,
)


def whole(html: str, training: bool) -> str:
    return _skeleton().blocks(parse(html), training)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(letters, st.booleans())
def test_pieces_remembered_make_the_body_read_whole(htmls: list[str], training: bool) -> None:
    letter_docx._pieces.clear()
    for html in [*htmls, *htmls]:  # each letter again: every piece of it remembered by then
        assert _body(html, training) == whole(html, training)


def test_a_piece_is_remembered_with_the_state_it_was_read_in() -> None:
    """The same piece, first outside bold text and then inside it: bold the second time only."""
    letter_docx._pieces.clear()
    plain = HEAD + "<p>first</p><p>again</p>" + END
    bold = HEAD + "<p><b>first</p><p>again</p></b>" + END
    assert _body(plain, False).count("<w:b/>") == 0
    assert _body(bold, False).count("<w:b/>") == 2 and _body(bold, False) == whole(bold, False)
    assert _body(plain, False) == whole(plain, False)
