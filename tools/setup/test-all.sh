#!/usr/bin/env bash
# The whole test suite, as README and CI run it: build, typecheck, unit and integration tests of every
# project (integration tests use the real kernel and need root), then the lab's end-to-end suite.
# Ends with one summary line `tests: N passed, N failed`.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

if [ "$(id -u)" -ne 0 ]; then
  echo "overlap: the suite creates network namespaces and iptables/nft rules; run it as root (sudo ./dev test)" >&2
  exit 1
fi

find . -path ./node_modules -prune -o -type d -name .reports -print0 | xargs -0 rm -rf
report=(-- --reporter=default --reporter=json --outputFile.json=.reports/vitest.json)
status=0
step() {
  echo "==> $*"
  "$@" || status=1
}
step node tools/setup/check-imports.ts
step npx nx run-many -t build --output-style=stream
step npx nx run-many -t typecheck --output-style=stream
step npx nx run-many -t test --output-style=stream "${report[@]}"
step npx nx run-many -t e2e --output-style=stream --parallel=1 "${report[@]}"
node tools/setup/summarize-reports.ts || status=1
exit $status
