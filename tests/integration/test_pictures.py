"""Pictures and the case board page: `rr report timeline|chart|html`.

Cases are built through the service layer on each database (`rig`); the pictures are checked as files
(a PNG's signature and IHDR size, an SVG parsed as XML), the chart's figures against hand-counted
deadlines, and the board page is rendered in headless Chromium: a screenshot, and the DOM the browser
built (order of the cases, red/amber/green, every timeline picture drawn, no child's name).
"""

from __future__ import annotations

import base64
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from required_tools import needs_tool

from rr_workflow.adapters import templates
from rr_workflow.cli.app import cli
from rr_workflow.domain.deadlines import Status
from rr_workflow.domain.errors import BadInput
from rr_workflow.service import actions, board, commands, pictures

CHILD = "Zebedee Quartermaine"  # a name that must never reach a picture or the page
SVG_NS = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
needs_chromium = needs_tool("chromium", "chromium")


# -- reading the files back ------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk, which must come first after the signature."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def svg_root(data: bytes) -> tuple[ET.Element, list[str]]:
    """The parsed <svg> root, and every text drawn in it (each <text> element: text is kept as text)."""
    root = ET.fromstring(data)
    assert root.tag == f"{SVG_NS}svg"
    texts = ["".join(e.itertext()).strip() for e in root.iter(f"{SVG_NS}text")]
    return root, texts


def colours_in(png: Path) -> set[tuple[int, int, int]]:
    from PIL import Image  # Pillow comes with matplotlib

    with Image.open(png) as image:
        rgb = image.convert("RGB")
        return {colour for _, colour in rgb.getcolors(maxcolors=rgb.width * rgb.height) or []}


def has_colour(colours: set[tuple[int, int, int]], hex_colour: str, tolerance: int = 6) -> bool:
    want = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return any(all(abs(a - b) <= tolerance for a, b in zip(c, want, strict=True)) for c in colours)


# -- cases, built through the service layer --------------------------------------------------------------


def late_case(rig: Any, ref: str = "RR-2") -> str:
    """Referred Mon 7 Dec 2026 (the child named), templates out Tue 8 Dec, returns due Tue 15 Dec: la on
    time (Mon 14), police late (Thu 17), health extended to Fri 18 and returned then (late against its
    original date); no records secured, no SIN, no meeting date. The clock ends on Fri 18 Dec."""
    rig.at(datetime(2026, 12, 7, 10))
    commands.case_open(
        rig.app, ref, date(2026, 12, 7), date(2026, 12, 7), "police", summary="test", child_name=CHILD
    )
    rig.at(datetime(2026, 12, 8, 10))
    commands.scoping_send(rig.app, ref, ["la", "police", "health"])
    rig.at(datetime(2026, 12, 14, 10))
    commands.scoping_returned(rig.app, ref, "la")
    rig.at(datetime(2026, 12, 17, 10))
    commands.scoping_returned(rig.app, ref, "police")
    commands.extend(rig.later().app, ref, "scoping_returned:health", date(2026, 12, 18), "staff away")
    rig.at(datetime(2026, 12, 18, 10))
    commands.scoping_returned(rig.app, ref, "health")
    return ref


def declined_case(rig: Any, ref: str = "RR-3") -> str:
    """Referred and declined on Mon 7 Dec 2026 (before 10:00, when `late_case` starts): every open
    deadline waived, none judged."""
    rig.at(datetime(2026, 12, 7, 9))
    commands.case_open(rig.app, ref, date(2026, 12, 7), date(2026, 12, 7), "police", summary="test")
    commands.decline(rig.later(minutes=5).app, ref, "not a serious incident")
    return ref


# -- the timeline ----------------------------------------------------------------------------------------

# The closed case of `run_procedure`: received, aware, SIN, templates sent, meeting date set, 3 returns,
# 3 records secured, meeting held, decision, endorsement, submission, outcome shared, review complete,
# closed: 18 rows.


