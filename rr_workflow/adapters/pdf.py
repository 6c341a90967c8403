"""PDF copies of Word letters through LibreOffice (`soffice --headless --convert-to pdf`), where installed.

One `soffice` run converts every letter of a step (starting LibreOffice costs about a second and a
half; each further document a fraction of that). Each run has its own throw-away LibreOffice profile,
so conversions running at the same time (two coordinators, the daemon) never share one.
Install it on Debian/Ubuntu with `apt-get install libreoffice-writer-nogui`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from rr_workflow.domain.errors import ConfigError

TIMEOUT = 120  # seconds for one run, however many documents


def converter() -> str | None:
    return shutil.which("soffice")


def wanted(setting: str) -> bool:
    """Whether to make PDF copies under the profile's `letters.pdf` setting (auto, always, never)."""
    if setting == "never":
        return False
    if converter() is None:
        if setting == "always":
            raise ConfigError(
                "letters.pdf is 'always' but LibreOffice (soffice) is not installed: "
                "apt-get install libreoffice-writer-nogui, or set letters.pdf to 'auto'"
            )
        return False
    return True


def convert(documents: Sequence[bytes]) -> list[bytes]:
    """The PDF of each .docx, in order."""
    program = converter()
    if program is None:
        raise ConfigError("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory(prefix="rr-pdf-") as folder:
        work = Path(folder)
        os.chmod(work, 0o700)  # letters carry case details
        names = []
        for n, content in enumerate(documents):
            path = work / f"letter-{n:03d}.docx"
            path.write_bytes(content)
            names.append(path)
        command = [
            program,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work / "out"),
            *map(str, names),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False, cwd=work)
        except subprocess.TimeoutExpired:
            raise ConfigError(
                f"LibreOffice did not finish converting letters within {TIMEOUT} seconds"
            ) from None
        results = []
        for path in names:
            made = work / "out" / (path.stem + ".pdf")
            if not made.is_file():
                raise ConfigError("LibreOffice could not convert a letter to PDF (is soffice working?)")
            results.append(made.read_bytes())
        return results
