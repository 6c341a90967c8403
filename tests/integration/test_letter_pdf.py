"""PDF copies of the letters, made by LibreOffice where it is installed (docs/operators-guide.md).

Needs `soffice` (apt-get install libreoffice-writer-nogui) and poppler's `pdftotext`: skipped without
them on a workstation, failed in CI (CI=true), where .ci/run installs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from rr_workflow.domain.errors import ConfigError
from rr_workflow.service import commands

MISSING = [tool for tool in ("soffice", "pdftotext") if shutil.which(tool) is None]


@pytest.fixture
def converter() -> None:
    if MISSING:
        message = (
            f"not installed: {', '.join(MISSING)} (apt-get install libreoffice-writer-nogui poppler-utils)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def profile(tmp_path: Path, pdf: str) -> Path:
    shipped = (Path(__file__).resolve().parents[1] / "partnership.toml").read_text(encoding="utf-8")
    path = tmp_path / f"partnership-{pdf}.toml"
    path.write_text(shipped.replace('pdf = "never"', f'pdf = "{pdf}"'), encoding="utf-8")
    return path


def test_each_letter_sent_has_a_pdf_copy_with_the_marking_on_its_pages(
    converter: None, sqlite_rig: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig = sqlite_rig
    monkeypatch.setenv("RR_PARTNERSHIP", str(profile(tmp_path, "always")))
    rig.to_scoping()
    rows = rig.rows("SELECT kind, filename, path, recipients FROM documents WHERE generated = 1 ORDER BY id")
    pdfs = [r for r in rows if r["filename"].endswith(".pdf")]
    assert sorted({r["kind"] for r in pdfs}) == ["records_securing_pdf", "scoping_request_pdf"]
    assert len(pdfs) == 6  # two letters to each of three agencies (the scoping form stays Word only)
    mail = rig.rows("SELECT id FROM mail_outbox")
    attached = rig.rows("SELECT content_type FROM mail_attachments")
    assert len(mail) == 3 and sum(a["content_type"] == "application/pdf" for a in attached) == 6
    request = next(r for r in pdfs if r["kind"] == "scoping_request_pdf")
    assert request["filename"] == "RR-1 Scoping request.pdf" and request["recipients"] == "la@agency.example"
    text = subprocess.run(
        ["pdftotext", "-layout", request["path"], "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    assert all("OFFICIAL-SENSITIVE" in page for page in pages if page.strip())
    assert "Tuesday 10 November 2026" in text and "lscp.secure@testshire.example" in text


def test_always_without_libreoffice_refuses_the_step_and_changes_nothing(
    sqlite_rig: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig = sqlite_rig
    monkeypatch.setenv("RR_PARTNERSHIP", str(profile(tmp_path, "always")))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no soffice to be found
    rig.at(datetime(2026, 11, 2, 10))
    rig.open_case()
    before = rig.rows("SELECT * FROM documents")
    with pytest.raises(ConfigError, match="libreoffice-writer-nogui"):
        commands.scoping_send(rig.later().app, "RR-1", ["la"])
    assert rig.rows("SELECT * FROM documents") == before


def test_the_shipped_profile_sends_word_letters_only_even_with_libreoffice_installed(
    converter: None, sqlite_rig: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PDF copies are opt-in (a LibreOffice run costs about 1.5 s a step): the shipped profile says
    pdf = "never", and a profile that leaves the setting out means the same. Planted bug: the default
    back to "auto" (six PDFs here)."""
    from rr_workflow.adapters.config import shipped_dir
    from rr_workflow.adapters.profile import load_profile

    shipped = shipped_dir("schedules") / "partnership.toml"
    assert load_profile(shipped).pdf == "never"
    text = shipped.read_text(encoding="utf-8")
    assert 'pdf = "never"' in text
    monkeypatch.setenv("RR_PARTNERSHIP", str(shipped))
    rig = sqlite_rig
    rig.to_scoping()
    rows = rig.rows("SELECT filename FROM documents WHERE generated = 1")
    assert rows and not [r for r in rows if r["filename"].endswith(".pdf")]


def test_a_profile_without_the_setting_makes_no_pdf(tmp_path: Path) -> None:
    from rr_workflow.adapters.config import shipped_dir
    from rr_workflow.adapters.profile import load_profile

    shipped = (shipped_dir("schedules") / "partnership.toml").read_text(encoding="utf-8")
    lines = [line for line in shipped.splitlines() if not line.startswith("pdf =")]
    path = tmp_path / "partnership.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert load_profile(path).pdf == "never"