def test_a_timeline_is_a_valid_png_and_svg_of_the_right_size(rig: Any, tmp_path: Path) -> None:
    """Planted bug caught: a row height of 25 px (every label squeezed), or 36 px (the picture too tall)."""
    rig.run_procedure("RR-1")
    # 1200 px wide; 330 px for the title, strip, axis and legend, then 30 px for each of the 19 rows.
    width, height = 1200, 900

    png = pictures.timeline(rig.app, "RR-1", tmp_path / "RR-1.png")
    assert (png.format, png.width_px, png.height_px) == ("png", width, height)
    assert png_size((tmp_path / "RR-1.png").read_bytes()) == (width, height)

    svg = pictures.timeline(rig.app, "RR-1", tmp_path / "RR-1.SVG")
    assert svg.format == "svg"
    root, texts = svg_root((tmp_path / "RR-1.SVG").read_bytes())
    assert (root.get("width"), root.get("height")) == (f"{width * 0.75:g}pt", f"{height * 0.75:g}pt")
    assert root.get("viewBox") == f"0 0 {width * 0.75:g} {height * 0.75:g}"
    assert any(text.startswith("TRAINING  RR-1: closed") for text in texts), texts[:5]
    for label in ("Referral received", "Rapid Review meeting held", "Case closed", "met Thu 12 Nov"):
        assert label in texts
    # working-day ticks carry real dates: Mon 2 Nov 2026 is day 0, the next tick is Tue 3 Nov
    assert "02 Nov" in texts and "03 Nov" in texts


def test_a_late_case_shows_its_lateness_extension_and_holidays_without_the_childs_name(
    rig: Any, tmp_path: Path
) -> None:
    late_case(rig)
    rig.at(datetime(2026, 12, 31, 10))  # across Christmas: Fri 25 and Mon 28 (Boxing Day substitute)
    pictures.timeline(rig.app, "RR-2", tmp_path / "RR-2.svg")
    pictures.timeline(rig.app, "RR-2", tmp_path / "RR-2.png")
    data = (tmp_path / "RR-2.svg").read_bytes()
    _, texts = svg_root(data)
    assert CHILD.encode() not in data and b"Zebedee" not in data
    assert "met Thu 17 Dec, 2 working days late" in texts  # police: due Tue 15 Dec
    assert "met Fri 18 Dec, 3 working days late" in texts  # health: extended, still late
    assert "met Mon 14 Dec" in texts  # la
    assert "OVERDUE: was due Tue 15 Dec" in texts  # records never secured
    assert {"Christmas Day", "Boxing Day", "(observed)"} <= set(texts)  # Mon 28 Dec, the substitute
    assert "today" in " ".join(texts)
    colours = colours_in(tmp_path / "RR-2.png")
    for colour in ("on_time", "late", "extension", "holiday", "weekend", "planned"):
        assert has_colour(colours, pictures.COLOURS[colour]), colour


def test_a_timeline_svg_keeps_its_text_as_text_with_a_title_and_a_description(
    rig: Any, tmp_path: Path
) -> None:
    """Screen readers and search read an SVG's <title>, <desc> and <text>, never glyph outlines.

    Planted bug caught: text drawn as paths (`svg.fonttype` "path"): no <text> left to read."""
    late_case(rig)
    rig.at(datetime(2026, 12, 31, 10))
    data = pictures.timeline(rig.app, "RR-2", tmp_path / "RR-2.svg").path.read_bytes()
    root, texts = svg_root(data)
    title, desc = root[0], root[1]
    assert (title.tag, desc.tag) == (f"{SVG_NS}title", f"{SVG_NS}desc")
    assert title.text == "TRAINING  RR-2: scoping with agencies, as of Thu 31 Dec 2026"
    assert desc.text is not None
    assert desc.text.startswith("Case RR-2 on a working-day axis from the referral. ")
    assert "Scoping template returned (police): met Thu 17 Dec, 2 working days late;" in desc.text
    assert "Records secured (la): OVERDUE: was due Tue 15 Dec" in desc.text
    assert "met Thu 17 Dec, 2 working days late" in texts
    assert CHILD not in data.decode()


