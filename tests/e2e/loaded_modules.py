"""Which modules a cold `rr` command loads: the command run in a new Python process, as `rr` runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence

PROGRAM = """\
import json, sys
sys.argv = ['rr', *{args!r}]
from rr_workflow.cli.app import main
try:
    main()
except SystemExit as exit:
    code = exit.code or 0
else:
    code = 0
print('LOADED', code, json.dumps(sorted(m for m in {modules!r} if m in sys.modules)))
"""


def run_cold(
    args: Sequence[str], env: Mapping[str, str], modules: Sequence[str]
) -> tuple[int, list[str], str]:
    """`rr ARGS` in a new process: its exit code, which of `modules` it loaded, and what it printed before."""
    program = PROGRAM.format(args=list(args), modules=tuple(modules))
    done = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        env=dict(env),
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    *printed, last = done.stdout.strip().splitlines()
    word, code, loaded = last.split(" ", 2)
    assert word == "LOADED", done.stdout
    return int(code), json.loads(loaded), "\n".join(printed)
