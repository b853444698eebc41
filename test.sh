#!/usr/bin/env bash
# Runs every test suite of R2Gateway. On a fresh machine it first installs what the tests need;
# running it again is safe. The last line is the total: "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-test-deps.sh

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
dotnet test R2Gateway.sln -c Release --logger trx --results-directory "$results" "$@" || status=$?

passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed)))
  skipped=$((skipped + $(get total) - $(get executed)))
done
[ "$passed" -gt 0 ] || { echo "no test ran" >&2; status=1; }
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