def test_an_inquorate_meeting_and_the_new_date_show_on_the_meeting_row(rig: Any, tmp_path: Path) -> None:
    rig.to_scoping("RR-1")  # received Mon 2 Nov: meeting window Wed 11 - Thu 19 Nov
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 11))
    rig.at(datetime(2026, 11, 11, 15))
    commands.meeting_inquorate(rig.app, "RR-1", ["la:A Smith", "police:DS Jones"])
    commands.meeting_schedule(rig.later().app, "RR-1", date(2026, 11, 16))
    _, texts = svg_root(pictures.timeline(rig.app, "RR-1", tmp_path / "RR-1.svg").path.read_bytes())
    assert "due Thu 19 Nov; inquorate Wed 11 Nov" in texts
    assert "meeting window" in texts and "today" in texts


def test_a_picture_is_svg_or_png_of_a_case_that_exists(rig: Any, tmp_path: Path) -> None:
    rig.run_procedure("RR-1")
    for name in ("RR-1.pdf", "RR-1", "RR-1.svg.txt"):
        with pytest.raises(BadInput, match=r"\.svg or \.png"):
            pictures.timeline(rig.app, "RR-1", tmp_path / name)
        assert not (tmp_path / name).exists()
    with pytest.raises(BadInput, match="no case 'RR-9'"):
        pictures.timeline(rig.app, "RR-9", tmp_path / "RR-9.png")
    assert not (tmp_path / "RR-9.png").exists()
    with pytest.raises(BadInput, match="does not exist"):
        pictures.chart(rig.app, tmp_path / "missing" / "chart.png")


# -- the on-time chart -----------------------------------------------------------------------------------


def test_the_on_time_figures_match_hand_counted_deadlines(rig: Any) -> None:
    rig.run_procedure("RR-1")  # referred Nov 2026: everything on time
    declined_case(rig)  # referred Dec 2026: waived, so not counted
    late_case(rig)  # referred Dec 2026
    with rig.app.engine.connect() as connection:
        figures, labels = pictures.on_time_by_month(connection, rig.app.today())  # Fri 18 Dec
    got = {(f.rule_key, f"{f.month:%Y-%m}"): (f.on_time, f.judged) for f in figures}
    november = {
        "sin_notified": (1, 1), "scoping_sent": (1, 1), "meeting_date_set": (1, 1),
        "scoping_returned": (3, 3), "records_secured": (3, 3), "meeting_held": (1, 1),
        "panel_submission": (1, 1), "outcome_shared": (1, 1), "review_complete": (1, 1),
        "panel_response": (1, 1),  # the same day as the report
    }  # fmt: skip
    december = {
        "sin_notified": (0, 1),  # due Mon 14 Dec, never sent
        "scoping_sent": (1, 1),  # Tue 8 Dec, due Wed 9 Dec
        "meeting_date_set": (0, 1),  # due Wed 9 Dec, never set
        "scoping_returned": (1, 3),  # la on time; police late; health extended, so still late
        "records_secured": (0, 3),  # due Tue 15 Dec, none recorded
        # meeting_held (due Thu 24 Dec) and review_complete (Mon 4 Jan) are not due yet: left out
    }
    expected = {(k, "2026-11"): v for k, v in november.items()} | {
        (k, "2026-12"): v for k, v in december.items()
    }
    assert got == expected
    assert labels["scoping_returned"] == "Scoping template returned"  # no agency in a rule's label
    assert [f.rule_key for f in figures][:2] == ["sin_notified", "sin_notified"]  # procedure order


