#!/usr/bin/env bash
# The whole test suite, as README and CI run it: the import rules (dependency-cruiser), dead code (knip), lint and
# format check (Biome), build, typecheck, the unit tests (`test`, cached by nx), the tests against the real kernel
# (`test-kernel`: network namespaces, iptables, nft; root) and the lab's end-to-end suite (`e2e`).
# Ends with one summary line `tests: N passed, N failed`.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

if [ "$(id -u)" -ne 0 ]; then
  echo "overlap: the suite creates network namespaces and iptables/nft rules; run it as root (sudo ./dev test)" >&2
  exit 1
fi

# Each run writes its own report, .reports/<target>.json (see tools/setup/src/test-suite.ts); the summary adds them all.
find . -path ./node_modules -prune -o -type d -name .reports -print0 | xargs -0 rm -rf
status=0
step() {
  echo "==> $*"
  "$@" || status=1
}
step ./dev lint
step npx nx run-many -t build --output-style=stream
# The lab's end-to-end suite mostly waits on real processes and timers; it runs beside the CPU-bound checks and
# tests instead of after them (its output follows theirs). Both start from the builds above, so neither rebuilds.
e2e_log=$(mktemp)
npx nx run-many -t e2e --excludeTaskDependencies --output-style=stream --parallel=1 >"$e2e_log" 2>&1 &
e2e=$!
step npx nx run-many -t typecheck test test-kernel --excludeTaskDependencies --output-style=stream
echo "==> npx nx run-many -t e2e"
wait "$e2e" || status=1
cat "$e2e_log"
rm -f "$e2e_log"
node tools/setup/summarize-reports.ts || status=1
exit $status
