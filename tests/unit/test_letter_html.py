"""A letter's HTML read without html.parser's general machinery (adapters/letter_docx.py, `_feed_plain`)
gives the letter html.parser gives: the same calls of the same handlers with the same values, so the same
blocks and the same Word document, byte for byte. Every letter template is rendered with values that are
awkward to read back (`& < > " '`, template tags, comment-like text, spaces, line breaks, tabs, Greek and
curly quotes, empty values, long ones), on a training database and a live one, and read both ways; HTML
outside what the plain reading knows is handed to html.parser, and random HTML either is read the same
both ways or is handed over.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rr_workflow.adapters import letter_docx, templates
from rr_workflow.adapters.config import shipped_dir
from rr_workflow.adapters.letter_docx import Block, Run, TableBlock, html_to_docx, parse
from rr_workflow.service.template_files import SAMPLE_TEXT, _sample_values

LETTERS = sorted(
    p.name for p in (shipped_dir("templates") / "letters").glob("*.html.j2") if not p.name.startswith("_")
)
NOW = 1795775417.0  # 2026-11-27 10:30:17 UTC
AWKWARD = [
    SAMPLE_TEXT,
    'O\'Brien "Ltd" & Sons &amp; &lt;b&gt; &#39;',
    "  spaced    out  ",
    "",
    "line one\nline two\ttabbed\r\nthree",
    "Ωμέγα — “curly” – £5 · Zoë Ñúñez",
    "a<b>c</b> <!-- not a comment --> <?pi?> <![CDATA[x]]>",
    "x" * 300,
]


@pytest.fixture(autouse=True)
def shipped_templates_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RR_TEMPLATES", raising=False)
    monkeypatch.setenv("RR_HOME", str(tmp_path / "rr_home"))


class Recorder(letter_docx._Parser):
    """Every handler call, in order, instead of the letter's blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[Any, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.calls.append(("start", tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        self.calls.append(("end", tag))

    def handle_data(self, data: str) -> None:
        self.calls.append(("data", data))


def html_parser_calls(html: str) -> list[tuple[Any, ...]]:
    recorder = Recorder()
    recorder.feed(html)
    recorder.close()
    return recorder.calls


def plain_calls(html: str) -> list[tuple[Any, ...]] | None:
    recorder = Recorder()
    return recorder.calls if letter_docx._feed_plain(recorder, html) else None


def through_html_parser() -> Any:
    return mock.patch.object(letter_docx, "_feed_plain", lambda parser, html: False)


def with_text(value: Any, text: str) -> Any:
    if value == SAMPLE_TEXT:
        return text
    if isinstance(value, list):
        return [with_text(item, text) for item in value]
    if isinstance(value, dict):
        return {key: with_text(item, text) for key, item in value.items()}
    return value


def letter_html(name: str, text: str, training: bool) -> str:
    values = with_text(_sample_values(), text)
    return templates.render(f"letters/{name}", **{**values, "training": training, "recorded_on": text})


@pytest.mark.parametrize("training", [True, False], ids=["training", "live"])
@pytest.mark.parametrize("name", LETTERS)
def test_every_letter_template_is_read_plainly_as_html_parser_reads_it(name: str, training: bool) -> None:
    """Planted bug that fails this: attribute values not unescaped."""
    for text in AWKWARD:
        html = letter_html(name, text, training)
        assert plain_calls(html) == html_parser_calls(html), (name, text)
        with mock.patch("time.time", return_value=NOW):  # the parts' time in the package: the same second
            written = html_to_docx(html, title=text, marking="OFFICIAL", footer="F", training=training)
            with through_html_parser():
                expected = html_to_docx(html, title=text, marking="OFFICIAL", footer="F", training=training)
        assert written == expected, (name, text)


