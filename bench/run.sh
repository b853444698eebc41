#!/usr/bin/env bash
# Throughput and memory benchmark of the R2Gateway filesystem store, over loopback.
#
#   bash bench/run.sh                                   # 1 GiB, default settings (Fsync=true)
#   BENCH_SIZE_MIB=256 bash bench/run.sh                # smaller file
#   bash bench/run.sh --Storage:FileSystem:Fsync=false  # extra args go to the gateway
#
# Environment:
#   BENCH_SIZE_MIB   test file size in MiB (default 1024)
#   BENCH_PART_MIB   multipart part size in MiB (default 64)
#   BENCH_TIMEOUT    hard limit for the whole run, seconds (default 1800)
#   BENCH_TMP        where the temp dir goes (default: $TMPDIR or /tmp); keep it on the disk you measure
#   BENCH_GIT_REF    build this commit (e.g. HEAD) instead of the working tree's src/
#   BENCH_KEEP=1     keep the temp dir (gateway.log, part answers) for a look afterwards
#   BENCH_LABEL      label for the results header (default: the extra gateway args, or "defaults")
#   BENCH_STORE=s3   measure the S3 store against a throwaway real S3 server (Ceph radosgw over TLS,
#                    scripts/s3-test-server.sh), with a direct `aws s3 cp` to it as the reference
#   BENCH_QUICK=1    skip the single put, the 4-in-flight multipart and the get (the busy-machine run)
#   BENCH_MANY_PARTS number of parts for the many-part complete (default 10000; filesystem store only)
#   BENCH_LIST_OBJECTS objects in the bucket for the listing scenarios (default 100000; filesystem only) (more than 1,000: the page rows need a second page)
#   BENCH_LIST_BALLAST index rows without object files added under another prefix (default 0), to list
#                    among 1,000,000 rows where creating that many files takes too long
#   BENCH_INDEX_REBUILD=0 skip timing `index rebuild` (populate.py writes the index rows itself)
#   BENCH_HOT=0      skip the hot-path rows and their anchors (issue 10; filesystem store only)
#   BENCH_HOT_ONLY=1 only the hot-path rows (md5sum, nginx, @tus/server, gateway puts, concurrent parts, wrk)
#   BENCH_ROUNDS     interleaved rounds of the hot-path puts (default 3; medians are reported)
#   BENCH_CONCURRENT_PARTS  concurrent 5 MiB parts for the RSS row (default 200)
#   BENCH_WRK_SECS / BENCH_WRK_ROUNDS  wrk seconds per run (default 5) and interleaved rounds (default 4: one run moves ±15 %)
#   BENCH_WRK_WARMUP seconds of each gateway warm-up run before the wrk rows (default 5; done twice per kind)
#
# Hot paths (issue 10), in the same run: md5sum, the put's work in C (bench/anchors/floor-put.c) and in a bare ASP.NET Core app (bench/anchors/kestrel-put), nginx WebDAV PUT and @tus/server 2.4.5 (bench/anchors/)
# as anchors of the 1 GiB put with Fsync=false and true (CPU-s per GiB and peak RSS of each), 200
# concurrent 5 MiB parts (peak RSS), and wrk 4 KiB GET/HEAD/PUT against nginx. Installs nginx and wrk
# (apt) and the npm packages (npm ci) when missing.
# Scenarios: md5sum (reference), single put, single put with x-amz-checksum-sha256, multipart with 2 and 4 parts in flight, 2 parts of half
# the file in parallel, get; then (filesystem store) mpu-complete of BENCH_MANY_PARTS sparse 5 MiB
# parts written straight into an upload (bench/populate.py), index rebuild, and list pages among
# BENCH_LIST_OBJECTS objects written straight into the root.
# The gateway is restarted (same data root) before every scenario, so the peak RSS (VmHWM of the
# dotnet process) reported for a scenario belongs to that scenario alone.
# Results: printed as a markdown table and written to bench/results/latest.md (gitignored).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZE_MIB="${BENCH_SIZE_MIB:-1024}"
PART_MIB="${BENCH_PART_MIB:-64}"
TIMEOUT="${BENCH_TIMEOUT:-1800}"
GIT_REF="${BENCH_GIT_REF:-}"
GATEWAY_ARGS=("$@")
LABEL="${BENCH_LABEL:-${*:-defaults}}"
CURL_MAX=900

for tool in dotnet curl jq md5sum dd xxd python3; do
  command -v "$tool" >/dev/null || { echo "bench: '$tool' is required" >&2; exit 2; }
done

# The hot-path anchors (issue 10): Debian's nginx and wrk, and @tus/server from bench/anchors/package-lock.json.
if [[ "${BENCH_STORE:-filesystem}" == filesystem && "${BENCH_HOT:-1}" == 1 ]]; then
  if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null || ! command -v ab >/dev/null; then
    sudo=""; [[ "$(id -u)" == 0 ]] || sudo="sudo"
    # No system nginx may start on :80 while it is installed: policy-rc.d refuses every service start.
    [[ -e /usr/sbin/policy-rc.d ]] || printf '#!/bin/sh\nexit 101\n' | $sudo install -m 755 /dev/stdin /usr/sbin/policy-rc.d
    $sudo apt-get install -y -qq nginx wrk apache2-utils >/dev/null || { $sudo apt-get update -qq && $sudo apt-get install -y -qq nginx wrk apache2-utils >/dev/null; }
  fi
  # The C floor of the put (bench/anchors/floor-put.c) links OpenSSL's libcrypto, as .NET's MD5 does.
  if ! command -v cc >/dev/null || [[ ! -f /usr/include/openssl/evp.h ]]; then
    sudo=""; [[ "$(id -u)" == 0 ]] || sudo="sudo"
    $sudo apt-get install -y -qq gcc libc6-dev libssl-dev >/dev/null || { $sudo apt-get update -qq && $sudo apt-get install -y -qq gcc libc6-dev libssl-dev >/dev/null; }
  fi
  command -v node >/dev/null || { echo "bench: node (20.19 or newer) is required for the @tus/server anchor" >&2; exit 2; }
  [[ -d "$(dirname "${BASH_SOURCE[0]}")/anchors/node_modules/@tus/server" ]] ||
    (cd "$(dirname "${BASH_SOURCE[0]}")/anchors" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

WORK="$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/r2gw-bench.XXXXXX")"
DATA="$WORK/data"
mkdir -p "$DATA"
PORT=""
BASE=""
GW_PID=""
WATCHDOG_PID=""
NGINX_PID=""
TUS_PID=""
STORE="${BENCH_STORE:-filesystem}"
S3_DIR=""

