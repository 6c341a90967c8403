#!/usr/bin/env bash
# Fetch the pinned axe-core with npm and put its axe.min.js and LICENSE under tests/vendor/axe-core/.
# Prints whether the vendored copy already matched.
set -euo pipefail
cd "$(dirname "$0")/.."
version=4.10.2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "axe-core@$version" >/dev/null && tar xzf "axe-core-$version.tgz")
if cmp -s "$work/package/axe.min.js" tests/vendor/axe-core/axe.min.js; then
  echo "tests/vendor/axe-core/axe.min.js is axe-core $version, unchanged"
else
  cp "$work/package/axe.min.js" "$work/package/LICENSE" tests/vendor/axe-core/
  echo "tests/vendor/axe-core/ updated to axe-core $version"
fi