def test_awkward_html_gives_these_blocks() -> None:
    """Planted bugs that fail this: comments taken out before reading (the text around one is one run,
    not two); the text of <style> unescaped."""
    html = (
        "<!DOCTYPE html><html><head><style>p > b { x: '&amp;' }</style><title>T &amp; t</title></head>"
        '<body><p class="marking">M</p><!-- a comment -->'
        "<P CLASS='letterhead'>A &amp; B<br/>&lt;C&gt;<BR>  D &#39;E&#39; </P>"
        '<p>one<!-- between -->two <b>bold <i title="a &quot;b&quot;">both</i></b></p>'
        '<ul><li>x</li></ul><div class="to-write"></div><img alt="l &amp; o" src=\'x\'>'
        "<table><tr><th>h</th></tr><tr><td>c&nbsp;d</td></tr></table></body></html>"
    )
    expected = [
        Block(
            "p", [Run("A & B"), Run("", br=True), Run("<C>"), Run("", br=True), Run("D 'E'")], ("letterhead",)
        ),
        Block("p", [Run("one"), Run("two "), Run("bold ", bold=True), Run("both", bold=True, italic=True)]),
        Block("li-ul", [Run("x")]),
        Block("box", [], ("to-write",)),
        Block("img", [Run("l & o")], ()),
        TableBlock(rows=[[(True, [Run("h")])], [(False, [Run("c d")])]]),
    ]
    assert plain_calls(html) == html_parser_calls(html)
    assert parse(html) == expected
    with through_html_parser():
        assert parse(html) == expected


@pytest.mark.parametrize(
    "html",
    [
        "<p>a < b</p>",  # a lone <
        "<p>a <</p>",
        "<p class=x>a</p>",  # a value without quotes
        "<p><a href=b/>a</a></p>",
        '<p class="a"b="c">a</p>',
        "<p\xa0class='x'>a</p>",  # a space html.parser's \\s knows and HTML does not
        "<my-tag>a</my-tag>",
        "<p>a<?pi x?>b</p>",
        "<p>a<!-- x -- y -->b</p>",
        "<p>a<!---->b</p>",
        "<p>a<![CDATA[x]]>b</p>",
        "<p>a<!x>b</p>",
        "<style>a < b</style><p>a</p>",
        "<style>a",
        "<title>a <b>b</b></title>",  # tags in a title: text for newer versions of html.parser
        "<textarea>a<br></textarea>",
        "<xmp>a</xmp>",
        "<p>a</p  x>",
        "<p>a<p",
        "<p/ >a",
    ],
)
def test_html_outside_the_plain_kind_is_read_by_html_parser(html: str) -> None:
    """Planted bug that fails this: an unquoted value taken (its '/' before '>' read as an empty tag)."""
    assert plain_calls(html) is None
    page = f"<html><body>{html}</body></html>"
    with through_html_parser():
        expected = parse(page)
    assert parse(page) == expected


PIECES = st.sampled_from(
    [
        "<p>", "</p>", "<p class='address'>", '<p class="marking">', "<b>", "</b>", "<i>", "</i>", "<br>",
        "<br/>", "<ul>", "</ul>", "<ol>", "</ol>", "<li>", "</li>", "<table>", "</table>", "<tr>", "</tr>",
        "<td>", "</td>", "<th>", "</th>", "<div class='to-write'>", "</div>", "<h1>", "</h1>",
        "<img alt='a'>",
        "<style>", "</style>", "<title>", "</title>", "<head>", "</head>", "<body>", "</body>", "<!-- c -->",
        "<!--", "-->", "<", ">", "&", "&amp;", "&lt;", "&#39;", "&nbsp", "&notin;", " ", "\n", "\t", "  ",
        "text", "Zoë", "a=b", '"', "'", "/", "<p class=x>", "</ p>", "<P>", "</B>", "<!DOCTYPE html>",
        "<?x?>",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=40))
def test_random_html_is_read_the_same_or_handed_to_html_parser(pieces: list[str]) -> None:
    html = "".join(pieces)
    calls = plain_calls(html)
    if calls is not None:
        assert calls == html_parser_calls(html)
    with through_html_parser():
        expected = parse(html)
    assert parse(html) == expected
