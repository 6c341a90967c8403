"""The case board and a letter, as HTML, checked with axe-core in headless Chromium: WCAG 2.2 AA, zero
violations. axe-core is vendored (tests/vendor/axe-core, a pinned npm release), never loaded from a CDN.

Each page is copied with axe and a few lines of script appended; Chromium runs it (`--dump-dom` with a
virtual time budget so the asynchronous `axe.run` finishes) and the result is read back from the DOM.
A page with a known fault is checked first, so a harness that reports nothing cannot pass unnoticed.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from required_tools import needs_tool
from test_pictures import board_cases

from rr_workflow.service import board

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PROBE = """<script src="axe.min.js"></script>
<script>
axe.run(document, {runOnly: {type: "tag", values: TAGS}}).then(
  r => done({violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" "))})), passes: r.passes.map(p => p.id)}),
  e => done({error: String(e)}));
function done(result) {
  const out = document.createElement("pre");
  out.id = "axe-result";
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
}
</script>
""".replace("TAGS", json.dumps(TAGS))

pytestmark = needs_tool("chromium", "chromium")


def axe(page: str, folder: Path) -> dict[str, Any]:
    """Run axe-core over `page` (an HTML document) in headless Chromium; its result."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(AXE, folder / "axe.min.js")
    probe = folder / "probe.html"
    probe.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    done = subprocess.run(
        [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={folder / 'profile'}",
            "--allow-file-access-from-files", "--virtual-time-budget=20000", "--dump-dom", probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    found = re.search(r'<pre id="axe-result">(.*?)</pre>', done.stdout, re.S)
    assert found, (done.returncode, done.stderr[-2000:])
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    assert "error" not in result, result
    return result


def test_the_harness_reports_a_known_fault(tmp_path: Path) -> None:
    page = '<!doctype html><html lang="en"><head><title>t</title></head><body><main><img src="x.png">'
    result = axe(page + "</main></body></html>", tmp_path)
    assert "image-alt" in [v["id"] for v in result["violations"]]


def test_the_case_board_has_no_wcag_violation(rig: Any, tmp_path: Path) -> None:
    """Planted bug caught: the timeline pictures without alt text (image-alt)."""
    board_cases(rig)
    result = axe(board.board_html(rig.app), tmp_path)
    assert result["violations"] == []
    assert {"image-alt", "document-title", "html-has-lang"} <= set(result["passes"])


def test_a_letter_has_no_wcag_violation(tmp_path: Path) -> None:
    """The letter as HTML, before it becomes the Word document that is sent: its template rendered with
    the sample values `rr templates check` uses (every field filled, hostile text included)."""
    from rr_workflow.adapters import templates
    from rr_workflow.service import template_files

    html = templates.render("letters/scoping_request.html.j2", **template_files._sample_values())
    result = axe(html, tmp_path)
    assert result["violations"] == []
    assert {"document-title", "html-has-lang"} <= set(result["passes"])