def test_the_chart_is_a_valid_png_and_svg_of_the_right_size(rig: Any, tmp_path: Path) -> None:
    empty = pictures.chart(rig.app, tmp_path / "empty.png")  # nothing due yet: a picture that says so
    assert png_size(empty.path.read_bytes()) == (1200, 600)
    rig.run_procedure("RR-1")
    late_case(rig)
    png = pictures.chart(rig.app, tmp_path / "chart.png")
    assert png_size(png.path.read_bytes()) == (1200, 600) == (png.width_px, png.height_px)
    root, texts = svg_root(pictures.chart(rig.app, tmp_path / "chart.svg").path.read_bytes())
    assert (root.get("width"), root.get("height")) == ("900pt", "450pt")
    assert {"Nov 2026", "Dec 2026", "1/3", "0/3", "3/3"} <= set(texts)


# Okabe and Ito's colour-blind-safe palette, written out (yellow left out: too faint on white).
OKABE_ITO = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"}


def test_the_chart_series_differ_by_more_than_colour() -> None:
    """Planted bug caught: every series drawn with the same marker (told apart by colour alone)."""
    styles = pictures.chart_styles(9)  # the shipped schedule's nine deadline rules
    assert {s.colour for s in styles} == OKABE_ITO
    assert len({(s.colour, s.marker) for s in styles}) == 9
    assert len({s.marker for s in styles}) == 9
    assert [s.line for s in styles] == ["-"] * 7 + ["--"] * 2
    assert len({s.hatch for s in styles}) == 9


def test_the_chart_is_drawn_in_the_colour_blind_safe_palette(rig: Any, tmp_path: Path) -> None:
    rig.run_procedure("RR-1")
    late_case(rig)
    colours = colours_in(pictures.chart(rig.app, tmp_path / "chart.png").path)
    assert has_colour(colours, "#0072B2") and has_colour(colours, "#D55E00")
    assert not has_colour(colours, "#1f77b4") and not has_colour(colours, "#ff7f0e")  # matplotlib's default


# -- the board page --------------------------------------------------------------------------------------


def test_red_amber_green_thresholds() -> None:
    assert board.AMBER_WITHIN == 2
    assert board.rag(Status.OVERDUE, -3) == "red"
    assert board.rag(Status.OVERDUE, 0) == "red"  # due Friday, seen on Saturday: 0 working days, overdue
    assert board.rag(Status.DUE_SOON, 0) == "amber"  # due today
    assert board.rag(Status.PENDING, 2) == "amber"
    assert board.rag(Status.PENDING, 3) == "green"
    assert board.rag(Status.EXTENDED, 5) == "green"
    assert board.rag(None, None) == "green"  # nothing due


def board_cases(rig: Any) -> None:
    """On Wed 16 Dec 2026: RR-2 overdue (red), RR-5 templates due today (amber), RR-6 just opened with
    everything a week away (green), RR-1 closed with its action done and RR-3 declined (not on the board;
    a closed case whose action is overdue stays on it: test_actions.py)."""
    rig.run_procedure("RR-1")
    (action,) = actions.register(rig.app, ref="RR-1")
    actions.done(rig.later(minutes=1).app, action["id"], "safety plan agreed", None, None, None)
    declined_case(rig)
    rig.at(datetime(2026, 12, 7, 10))
    commands.case_open(
        rig.app, "RR-2", date(2026, 12, 7), date(2026, 12, 7), "police", summary="test", child_name=CHILD
    )
    commands.scoping_send(rig.later().app, "RR-2", ["la", "police", "health"])
    rig.at(datetime(2026, 12, 14, 10))
    commands.case_open(rig.app, "RR-5", date(2026, 12, 14), date(2026, 12, 14), "la", summary="test")
    rig.at(datetime(2026, 12, 16, 9))
    commands.case_open(rig.app, "RR-6", date(2026, 12, 16), date(2026, 12, 16), "la", summary="test")
    commands.scoping_send(rig.later().app, "RR-6", ["la", "police", "health"])
    commands.sin_notified(rig.later().app, "RR-6")
    commands.meeting_schedule(rig.later().app, "RR-6", date(2027, 1, 5))


