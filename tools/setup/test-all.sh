#!/usr/bin/env bash
# The whole test suite, as README and CI run it: lint and format check (Biome), build, typecheck, unit and
# integration tests of every project (integration tests use the real kernel and need root), then the lab's
# end-to-end suite.
# Ends with one summary line `tests: N passed, N failed`.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

if [ "$(id -u)" -ne 0 ]; then
  echo "overlap: the suite creates network namespaces and iptables/nft rules; run it as root (sudo ./dev test)" >&2
  exit 1
fi

find . -path ./node_modules -prune -o -type d -name .reports -print0 | xargs -0 rm -rf
# Each run writes its own report (unit and e2e of one project must not overwrite each other); the summary adds them all.
report() { echo -- --reporter=default --reporter=json "--outputFile.json=.reports/$1.json"; }
status=0
step() {
  echo "==> $*"
  "$@" || status=1
}
step node tools/setup/check-imports.ts
step npx biome ci --error-on-warnings .
step npx nx run-many -t build --output-style=stream
step npx nx run-many -t typecheck --output-style=stream
step npx nx run-many -t test --output-style=stream $(report test)
step npx nx run-many -t e2e --output-style=stream --parallel=1 $(report e2e)
node tools/setup/summarize-reports.ts || status=1
exit $status
