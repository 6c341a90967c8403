"""Draw the first page of each key document of the demonstration case as a PNG, for the README.

    python tools/document_pictures.py [--out docs/pictures]

Runs `rr demo`'s case on a throw-away training database with the shipped example profile, builds its
meeting pack, then converts one document of each kind with LibreOffice (soffice -> PDF) and draws the
first page with poppler's pdftoppm. Needs both installed (apt-get install libreoffice-writer-nogui
poppler-utils).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import text

from rr_workflow.adapters import pdf
from rr_workflow.adapters.config import shipped_dir
from rr_workflow.service import demo, meeting_pack
from rr_workflow.service.app import environment, open_app
from rr_workflow.service.clock import LONDON, FixedClock

OUT = Path(__file__).resolve().parents[1] / "docs" / "pictures"
KINDS = (
    "scoping_request",
    "records_securing",
    "scoping_template",
    "meeting_invitation",
    "meeting_pack_index",
    "report_draft",
    "panel_covering_letter",
    "outcome_notification",
    "closure_letter",
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rr-pictures-") as folder:
        home = Path(folder) / "home"
        profile = Path(folder) / "partnership.toml"
        shipped = (shipped_dir("schedules") / "partnership.toml").read_text(encoding="utf-8")
        profile.write_text(shipped.replace('pdf = "auto"', 'pdf = "never"'), encoding="utf-8")
        with environment(RR_PARTNERSHIP=str(profile), RR_MAIL_FROM=None, RR_TEMPLATES=None):
            demo.run(home, lambda *_: None)
            with environment(RR_HOME=str(home), RR_DATABASE_URL=None, RR_NOW=None):
                clock = FixedClock(datetime(2027, 1, 12, 12, tzinfo=LONDON))
                meeting_pack.build(open_app(home=home, clock=clock, actor="demo-coordinator"), demo.REF)
                app = open_app(home=home, clock=clock, actor="demo-coordinator")
                with app.engine.connect() as connection:
                    rows = connection.execute(
                        text("SELECT kind, path FROM documents WHERE generated = 1 ORDER BY id")
                    ).all()
        latest = {kind: path for kind, path in rows if kind in KINDS and path.endswith(".docx")}
        kinds = [k for k in KINDS if k in latest]
        pdfs = pdf.convert([Path(latest[k]).read_bytes() for k in kinds])
        for kind, content in zip(kinds, pdfs, strict=True):
            source = Path(folder) / f"{kind}.pdf"
            source.write_bytes(content)
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "70",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    str(source),
                    str(args.out / kind),
                ],
                check=True,
            )
            print(args.out / f"{kind}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
