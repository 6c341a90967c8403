#!/usr/bin/env bash
# Mutation testing of the domain (rr_workflow/domain/) and the audit trail (rr_workflow/adapters/db/audit.py)
# with mutmut, against the unit tests and the audit-chain integration tests on SQLite ([tool.mutmut] in
# pyproject.toml). Prints killed / survived / total. Run by hand, never in CI: it is CPU-heavy.
#
#   benchmarks/mutation.sh            # at most 90 minutes; run it again to go on where it stopped
#   benchmarks/mutation.sh 30         # at most 30 minutes
#   benchmarks/mutation.sh 30 "rr_workflow.domain.machine*"   # only these mutants (mutmut's names)
#   MUTMUT_CHILDREN=4 benchmarks/mutation.sh   # on a machine of your own (default: one worker, nice 19)
#
# Survivors: `mutmut show NAME` prints one, `mutmut browse` walks them. Each one left is either killed by a
# new test or listed with why it is equivalent in benchmarks/mutation-survivors.md (with the last figures).
set -euo pipefail
cd "$(dirname "$0")/.."

minutes="${1:-90}"
shift || true
children="${MUTMUT_CHILDREN:-1}"
# SQLite only, the developer's own settings left out.
unset RR_TEST_DATABASE_URL RR_DATABASE_URL RR_HOME RR_SCHEDULE RR_CALENDAR RR_NOW

if ! python -c "import mutmut" 2>/dev/null; then
  pip install -q "mutmut>=3.8,<4"  # the mutation tool: a developer dependency of this script only
fi

status=0
timeout "$((minutes * 60))" nice -n 19 mutmut run --max-children "$children" "$@" >mutants.log 2>&1 || status=$?
if [ "$status" = 124 ]; then
  echo "stopped after $minutes minutes: run the script again to go on (finished mutants are remembered)"
elif [ "$status" != 0 ]; then
  tail -n 30 mutants.log
  echo "mutmut failed (exit $status): see mutants.log" >&2
  exit "$status"
fi

mutmut export-cicd-stats >/dev/null
python - <<'PY'
import json

stats = json.load(open("mutants/mutmut-cicd-stats.json"))
killed, survived, total = stats["killed"], stats["survived"], stats["total"]
others = {k: v for k, v in stats.items() if k not in ("killed", "survived", "total") and v}
print(f"killed {killed} / survived {survived} / total {total}")
done = killed + survived
if done:
    print(f"killed {100 * killed / done:.1f}% of the {done} mutants tested")
if others:
    print("others:", ", ".join(f"{k} {v}" for k, v in sorted(others.items())))
PY
# Per module: killed / timeout / survived / no tests / not reached (mutmut's names: module.x_function__mutmut_N).
mutmut results --all true | python -c '
import collections, sys
rows = collections.defaultdict(collections.Counter)
for line in sys.stdin:
    name, _, status = line.strip().rpartition(": ")
    module = name.split(".x")[0] if ".x" in name else name
    rows[module.removeprefix("rr_workflow.")][status] += 1
columns = ("killed", "timeout", "survived", "no tests", "not checked")
print("| module | " + " | ".join(columns) + " | total |")
print("| --- |" + " ---: |" * (len(columns) + 1))
for module, counts in sorted(rows.items()):
    print(f"| {module} | " + " | ".join(str(counts[c]) for c in columns) + f" | {sum(counts.values())} |")
'
mutmut results | sed 's/^/survivor: /' | head -n 200