# warm_up <url>: untimed uploads of the warm-up file (a file, so curl sends a Content-Length as in
# every timed upload: a piped body is chunked and runs another request-body reader), until the JIT
# is done. A fresh process compiles its request path in its first uploads (about 0.5 CPU-s), and
# the JIT recompiles what got hot only after a pause with no new compiles (the tiering delay), then
# counts calls and recompiles again: after one warm-up and a pause it still compiled ~1,200 methods,
# 0.33-0.38 CPU-s, inside the timed put; after three with a pause each, 0.03 (docs/benchmarks.md).
warm_up() {
  for _ in 1 2 3; do
    curl -sS --fail --max-time 60 -o /dev/null -H 'Expect:' -H 'Content-Type: application/octet-stream' \
      -T "$WARM_FILE" "$1" || die "warm-up upload failed"
    sleep 1
  done
}

# The runtime's tuning from the image's ENV (DOTNET_*), so the bench measures the gateway as it ships.
read -r -a IMAGE_RUNTIME_ENV <<<"$(sed -n '/AS runtime/,$p' "$REPO/Dockerfile" | grep -o 'DOTNET_[A-Za-z0-9_]*=[^ \\]*' | tr '\n' ' ')"

# start_gateway [extra gateway args]: the S3-API listener is off (its default port is fixed).
start_gateway() {
  PORT="$(free_port)"
  BASE="http://127.0.0.1:$PORT"
  # Started directly (no wrapper), so $! is the dotnet process itself.
  ( cd "$WORK/publish" && exec env ASPNETCORE_ENVIRONMENT=Production "${IMAGE_RUNTIME_ENV[@]}" \
    dotnet "$WORK/publish/R2Gateway.dll" --Urls="$BASE" --Storage:FileSystem:Root="$DATA" --S3Api:Urls= \
    "${GATEWAY_ARGS[@]}" "$@" ) >>"$WORK/gateway.log" 2>&1 &
  GW_PID=$!
  echo "$GW_PID" >"$WORK/gateway.pid"
  local exe
  for _ in $(seq 1 300); do
    if ! kill -0 "$GW_PID" 2>/dev/null; then
      tail -n 30 "$WORK/gateway.log" >&2
      die "gateway exited during startup"
    fi
    if curl -fsS --max-time 2 "$BASE/healthz" >/dev/null 2>&1; then
      exe="$(readlink "/proc/$GW_PID/exe" || true)"
      [[ "$(basename "$exe")" == dotnet ]] || die "pid $GW_PID is '$exe', not the dotnet process"
      [[ -n "$START_RSS" ]] || START_RSS="$(kib_to_mib "$(proc_kib VmRSS)")"   # the first start's, whatever runs
      return 0
    fi
    sleep 0.1
  done
  die "gateway did not answer /healthz within 30 s"
}

stop_gateway() {
  if [[ -n "$GW_PID" ]] && kill -0 "$GW_PID" 2>/dev/null; then
    kill -TERM "$GW_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$GW_PID" 2>/dev/null || true
    wait "$GW_PID" 2>/dev/null || true
  fi
  GW_PID=""
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_gateway
  [[ -n "$NGINX_PID" ]] && kill -QUIT "$NGINX_PID" 2>/dev/null || true
  [[ -n "$TUS_PID" ]] && kill "$TUS_PID" 2>/dev/null || true
  [[ -n "$S3_DIR" ]] && "$REPO/scripts/s3-test-server.sh" down "$S3_DIR" >/dev/null 2>&1 || true
  [[ -n "$WATCHDOG_PID" ]] && kill "$WATCHDOG_PID" 2>/dev/null || true
  # Background part uploads still running (only after a failure).
  local j
  for j in $(jobs -p); do kill "$j" 2>/dev/null || true; done
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

# A hard bound on the whole run: the watchdog signals this script, whose trap cleans up, and stops
# the gateway so that a curl in progress fails at once (bash runs traps only between commands).
(
  trap 'kill "$sleeper" 2>/dev/null; wait "$sleeper"; exit 0' TERM
  sleep "$TIMEOUT" &
  sleeper=$!
  wait "$sleeper"
  echo "bench: timed out after ${TIMEOUT}s" >&2
  kill -TERM $$ 2>/dev/null
  [[ -s "$WORK/gateway.pid" ]] && kill -TERM "$(cat "$WORK/gateway.pid")" 2>/dev/null
) >/dev/null &
WATCHDOG_PID=$!

log() { echo "bench: $*" >&2; }
die() { log "FAIL: $*"; exit 1; }
now() { date +%s.%N; }
# mibps <bytes> <seconds>
mibps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", (s > 0 ? b / 1048576 / s : 0) }'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------- build
# Publish from a snapshot of the sources, so the run neither races with nor dirties the working
# tree's bin/ and obj/ (other people build there).
log "publishing Release build (${GIT_REF:-working tree})"
mkdir -p "$WORK/src" "$WORK/publish"
# .editorconfig matters: it carries analyzer settings (e.g. CA5351 off) and warnings are errors.
cp "$REPO"/Directory.*.props "$REPO/appsettings.json" "$REPO/.editorconfig" "$WORK/src/"
for f in global.json nuget.config NuGet.Config; do
  if [[ -f "$REPO/$f" ]]; then cp "$REPO/$f" "$WORK/src/"; fi
done
mkdir -p "$WORK/src/src"
if [[ -n "$GIT_REF" ]]; then
  # A committed state: reproducible, and immune to half-saved edits in the working tree.
  git -C "$REPO" archive "$GIT_REF" src/R2Gateway bench/anchors/kestrel-put | tar -C "$WORK/src" -xf -
  for f in Directory.Build.props Directory.Packages.props appsettings.json .editorconfig; do
    git -C "$REPO" show "$GIT_REF:$f" >"$WORK/src/$f"
  done
  SOURCE="commit $(git -C "$REPO" rev-parse --short "$GIT_REF")"
else
  tar -C "$REPO" --exclude=bin --exclude=obj --exclude=node_modules -cf - src/R2Gateway bench/anchors/kestrel-put | tar -C "$WORK/src" -xf -
  SOURCE="working tree at $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD -- src 2>/dev/null || echo ' + local changes')"
fi
timeout 600 dotnet publish "$WORK/src/src/R2Gateway" -c Release -o "$WORK/publish" --nologo -v quiet \
  --disable-build-servers -nodeReuse:false \
  >"$WORK/publish.log" 2>&1 || { cat "$WORK/publish.log" >&2; die "dotnet publish failed"; }
[[ -f "$WORK/publish/R2Gateway.dll" ]] || die "no R2Gateway.dll in the publish output"

# proc_kib <field>: a VmXXX field of the gateway, in KiB
proc_kib() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$GW_PID/status"; }
kib_to_mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

# ---------------------------------------------------------------- test file
FILE="$WORK/file.bin"
SIZE=$((SIZE_MIB * 1024 * 1024))
PART=$((PART_MIB * 1024 * 1024))
log "writing ${SIZE_MIB} MiB of random data to $FILE"
# openssl would be faster, but head of urandom needs nothing extra and is not timed.
head -c "$SIZE" /dev/urandom >"$FILE"
# Flush it now: otherwise its writeback competes with the first scenarios for the disk.
sync

ROWS=()
NOTES=()
# Other work on the machine skews every number here (2 cores): report how busy it was.
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
# cpu_busy: percent of all CPU time used over one second, by anyone
cpu_busy() {
  local a b
  a="$(head -1 /proc/stat)"
  sleep 1
  b="$(head -1 /proc/stat)"
  awk -v a="$a" -v b="$b" 'BEGIN {
    n = split(a, x); split(b, y)
    for (i = 2; i <= n; i++) { t += y[i] - x[i]; if (i == 5 || i == 6) idle += y[i] - x[i] }
    printf "%.0f", t ? 100 * (t - idle) / t : 0 }'
}
BUSY_START="$(cpu_busy)"
((BUSY_START < 15)) || log "WARNING: the machine is ${BUSY_START}% busy before the run; the numbers will be noisy"
START_RSS=""
# row <scenario> <bytes> <seconds> <peak rss MiB>
row() { ROWS+=("$1|$2|$3|$4"); }
OPS=()
# op <operation> <seconds> <peak rss MiB>: timings where a throughput means nothing
op() { OPS+=("$1|$2|$3"); }