def test_the_board_lists_open_cases_red_first_with_their_pictures(rig: Any) -> None:
    board_cases(rig)
    data = board.board_data(rig.app)
    assert [(c["ref"], c["rag"]) for c in data["cases"]] == [
        ("RR-2", "red"),
        ("RR-5", "amber"),
        ("RR-6", "green"),
    ]
    assert data["counts"] == {"red": 1, "amber": 1, "green": 1}
    red = data["cases"][0]
    # its earliest open deadline: the meeting date, due Tue 8 Dec (templates out Mon 7 Dec, + 1)
    assert (red["next"]["label"], red["next"]["when"]) == (
        "Rapid Review meeting date set",
        "OVERDUE by 6 working days",
    )
    assert red["overdue"] == 8  # and the SIN, 3 returns and 3 records secured, all due Mon 14 Dec
    assert data["cases"][1]["next"]["when"] == "due today"
    for case in data["cases"]:
        svg = base64.b64decode(case["picture"].removeprefix("data:image/svg+xml;base64,"))
        assert svg_root(svg)[0].get("width") == "900pt"
        assert CHILD.encode() not in svg
    page = board.board_html(rig.app)
    assert CHILD not in page
    assert not re.search(r"""(?:src|href)=["'](?!data:|#)""", page), "the page must load nothing from outside"


def test_each_timeline_on_the_board_says_in_words_what_is_overdue(rig: Any) -> None:
    """The picture's text alternative: a reader who cannot see it still learns what is late.

    Planted bug caught: the alt text the same for every case ("Timeline of RR-2"), saying nothing."""
    board_cases(rig)
    alts = {c["ref"]: c["alt"] for c in board.board_data(rig.app, with_pictures=False)["cases"]}
    assert alts["RR-2"] == (
        "Timeline of RR-2 in working days: 8 deadlines overdue: Rapid Review meeting date set; "
        "Records secured (health); Records secured (la); Records secured (police); "
        "Scoping template returned (health); Scoping template returned (la); "
        "Scoping template returned (police); Serious Incident Notification sent to the National Panel. "
        "Next: Rapid Review meeting date set, due Tue 08 Dec 2026 (OVERDUE by 6 working days)."
    )
    assert alts["RR-5"] == (
        "Timeline of RR-5 in working days: nothing overdue. "
        "Next: Scoping templates sent to the agencies, due Wed 16 Dec 2026 (due today)."
    )
    page = board.board_html(rig.app)
    assert 'alt="Timeline of RR-6 in working days: nothing overdue. Next: Records secured (health)' in page


def test_every_value_on_the_board_is_escaped() -> None:
    hostile = "<script>alert(1)</script> & Co"
    case = {
        "ref": hostile,
        "state": hostile,
        "received": hostile,
        "rag": "red",
        "overdue": 2,
        "picture": None,
    }
    case["next"] = {"label": hostile, "due": hostile, "when": hostile}
    page = templates.render(
        board.TEMPLATE,
        board={
            "title": hostile, "generated": hostile, "training": False, "amber_within": 2,
            "counts": {"red": 1, "amber": 0, "green": 0}, "cases": [case],
        },
    )  # fmt: skip
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page


# -- the board in a real browser -------------------------------------------------------------------------


CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
)  # fmt: skip


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    """Debian's Chromium, headless, with a fresh profile and no network of its own."""
    command = [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


class Dom(HTMLParser):
    """What the browser built: the board's rows, every picture, and the text a reader sees."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str | None]] = []
        self.images: list[dict[str, str | None]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr" and "case" in (found.get("class") or "").split():
            self.rows.append(found)
        if tag == "img":
            self.images.append(found)
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.text.append(" ".join(data.split()))


@needs_chromium
def test_the_board_page_renders_in_headless_chromium(rig: Any, tmp_path: Path) -> None:
    board_cases(rig)
    page = board.write(rig.app, tmp_path / "board.html")
    shot = tmp_path / "board.png"

    chromium(f"--screenshot={shot}", "--window-size=1200,900", page.as_uri(), profile=tmp_path / "p1")
    assert png_size(shot.read_bytes()) == (1200, 900)
    assert shot.stat().st_size > 20_000  # a blank page is a few kilobytes
    colours = colours_in(shot)
    assert len(colours) > 50
    for rag in ("#b71c1c", "#f0a000", "#2e7d32"):  # the red, amber and green of the page's CSS
        assert has_colour(colours, rag, tolerance=2), rag

    dom = Dom()
    dom.feed(chromium("--dump-dom", page.as_uri(), profile=tmp_path / "p2").stdout)
    assert [(r["data-ref"], r["class"]) for r in dom.rows] == [
        ("RR-2", "case rag-red"),
        ("RR-5", "case rag-amber"),
        ("RR-6", "case rag-green"),
    ]
    assert len(dom.images) == 3
    assert all(img["data-drawn"] == "yes" for img in dom.images), "a timeline picture did not load"
    text = " | ".join(dom.text)
    assert "TRAINING" in text and "Rapid Review case board" in text
    assert text.index("RR-2") < text.index("RR-5") < text.index("RR-6")
    assert "OVERDUE by 6 working days" in text and "(8 deadlines overdue)" in text and "due today" in text
    assert "RR-1" not in text and "RR-3" not in text  # closed and declined cases are not on the board
    assert CHILD not in text and "Zebedee" not in text


def test_importing_the_pictures_and_the_board_does_not_import_matplotlib() -> None:
    code = (
        "import sys, rr_workflow.service.pictures, rr_workflow.service.board, "
        "rr_workflow.cli.report_pictures; sys.exit('matplotlib' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


# -- the commands ----------------------------------------------------------------------------------------


def rr(rig: Any, *args: str) -> Any:
    env = {"RR_HOME": str(rig.home), "RR_USER": "coord", "RR_NOW": rig.clock.now().isoformat()}
    return CliRunner().invoke(cli, list(args), env=env, prog_name="rr")


def test_the_report_commands_write_their_files(rig: Any, tmp_path: Path) -> None:
    board_cases(rig)
    out = rr(rig, "report", "timeline", "RR-2", "--out", str(tmp_path / "t.png"))
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith("RR-2: timeline written to ")
    assert png_size((tmp_path / "t.png").read_bytes())[0] == 1200
    out = rr(rig, "report", "chart", "--out", str(tmp_path / "c.svg"))
    assert out.exit_code == 0, out.output
    assert "SVG, 900 x 450 points" in out.stdout
    out = rr(rig, "report", "html", "--out", str(tmp_path / "board.html"))
    assert out.exit_code == 0, out.output
    assert 'class="case rag-red" data-ref="RR-2"' in (tmp_path / "board.html").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("timeline", "RR-2", "--out", "{tmp}/t.gif"), "t.gif: a picture is written as .svg or .png"),
        (("timeline", "RR-9", "--out", "{tmp}/t.svg"), "no case 'RR-9'"),
        (("timeline", "RR-2"), "Missing option '--out'"),
        (("chart", "--out", "{tmp}/nowhere/c.png"), "does not exist"),
        (("html", "--out", "{tmp}/board.pdf"), "board.pdf: the board page is written as .html"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    rig: Any, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    rig.to_scoping("RR-2")
    out = rr(rig, "report", *(a.format(tmp=tmp_path) for a in args))
    assert out.exit_code == 2, out.output
    assert out.stdout == ""
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("rr: error: ")
    assert message in out.stderr
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == []
