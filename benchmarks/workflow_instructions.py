"""The CPU work of a whole Rapid Review through the service layer, counted in instructions.

This machine's speed moves by a fifth or more from one minute to the next, so two versions of the code
timed one after the other differ by more than most changes do. Valgrind's callgrind counts the
instructions the process runs instead: the same count for the same code and inputs whatever else the
machine is doing (the kernel's work, the disk's waits and the PostgreSQL server's are not counted).

Prints the instructions of a run of N cases and of a run of 1 (each on a new SQLite database, the same
procedure as workflow_bench.py, one untimed warm-up case first, letters as Word documents), and their
difference per case: what one more case costs, imports and set-up left out. Both runs go at once.

Run: python benchmarks/workflow_instructions.py [--cases N]   (needs valgrind; about a minute a case)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The workload, in a process of its own under valgrind: `cases` cases driven as workflow_bench drives them.
WORKLOAD = """
import os, sys, tempfile
from pathlib import Path
sys.path.insert(0, {here!r})
import workflow_bench as wb
home = Path(tempfile.mkdtemp(prefix="rr-instructions-")) / "rr_home"
for name in ("RR_DATABASE_URL", "RR_NOW", "RR_SCHEDULE", "RR_CALENDAR", "RR_PARTNERSHIP"):
    os.environ.pop(name, None)
os.environ["RR_HOME"] = str(home)
os.environ["RR_USER"] = wb.USER
os.environ["RR_PARTNERSHIP"] = str(wb.word_only_profile(home))

class NoBaseline:
    def run(self, n):
        pass

wb.product(home, {cases}, NoBaseline())
"""


def counting(cases: int) -> subprocess.Popen[str]:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-c",
        WORKLOAD.format(here=str(HERE), cases=cases),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # the same sets and dicts, in the same order, every run
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)


def collected(process: subprocess.Popen[str]) -> int:
    _, err = process.communicate()
    found = re.search(r"Collected : (\d+)", err)
    if process.returncode != 0 or found is None:
        tail = "\n".join(err.splitlines()[-5:])
        raise SystemExit(f"the counted run failed (exit {process.returncode}):\n{tail}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=6, help="cases in the longer run (default 6)")
    args = parser.parse_args()
    if args.cases < 2:
        parser.error("--cases must be at least 2")
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian package valgrind)")
    with tempfile.TemporaryDirectory(prefix="rr-instructions-") as scratch:
        os.environ["TMPDIR"] = scratch  # the runs' homes and databases, removed with it
        one, many = counting(1), counting(args.cases)
        single, several = collected(one), collected(many)
    per_case = (several - single) / (args.cases - 1)
    print("workflow instructions (callgrind), SQLite, letters as Word documents")
    print(f"  1 case                  {single:15,d}")
    print(f"  {args.cases} cases                 {several:15,d}")
    print(f"  each case after the first {per_case:13,.0f}   (17 steps: {per_case / 17:,.0f} a step)")


if __name__ == "__main__":
    main()