# ---------------------------------------------------------------- S3 store (optional)
# remove_object <key>: frees the test server's in-memory store between scenarios
remove_object() { :; }
if [[ "$STORE" == s3 ]]; then
  S3_PORT="$(free_port)"
  S3_DIR="$(PORT="$(free_port)" SSLPORT="$S3_PORT" MONPORT="$(free_port)" "$REPO/scripts/s3-test-server.sh" up | head -1)"
  S3_URL="https://127.0.0.1:$S3_PORT"
  export AWS_ACCESS_KEY_ID=TESTKEY AWS_SECRET_ACCESS_KEY=TESTSECRET AWS_DEFAULT_REGION=us-east-1 \
    AWS_CA_BUNDLE="$S3_DIR/cert.pem" AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required
  aws --endpoint-url "$S3_URL" s3 mb s3://bench >/dev/null || die "could not create the bench bucket"
  GATEWAY_ARGS+=(--Storage:Provider=S3 --Storage:S3:ServiceUrl="$S3_URL" --Storage:S3:Bucket=bench
    --Storage:S3:AccessKeyId=TESTKEY --Storage:S3:SecretAccessKey=TESTSECRET --Storage:S3:CaCertificatePath="$S3_DIR/cert.pem")
  # radosgw frees a deleted object's data only in its garbage collection (hours later by default):
  # run it now, or the 4 GiB store is full after four 1 GiB scenarios and requests hang.
  remove_object() {
    aws --endpoint-url "$S3_URL" s3 rm "s3://bench/$1" >/dev/null
    CEPH_CONF="$S3_DIR/ceph.conf" radosgw-admin -n client.admin gc process --include-all >/dev/null 2>&1 || log "radosgw gc process failed"
  }
  LABEL="S3 store (radosgw over TLS) ${LABEL}"
fi

# ---------------------------------------------------------------- md5sum reference
t0=$(now)
FILE_MD5="$(md5sum "$FILE" | cut -d' ' -f1)"
t1=$(now)
WARM_FILE="$WORK/warm.bin" # warm_up's body
head -c $((64 * 1024 * 1024)) "$FILE" >"$WARM_FILE"
MD5_SECS=$(secs "$t0" "$t1")
row "md5sum (reference)" "$SIZE" "$MD5_SECS" "-"
log "md5sum: $FILE_MD5 in ${MD5_SECS}s"

if [[ "$STORE" == s3 ]]; then
  t0=$(now)
  aws --endpoint-url "$S3_URL" s3 cp "$FILE" s3://bench/reference >/dev/null || die "aws s3 cp failed"
  t1=$(now)
  row "aws s3 cp straight to the server (reference)" "$SIZE" "$(secs "$t0" "$t1")" "-"
  remove_object reference
fi

# ---------------------------------------------------------------- hot paths beside their anchors (issue 10)
# In the same run as the gateway: nginx WebDAV PUT (no hash) and @tus/server with its file store
# (curl POST + PATCH) for the 1 GiB put, md5sum as its limit; wrk against nginx (static GET/HEAD,
# WebDAV PUT) for the 4 KiB rows. Puts are interleaved in BENCH_ROUNDS rounds; medians are reported.
# cpu_ticks <pid...>: utime + stime of the processes, in clock ticks
cpu_ticks() { local p t=0; for p in "$@"; do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
TICK="$(getconf CLK_TCK)"
# cpu_per_gib <ticks> <bytes>
cpu_per_gib() { awk -v t="$1" -v b="$2" -v hz="$TICK" 'BEGIN { printf "%.2f", t / hz / (b / 1073741824) }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
HOT=()
# hot <scenario> <bytes> <median seconds> <CPU-s per GiB> <peak RSS MiB> <anchor> <anchor seconds>
hot() { HOT+=("$1|$2|$3|$4|$5|$6|$7"); }
WRK=()

if [[ "$STORE" == filesystem && "${BENCH_HOT:-1}" == 1 ]]; then
  for tool in nginx wrk ab node npm; do command -v "$tool" >/dev/null || die "'$tool' is missing (bench/run.sh installs it with apt; see above)"; done
  ROUNDS="${BENCH_ROUNDS:-3}"
  ANCHORS="$WORK/anchors"
  mkdir -p "$ANCHORS/www" "$ANCHORS/tus"
  NGINX_PORT="$(free_port)"
  sed "s#@DIR@#$ANCHORS#g; s#@PORT@#$NGINX_PORT#g; s#@USER@#$([[ "$(id -u)" == 0 ]] && echo 'user root;')#" \
    "$REPO/bench/anchors/nginx.conf.template" >"$ANCHORS/nginx.conf"
  nginx -c "$ANCHORS/nginx.conf" -p "$ANCHORS" >"$ANCHORS/nginx.out" 2>&1 &
  NGINX_PID=$!
  TUS_PORT="$(free_port)"
  node "$REPO/bench/anchors/tus-server.mjs" "$TUS_PORT" "$ANCHORS/tus" >"$ANCHORS/tus.log" 2>&1 &
  TUS_PID=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/" && curl -s -o /dev/null "http://127.0.0.1:$TUS_PORT/files" && break
    sleep 0.1
  done
  cc -O2 -pthread -o "$ANCHORS/floor-put" "$REPO/bench/anchors/floor-put.c" -lcrypto || die "could not build bench/anchors/floor-put.c"
  timeout 600 dotnet publish "$WORK/src/bench/anchors/kestrel-put" -c Release -o "$ANCHORS/kestrel-put" --nologo -v quiet \
    --disable-build-servers -nodeReuse:false >"$ANCHORS/kestrel-put.log" 2>&1 || { cat "$ANCHORS/kestrel-put.log" >&2; die "could not build bench/anchors/kestrel-put"; }
  nginx_pids() { echo "$NGINX_PID" $(pgrep -P "$NGINX_PID"); }
  NGX="http://127.0.0.1:$NGINX_PORT"
  TUS="http://127.0.0.1:$TUS_PORT/files"

  declare -A T=() C=() R=()
  add() { T[$1]+="$2 "; C[$1]+="$3 "; }
  for round in $(seq 1 "$ROUNDS"); do
    log "hot paths: round $round of $ROUNDS"
    sync; t0=$(now); md5sum "$FILE" >/dev/null; t1=$(now); add md5 "$(secs "$t0" "$t1")" 0

    # The floor: the gateway's put work (receive, write with its write-behind window, MD5 on a second
    # thread) in C, one process per put; it prints its port, then its own CPU time when done.
    sync; exec {floor}< <(exec "$ANCHORS/floor-put" "$ANCHORS/floor.bin" 2>"$ANCHORS/floor.cpu")
    floor_pid=$!; read -r -u "$floor" floor_port || die "floor-put did not start"
    t0=$(now); etag="$(curl -sS -H 'Expect:' -T "$FILE" "http://127.0.0.1:$floor_port/floor")"; t1=$(now)
    wait "$floor_pid" || die "floor-put failed: $(cat "$ANCHORS/floor.cpu")"; exec {floor}<&-
    [[ "$etag" == "$FILE_MD5" ]] || die "floor-put md5 $etag != md5sum $FILE_MD5"
    add floor "$(secs "$t0" "$t1")" "$(awk -v hz="$TICK" '{ printf "%.0f", ($1 + $2) * hz }' "$ANCHORS/floor.cpu")"
    rm -f "$ANCHORS/floor.bin"

    # The framework's floor: the store's copy loop and the gateway's connection buffers in a bare
    # ASP.NET Core app (bench/anchors/kestrel-put), fresh and warmed as the gateway is.
    kp_port="$(free_port)"
    ( exec env "${IMAGE_RUNTIME_ENV[@]}" dotnet "$ANCHORS/kestrel-put/KestrelPutFloor.dll" --urls "http://127.0.0.1:$kp_port" "$ANCHORS/kestrel-put.bin" ) \
      >>"$ANCHORS/kestrel-put.out" 2>&1 &
    kp_pid=$!
    for _ in $(seq 1 300); do curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$kp_port/" && break; sleep 0.1; done
    warm_up "http://127.0.0.1:$kp_port/warm-up"
    sync; c0=$(cpu_ticks "$kp_pid"); t0=$(now)
    etag="$(curl -sS --fail -H 'Expect:' -T "$FILE" "http://127.0.0.1:$kp_port/floor")" || die "kestrel-put failed: $(tail -n 5 "$ANCHORS/kestrel-put.out")"
    t1=$(now); c1=$(cpu_ticks "$kp_pid")
    kill "$kp_pid"; wait "$kp_pid" 2>/dev/null || true
    [[ "$etag" == "$FILE_MD5" ]] || die "kestrel-put md5 $etag != md5sum $FILE_MD5"
    add kestrel "$(secs "$t0" "$t1")" $((c1 - c0))
    rm -f "$ANCHORS/kestrel-put.bin"

    sync; c0=$(cpu_ticks $(nginx_pids)); t0=$(now)
    code="$(curl -sS -o /dev/null -w '%{http_code}' -H 'Expect:' -T "$FILE" "$NGX/put/file")"
    t1=$(now); c1=$(cpu_ticks $(nginx_pids))
    [[ "$code" == 201 || "$code" == 204 ]] || die "nginx PUT answered $code"
    add nginx "$(secs "$t0" "$t1")" $((c1 - c0))

    sync; c0=$(cpu_ticks "$TUS_PID"); t0=$(now)
    loc="$(curl -sS -D - -o /dev/null -X POST -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $SIZE" "$TUS" | tr -d '\r' | awk -F': ' 'tolower($1) == "location" { print $2 }')"
    [[ -n "$loc" ]] || die "tus POST gave no Location"
    [[ "$loc" == http* ]] || loc="http://127.0.0.1:$TUS_PORT$loc"
    code="$(curl -sS -o /dev/null -w '%{http_code}' -X PATCH -H 'Expect:' -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' \
      -H 'Content-Type: application/offset+octet-stream' --upload-file "$FILE" "$loc")"   # streamed: --data-binary @ loads the file into memory
    t1=$(now); c1=$(cpu_ticks "$TUS_PID")
    [[ "$code" == 204 ]] || die "tus PATCH answered $code"
    add tus "$(secs "$t0" "$t1")" $((c1 - c0))
    rm -rf "$ANCHORS/tus"/*

    for fs in false true; do
      start_gateway --Storage:FileSystem:Fsync=$fs
      # Warm, as nginx and tus are from serving every round.
      warm_up "$BASE/bench/warm-up?action=put"
      sync; c0=$(cpu_ticks "$GW_PID"); t0=$(now)
      PUT_JSON="$(curl -sS --fail-with-body --max-time "$CURL_MAX" -H 'Expect:' -H 'Content-Type: application/octet-stream' \
        -T "$FILE" "$BASE/bench/single?action=put")" || die "single put: $PUT_JSON"
      t1=$(now); c1=$(cpu_ticks "$GW_PID")
      [[ "$(jq -r .etag <<<"$PUT_JSON")" == "$FILE_MD5" ]] || die "single put etag $(jq -r .etag <<<"$PUT_JSON") != md5sum $FILE_MD5"
      [[ "$(jq -r .size <<<"$PUT_JSON")" == "$SIZE" ]] || die "single put size mismatch: $PUT_JSON"
      add "gw-$fs" "$(secs "$t0" "$t1")" $((c1 - c0))
      rss="$(kib_to_mib "$(proc_kib VmHWM)")"
      ((${R[gw-$fs]:-0} > rss)) || R[gw-$fs]=$rss
      stop_gateway
    done
  done
  med() { tr ' ' '\n' <<<"${T[$1]}" | grep . | median; }
  cpu() { cpu_per_gib "$(tr ' ' '\n' <<<"${C[$1]}" | grep . | median)" "$SIZE"; }
  MD5_MED="$(med md5)"
  hot "md5sum (the limit)" "$SIZE" "$MD5_MED" "$(cpu_per_gib "$(awk -v s="$MD5_MED" -v hz="$TICK" 'BEGIN { print s * hz }')" "$SIZE")" - md5sum "$MD5_MED"
  hot "floor: the gateway's put work in C (bench/anchors/floor-put.c), curl -T" "$SIZE" "$(med floor)" "$(cpu floor)" - md5sum "$MD5_MED"
  hot "floor on ASP.NET Core: the store's copy loop in a bare app (bench/anchors/kestrel-put), curl -T" "$SIZE" "$(med kestrel)" "$(cpu kestrel)" - md5sum "$MD5_MED"
  hot "nginx WebDAV PUT (no hash), curl -T" "$SIZE" "$(med nginx)" "$(cpu nginx)" - md5sum "$MD5_MED"
  hot "@tus/server 2.4.5 + FileStore, curl POST + PATCH" "$SIZE" "$(med tus)" "$(cpu tus)" - md5sum "$MD5_MED"
  hot "gateway put, Fsync=false (curl -T)" "$SIZE" "$(med gw-false)" "$(cpu gw-false)" "${R[gw-false]}" md5sum "$MD5_MED"
  hot "gateway put, Fsync=true (default)" "$SIZE" "$(med gw-true)" "$(cpu gw-true)" "${R[gw-true]}" md5sum "$MD5_MED"
  NOTES+=("hot-path puts: $ROUNDS interleaved rounds, median seconds; md5sum's CPU-s is its wall time; floor = its own getrusage, the ASP.NET Core floor = its dotnet process, nginx CPU = master + workers, tus = the node process, gateway = the dotnet process (utime + stime from /proc/<pid>/stat); nginx and tus run through all rounds, the gateway is restarted per put and warmed with three untimed 64 MiB puts from a file, 1 s apart, until the JIT is done")
  NOTES+=("put seconds per round — md5sum: ${T[md5]}; floor: ${T[floor]}; ASP.NET Core floor: ${T[kestrel]}; nginx: ${T[nginx]}; tus: ${T[tus]}; gateway Fsync=false: ${T[gw-false]}; Fsync=true: ${T[gw-true]}")
  remove_object bench/single

  # 200 concurrent 5 MiB parts into one upload (the CrashAndLoadTests shape): peak RSS.
  PARTS_N="${BENCH_CONCURRENT_PARTS:-200}"
  start_gateway --Limits:ConcurrentUploadsPerToken=0 --Limits:RequestsPerWindow=0
  id="$(curl -sS --fail-with-body -X POST "$BASE/bench/concurrent?action=mpu-create" | jq -r .uploadId)"
  head -c $((5 * 1024 * 1024)) "$FILE" >"$WORK/part5.bin"
  sync; t0=$(now)
  codes="$(seq 1 "$PARTS_N" | xargs -P "$PARTS_N" -I{} curl -sS -o /dev/null -w '%{http_code}\n' -H 'Expect:' \
    -H 'Content-Type: application/octet-stream' -T "$WORK/part5.bin" "$BASE/bench/concurrent?action=mpu-uploadpart&uploadId=$id&partNumber={}" | sort | uniq -c | tr -s ' ')"
  t1=$(now)
  [[ "$codes" == " $PARTS_N 200" ]] || die "concurrent parts answered: $codes"
  hot "$PARTS_N concurrent 5 MiB parts (xargs -P $PARTS_N curl)" $((PARTS_N * 5 * 1024 * 1024)) "$(secs "$t0" "$t1")" - "$(kib_to_mib "$(proc_kib VmHWM)")" - -
  curl -sS -o /dev/null -X DELETE "$BASE/bench/concurrent?action=mpu-abort&uploadId=$id"
  stop_gateway
  rm -f "$WORK/part5.bin"

  # 4 KiB GET / HEAD / PUT with wrk: the gateway (request log on, Fsync=false, no rate limit) against nginx.
  WRK_SECS="${BENCH_WRK_SECS:-5}"; WRK_ROUNDS="${BENCH_WRK_ROUNDS:-4}"
  head -c 4096 "$FILE" >"$ANCHORS/www/small"
  export WRK_BODY="$ANCHORS/www/small"
  start_gateway --Storage:FileSystem:Fsync=false --Limits:RequestsPerWindow=0 --Limits:ConcurrentUploadsPerToken=0
  curl -sS --fail -o /dev/null -T "$ANCHORS/www/small" -H 'Content-Type: application/octet-stream' "$BASE/bench/small?action=put"
  # The JIT's tiers settle only after thousands of requests (much longer on a loaded machine): warm every
  # request kind up before anything is timed, so the rows compare steady states.
  for _ in 1 2; do
    wrk -t2 -c64 -d"${BENCH_WRK_WARMUP:-5}s" "$BASE/bench/small?action=get" >/dev/null
    ab -i -k -c 64 -t "${BENCH_WRK_WARMUP:-5}" -n 100000000 "$BASE/bench/small?action=get" >/dev/null 2>&1
    wrk -t2 -c64 -d"${BENCH_WRK_WARMUP:-5}s" -s "$REPO/bench/anchors/put.lua" "$BASE/bench/warm?action=put" >/dev/null
  done
  # wrk_run <label> <url> [script]: req/s and p99 (ms), after a 1 s warm-up
  wrk_run() {
    local out args=(-t2 -c64 --latency)
    [[ -n "${3:-}" ]] && args+=(-s "$3")
    wrk "${args[@]}" -d1s "$2" >/dev/null
    out="$(wrk "${args[@]}" -d"${WRK_SECS}s" "$2")"
    ! grep -q 'Non-2xx' <<<"$out" || die "wrk $1: $(grep Non-2xx <<<"$out")"
    awk -v l="$1" '/Requests\/sec/ { r = $2 } $1 == "99%" { v = $2; if (v ~ /us$/) { sub("us", "", v); v /= 1000 } else if (v ~ /ms$/) sub("ms", "", v); else { sub("s", "", v); v *= 1000 }; p = v }
      END { printf "%s|%s|%s\n", l, r, p }' <<<"$out"
  }
  # ab_run <label> <url>: the same for HEAD, which wrk cannot time (its parser waits for a body after HEAD)
  ab_run() {
    local out
    out="$(ab -i -k -c 64 -t "$WRK_SECS" -n 100000000 "$2" 2>&1)"
    grep -q '^Failed requests: *0$' <<<"$out" && ! grep -q 'Non-2xx' <<<"$out" || die "ab $1: $(grep -E 'Failed|Non-2xx' <<<"$out")"
    awk -v l="$1" '/^Requests per second/ { r = $4 } $1 == "99%" { p = $2 } END { printf "%s|%s|%s\n", l, r, p }' <<<"$out"
  }
  for round in $(seq 1 "$WRK_ROUNDS"); do
    log "small requests: round $round of $WRK_ROUNDS"
    # The puts before (the warm-up's, the last round's) leave thousands of small files to write back:
    # untimed, as before every scenario, so no round measures the kernel's writeback.
    sync
    WRK+=("$(wrk_run nginx-get "$NGX/small")" "$(wrk_run gw-get "$BASE/bench/small?action=get")")
    WRK+=("$(ab_run nginx-head "$NGX/small")" "$(ab_run gw-head "$BASE/bench/small?action=get")")
    WRK+=("$(wrk_run nginx-put "$NGX/put/small" "$REPO/bench/anchors/put.lua")" "$(wrk_run gw-put "$BASE/bench/small-put?action=put" "$REPO/bench/anchors/put.lua")")
  done
  stop_gateway
  kill "$TUS_PID" 2>/dev/null || true; wait "$TUS_PID" 2>/dev/null || true
  kill -QUIT "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true
fi

# BENCH_HOT_ONLY=1: only the hot paths above (A/B iterations); the scenarios below are skipped.
if [[ "${BENCH_HOT_ONLY:-0}" != 1 ]]; then
# ---------------------------------------------------------------- single put (the S3 store, or BENCH_HOT=0)
if [[ "${BENCH_QUICK:-0}" != 1 && ! ( "$STORE" == filesystem && "${BENCH_HOT:-1}" == 1 ) ]]; then
start_gateway
sync # every timed scenario starts with no dirty pages left over from the one before
# The body is labelled application/octet-stream (at commit 9721071 a put without that exact
# Content-Type was not routed to the put endpoint; sending it keeps older builds measurable).
t0=$(now)
PUT_JSON="$(curl -sS --fail-with-body --max-time "$CURL_MAX" -H 'Expect:' -H 'Content-Type: application/octet-stream' \
  -T "$FILE" "$BASE/bench/single?action=put")" || die "single put: $PUT_JSON"
t1=$(now)
PUT_ETAG="$(jq -r .etag <<<"$PUT_JSON")"
PUT_SIZE="$(jq -r .size <<<"$PUT_JSON")"
[[ "$PUT_ETAG" == "$FILE_MD5" ]] || die "single put etag $PUT_ETAG != md5sum $FILE_MD5"
[[ "$PUT_SIZE" == "$SIZE" ]] || die "single put size $PUT_SIZE != $SIZE"
row "single put (curl -T)" "$SIZE" "$(secs "$t0" "$t1")" "$(kib_to_mib "$(proc_kib VmHWM)")"
log "single put ok: etag $PUT_ETAG"
stop_gateway
remove_object bench/single
fi

# ---------------------------------------------------------------- single put with a SHA-256
# The same put with x-amz-checksum-sha256: the gateway hashes SHA-256 beside MD5 and checks it.
FILE_SHA256="$(sha256sum "$FILE" | cut -d' ' -f1)" # untimed
FILE_SHA256_B64="$(xxd -r -p <<<"$FILE_SHA256" | base64 -w0)"
start_gateway
sync
t0=$(now)
PUT_JSON="$(curl -sS --fail-with-body --max-time "$CURL_MAX" -H 'Expect:' -H 'Content-Type: application/octet-stream' \
  -H "x-amz-checksum-sha256: $FILE_SHA256_B64" -T "$FILE" "$BASE/bench/single-sha256?action=put")" || die "sha256 put: $PUT_JSON"
t1=$(now)
[[ "$(jq -r .etag <<<"$PUT_JSON")" == "$FILE_MD5" ]] || die "sha256 put etag differs from md5sum"
[[ "$(jq -r '.checksums.sha256 // "none"' <<<"$PUT_JSON")" == "$FILE_SHA256" ]] || die "sha256 put: checksum $(jq -c .checksums <<<"$PUT_JSON") != sha256sum $FILE_SHA256"
row "single put with x-amz-checksum-sha256" "$SIZE" "$(secs "$t0" "$t1")" "$(kib_to_mib "$(proc_kib VmHWM)")"
log "sha256 put ok"
stop_gateway
remove_object bench/single-sha256

# ---------------------------------------------------------------- multipart
# upload_part <key> <uploadId> <partNumber> <slice file> <outfile>
# Each part is sent from its own file with curl -T, as the single put sends the whole file: the client reads
# the page cache and nothing else (a dd | curl pipe cost the client a second copy, on the same two cores).
upload_part() {
  local key=$1 id=$2 n=$3 slice=$4 out=$5
  curl -sS --fail-with-body --max-time "$CURL_MAX" -H 'Expect:' \
    -H 'Content-Type: application/octet-stream' \
    -T "$slice" "$BASE/$key?action=mpu-uploadpart&uploadId=$id&partNumber=$n" >"$out"
}

# warm_multipart: warm-up parts into an upload that is then aborted, so the timed upload does not
# pay for compiling the multipart path.
warm_multipart() {
  local id
  id="$(curl -sS --fail-with-body --max-time 30 -X POST "$BASE/bench/warm-mpu?action=mpu-create" | jq -r .uploadId)"
  warm_up "$BASE/bench/warm-mpu?action=mpu-uploadpart&uploadId=$id&partNumber=1"
  curl -sS --fail --max-time 30 -o /dev/null -X DELETE "$BASE/bench/warm-mpu?action=mpu-abort&uploadId=$id" || die "warm-up abort failed"
}

# multipart <parallelism> [part MiB]
multipart() {
  local par=$1 part_mib=${2:-$PART_MIB}
  local PART=$((part_mib * 1024 * 1024)) key="bench/mpu-$1-$part_mib" id parts_dir="$WORK/parts-$1-$part_mib"
  mkdir -p "$parts_dir" "$parts_dir/slices"
  split -b "$PART" -d -a 5 "$FILE" "$parts_dir/slices/" # untimed; the slices stay in the page cache like the file
  start_gateway
  warm_multipart
  local t0 t1 t2
  sync
  t0=$(now)
  id="$(curl -sS --fail-with-body --max-time 30 -X POST "$BASE/$key?action=mpu-create" | jq -r .uploadId)"
  [[ -n "$id" && "$id" != null ]] || die "mpu-create failed"

  local n=0 off=0 len p i
  local -a pids=()
  while ((off < SIZE)); do
    n=$((n + 1))
    len=$((SIZE - off < PART ? SIZE - off : PART))
    # At most $par parts in flight (only our part jobs count, not the gateway or the watchdog).
    while :; do
      local -a live=()
      for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && live+=("$p"); done
      ((${#live[@]} < par)) && break
      wait -n "${live[@]}" || true
    done
    upload_part "$key" "$id" "$n" "$parts_dir/slices/$(printf '%05d' $((n - 1)))" "$parts_dir/$n.json" &
    pids+=($!)
    off=$((off + len))
  done
  local p
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for i in $(seq 1 "$n"); do
    jq -e '.etag | strings' "$parts_dir/$i.json" >/dev/null 2>&1 || die "part $i of $key failed: $(cat "$parts_dir/$i.json")"
  done
  local body
  body="$(for i in $(seq 1 "$n"); do cat "$parts_dir/$i.json"; done | jq -s '{parts: [.[] | {partNumber, etag}]}')"
  t1=$(now)

  # The complete's own row is curl's time_total: the request alone, not the client's jq or process start.
  local complete complete_secs
  complete="$(curl -sS --fail-with-body --max-time "$CURL_MAX" -X POST -H 'Content-Type: application/json' \
    -w '\n%{time_total}' --data-binary "$body" "$BASE/$key?action=mpu-complete&uploadId=$id")" || die "mpu-complete: $complete"
  t2=$(now)
  complete_secs="$(printf "%.3f" "$(tail -n 1 <<<"$complete")")"
  complete="$(sed '$d' <<<"$complete")"

  # Multipart etag: md5 of the concatenated binary part md5s, "-N".
  local expect
  expect="$(jq -r '.parts[].etag' <<<"$body" | tr -d '\n' | xxd -r -p | md5sum | cut -d' ' -f1)-$n"
  [[ "$(jq -r .etag <<<"$complete")" == "$expect" ]] || die "multipart etag $(jq -r .etag <<<"$complete") != $expect"
  [[ "$(jq -r .size <<<"$complete")" == "$SIZE" ]] || die "multipart size mismatch: $complete"

  row "multipart, ${part_mib} MiB parts, $par in flight, + complete" "$SIZE" "$(secs "$t0" "$t2")" "$(kib_to_mib "$(proc_kib VmHWM)")"
  op "mpu-complete of ${SIZE_MIB} MiB in $n parts ($par in flight before)" "$complete_secs" "$(kib_to_mib "$(proc_kib VmHWM)")"
  NOTES+=("multipart $par in flight, ${part_mib} MiB parts: $n parts in $(secs "$t0" "$t1") s ($(mibps "$SIZE" "$(secs "$t0" "$t1")") MiB/s), mpu-complete $complete_secs s (curl's time_total; the first complete of a fresh gateway process)")
  stop_gateway

  # Correctness of the assembled object: its bytes hash to the file's md5 (not timed).
  start_gateway
  local got
  got="$(curl -sS --fail --max-time "$CURL_MAX" "$BASE/$key?action=get" | md5sum | cut -d' ' -f1)"
  [[ "$got" == "$FILE_MD5" ]] || die "GET $key md5 $got != $FILE_MD5"
  log "multipart x$par ok: etag $expect, GET md5 matches"
  stop_gateway
  rm -rf "$parts_dir/slices"
  [[ "$key" == bench/mpu-4-$PART_MIB ]] || remove_object "$key" # the last one stays for the get scenario
}

multipart 2
multipart 2 $((SIZE_MIB / 2)) # two halves in parallel: can both cores hash at once?
if [[ "${BENCH_QUICK:-0}" != 1 ]]; then
multipart 4

# ---------------------------------------------------------------- get
start_gateway
sync
t0=$(now)
read -r code got_size < <(curl -sS --max-time "$CURL_MAX" -o /dev/null -w '%{http_code} %{size_download}\n' \
  "$BASE/bench/mpu-4-$PART_MIB?action=get")
t1=$(now)
[[ "$code" == 200 && "$got_size" == "$SIZE" ]] || die "GET returned $code with $got_size bytes"
row "get (curl -o /dev/null)" "$SIZE" "$(secs "$t0" "$t1")" "$(kib_to_mib "$(proc_kib VmHWM)")"
stop_gateway
fi

# ---------------------------------------------------------------- many parts, listing (filesystem store)
# median_ms <n> <curl args...>: runs the request n times (after one warm-up), prints the median in ms
median_ms() {
  local n=$1; shift
  curl -sS --fail -o /dev/null --max-time 60 "$@" || die "request failed: $*"
  for _ in $(seq 1 "$n"); do
    curl -sS --fail -o /dev/null --max-time 60 -w '%{time_total}\n' "$@"
  done | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", 1000 * a[int((NR + 1) / 2)] }'
}

if [[ "$STORE" == filesystem ]]; then
  MANY="${BENCH_MANY_PARTS:-10000}"
  start_gateway
  id="$(curl -sS --fail-with-body -X POST "$BASE/bench/many-parts?action=mpu-create" | jq -r .uploadId)"
  part_etag="$(python3 "$REPO/bench/populate.py" parts "$DATA" "$id" "$MANY" 5)"
  python3 -c "import json,sys; print(json.dumps({'parts': [{'partNumber': n, 'etag': sys.argv[1]} for n in range(1, int(sys.argv[2]) + 1)]}))" "$part_etag" "$MANY" >"$WORK/many-parts.json"
  expect="$(python3 -c "import hashlib,sys; print(hashlib.md5(bytes.fromhex(sys.argv[1]) * int(sys.argv[2])).hexdigest() + '-' + sys.argv[2])" "$part_etag" "$MANY")"
  sync
  t0=$(now)
  complete="$(curl -sS --fail-with-body --max-time "$CURL_MAX" -X POST -H 'Content-Type: application/json' \
    --data-binary @"$WORK/many-parts.json" "$BASE/bench/many-parts?action=mpu-complete&uploadId=$id")" || die "many-part complete: $complete"
  t1=$(now)
  [[ "$(jq -r .etag <<<"$complete")" == "$expect" ]] || die "many-part etag $(jq -r .etag <<<"$complete") != $expect"
  op "mpu-complete of $MANY parts of 5 MiB ($(jq -r .size <<<"$complete") bytes, sparse)" "$(secs "$t0" "$t1")" "$(kib_to_mib "$(proc_kib VmHWM)")"
  # The last 16 bytes come from the last part, through the manifest.
  tail_bytes="$(curl -sS --fail -r -16 "$BASE/bench/many-parts?action=get" | xxd -p)"
  [[ "$tail_bytes" == 00000000000000000000000000000000 ]] || die "range read of the many-part object: $tail_bytes"
  t0=$(now)
  curl -sS --fail -o /dev/null -X DELETE "$BASE/bench/many-parts?action=delete" || die "delete of the many-part object"
  t1=$(now)
  op "delete of that object (reclaims its $MANY parts)" "$(secs "$t0" "$t1")" "-"
  [[ ! -e "$DATA/parts/$id" ]] || die "the deleted object's parts are still in $DATA/parts/$id"
  # The parts went to trash/ with one rename; the gateway unlinks them in the background.
  t0=$(now)
  for _ in $(seq 1 1200); do [[ -z "$(ls -A "$DATA/trash")" ]] && break; sleep 0.5; done
  [[ -z "$(ls -A "$DATA/trash")" ]] || die "trash/ still holds $(ls "$DATA/trash") 10 minutes after the delete"
  NOTES+=("the deleted many-part object's $MANY part files were unlinked in the background within $(secs "$t0" "$(now)") s after the delete answered")
  stop_gateway

  LIST_N="${BENCH_LIST_OBJECTS:-100000}"
  log "writing $LIST_N objects straight into the root"
  t0=$(now)
  python3 "$REPO/bench/populate.py" objects "$DATA" "$LIST_N" "many/"
  t1=$(now)
  NOTES+=("$LIST_N objects (files and index rows) written by bench/populate.py in $(secs "$t0" "$t1") s (not through the gateway)")
  BALLAST="${BENCH_LIST_BALLAST:-0}"
  if ((BALLAST > 0)); then
    t0=$(now)
    python3 "$REPO/bench/populate.py" rows "$DATA" "$BALLAST" "ballast/"
    NOTES+=("plus $BALLAST index rows under ballast/ without object files, in $(secs "$t0" "$(now)") s: the listings below read $((LIST_N + BALLAST + 1)) index rows' B-tree")
  fi
  sync
  if [[ "${BENCH_INDEX_REBUILD:-1}" == 1 ]]; then
    t0=$(now)
    rebuild_out="$(cd "$WORK/publish" && ASPNETCORE_ENVIRONMENT=Production dotnet R2Gateway.dll index rebuild --Storage:FileSystem:Root="$DATA" 2>&1)" \
      || die "index rebuild: $rebuild_out"
    t1=$(now)
    indexed="$(grep -o 'Indexed [0-9]* objects' <<<"$rebuild_out" | cut -d' ' -f2)"
    ((${indexed:-0} >= LIST_N)) || die "index rebuild did not index them all: $rebuild_out"
    op "index rebuild of $indexed objects (dotnet R2Gateway.dll index rebuild, incl. startup)" "$(secs "$t0" "$t1")" "-"
  fi
  start_gateway
  curl -sS --fail -o /dev/null -T - -H 'Content-Type: application/octet-stream' "$BASE/needle/one?action=put" <<<"x"
  first="$(curl -sS --fail "$BASE/?action=list&prefix=many/&limit=1000")"
  [[ "$(jq '.objects | length' <<<"$first")" == 1000 && "$(jq -r .truncated <<<"$first")" == true ]] || die "list page: $(head -c 300 <<<"$first")"
  cursor="$(jq -r .cursor <<<"$first")"
  op "list: first 1,000-key page among $((LIST_N + BALLAST)) index rows (median of 5)" "$(awk -v m="$(median_ms 5 "$BASE/?action=list&prefix=many/&limit=1000")" 'BEGIN { printf "%.3f", m / 1000 }')" "-"
  op "list: a following 1,000-key page (cursor) (median of 5)" "$(awk -v m="$(median_ms 5 "$BASE/?action=list&prefix=many/&limit=1000&cursor=$cursor")" 'BEGIN { printf "%.3f", m / 1000 }')" "-"
  one="$(curl -sS --fail "$BASE/?action=list&prefix=needle/")"
  [[ "$(jq -c '[.objects[].key]' <<<"$one")" == '["needle/one"]' ]] || die "one-key prefix: $one"
  op "list: a prefix holding one key among $((LIST_N + BALLAST)) index rows (median of 5)" "$(awk -v m="$(median_ms 5 "$BASE/?action=list&prefix=needle/")" 'BEGIN { printf "%.3f", m / 1000 }')" "-"
  op "list: delimiter / at the root, 2 prefixes (median of 5)" "$(awk -v m="$(median_ms 5 "$BASE/?action=list&prefix=&delimiter=/")" 'BEGIN { printf "%.3f", m / 1000 }')" "$(kib_to_mib "$(proc_kib VmHWM)")"
  stop_gateway
fi

fi # BENCH_HOT_ONLY

# ---------------------------------------------------------------- report
{
  echo "### R2Gateway benchmark — $(date -u '+%Y-%m-%d %H:%M UTC') — ${SIZE_MIB} MiB — gateway args: ${LABEL} — ${SOURCE}"
  echo
  echo "| scenario | seconds | MiB/s | × md5sum | gateway peak RSS (MiB) |"
  echo "|---|---:|---:|---:|---:|"
  for r in "${ROWS[@]}"; do
    IFS='|' read -r name bytes s rss <<<"$r"
    echo "| $name | $s | $(mibps "$bytes" "$s") | $(awk -v a="$MD5_SECS" -v b="$s" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') | $rss |"
  done
  echo
  if ((${#HOT[@]})); then
    echo
    echo "Hot paths (issue 10): medians of ${ROUNDS} interleaved rounds; each figure as a ratio to its anchor."
    echo
    echo "| scenario | seconds | MiB/s | × anchor | CPU-s per GiB | peak RSS (MiB) |"
    echo "|---|---:|---:|---:|---:|---:|"
    for r in "${HOT[@]}"; do
      IFS='|' read -r name bytes s c rss anchor as <<<"$r"
      ratio="-"; [[ "$anchor" == - ]] || ratio="$(awk -v a="$as" -v b="$s" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') × $anchor"
      echo "| $name | $s | $(mibps "$bytes" "$s") | $ratio | $c | $rss |"
    done
  fi
  if ((${#WRK[@]})); then
    echo
    echo "4 KiB requests, 64 connections, ${WRK_SECS} s × ${WRK_ROUNDS} interleaved rounds (median): GET and PUT with \`wrk -t2 -c64\` (PUT to a new key each time), HEAD with \`ab -i -k -c64\`; the gateway (request log on, Fsync=false, no rate limit) against nginx (static file; WebDAV PUT)."
    echo
    echo "| request | nginx req/s | gateway req/s | × nginx | nginx p99 ms | gateway p99 ms | p99 × nginx |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for op in get head put; do
      n_r="$(printf '%s\n' "${WRK[@]}" | awk -F'|' -v l="nginx-$op" '$1 == l { print $2 }' | median)"
      n_p="$(printf '%s\n' "${WRK[@]}" | awk -F'|' -v l="nginx-$op" '$1 == l { print $3 }' | median)"
      g_r="$(printf '%s\n' "${WRK[@]}" | awk -F'|' -v l="gw-$op" '$1 == l { print $2 }' | median)"
      g_p="$(printf '%s\n' "${WRK[@]}" | awk -F'|' -v l="gw-$op" '$1 == l { print $3 }' | median)"
      echo "| ${op^^} | $n_r | $g_r | $(awk -v a="$g_r" -v b="$n_r" 'BEGIN { printf "%.2f", a / b }') | $n_p | $g_p | $(awk -v a="$g_p" -v b="$n_p" 'BEGIN { printf "%.2f", a / b }') |"
    done
    echo
    echo "wrk rounds (label|req/s|p99 ms): $(printf '%s ' "${WRK[@]}")"
  fi
  echo
  echo "- peak RSS = VmHWM of the dotnet process; the gateway is restarted before each scenario (RSS right after startup: ${START_RSS} MiB)."
  echo "- \`sync\` runs (untimed) before each scenario; the test file stays in the page cache throughout."
  echo "- multipart time = mpu-create + all parts + mpu-complete; each part is sent with curl -T from its slice of the file (split beforehand, untimed), into a gateway warmed with three 64 MiB parts (from a file, as the timed parts) into an aborted upload, 1 s apart, for the JIT."
  if ((${#OPS[@]})); then
    echo
    echo "| operation | seconds | gateway peak RSS (MiB) |"
    echo "|---|---:|---:|"
    for r in "${OPS[@]}"; do
      IFS='|' read -r name s rss <<<"$r"
      echo "| $name | $s | $rss |"
    done
    echo
  fi
  for note in "${NOTES[@]}"; do echo "- $note"; done
  echo "- machine: $(nproc) cores, $(free -h | awk '/^Mem:/ { print $2 }') RAM; temp dir on $(df -h "$WORK" | awk 'NR == 2 { print $1 " (" $2 ")" }')."
  echo "- load average (1/5/15 min) at start: ${LOAD_START}; at end: $(cut -d' ' -f1-3 /proc/loadavg); CPU busy in the second before the run: ${BUSY_START}%."
  echo "- checks passed: single put etag = md5sum; the sha256 put's checksums.sha256 = sha256sum; multipart etags = md5 of part md5s; GET of each multipart object hashes to the file's md5."
} >"$WORK/report.md"

mkdir -p "$REPO/bench/results"
cp "$WORK/report.md" "$REPO/bench/results/latest.md"
cat "$WORK/report.md"
