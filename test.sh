#!/usr/bin/env bash
# Runs every test suite of R2Gateway. On a fresh machine it first installs what the tests need;
# running it again is safe. The last line is the total: "N passed, N failed".
# Arguments go to `dotnet test`, e.g. the fast filter for a laptop (README, "Running the tests"):
#   ./test.sh --filter "Needs!=S3&Needs!=Browser&Needs!=Oracle&Needs!=Clients"
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-test-deps.sh

results=$(mktemp -d)
started=$(date +%s)
cleanup() {
  # A hung test is killed with a dump (--blame-hang below): keep the dump and the sequence of tests run.
  if [ -n "$(find "$results" \( -name '*.dmp' -o -name 'Sequence_*.xml' \) -print -quit)" ]; then
    mkdir -p artifacts/hang
    find "$results" \( -name '*.dmp' -o -name 'Sequence_*.xml' \) -exec cp {} artifacts/hang/ \;
    echo "hang dumps and test sequences: artifacts/hang/" >&2
  fi
  rm -rf "$results"
  # S3 servers the tests start stop with them; stop any left by a test run that was killed.
  for dir in "${TMPDIR:-/tmp}"/ceph-s3.*; do
    [ -d "$dir" ] && [ "$(stat -c %Y "$dir")" -ge "$started" ] && scripts/s3-test-server.sh down "$dir"
  done
  return 0
}
trap cleanup EXIT
status=0
# A test that hangs fails the run after 10 minutes, with a dump of its process, instead of using up
# CI's time (the slowest test takes about 3 minutes on a loaded machine).
dotnet test R2Gateway.sln -c Release --logger trx --results-directory "$results" \
  --blame-hang --blame-hang-timeout 10m --blame-hang-dump-type mini "$@" || status=$?

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
