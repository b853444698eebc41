#!/usr/bin/env bash
# The S3 endpoint against the Worker API: the same file uploaded with `aws s3 cp` to the gateway's S3
# endpoint, with curl to the Worker API (one put), and with `r2gw upload` to the Worker API in the aws
# CLI's shape (8 MiB parts, 10 in flight), interleaved on one gateway build, filesystem store, tokens
# on (SigV4 verified).
#
#   bash bench/s3.sh                       # 1 GiB, 2 rounds
#   BENCH_SIZE_MIB=256 BENCH_ROUNDS=3 bash bench/s3.sh
#   bash bench/s3.sh --Storage:FileSystem:Fsync=false   # extra args go to the gateway
#
# Environment: BENCH_SIZE_MIB (1024), BENCH_ROUNDS (2), BENCH_TMP (temp dir parent), BENCH_KEEP=1,
# BENCH_SCENARIOS ("worker-put worker-r2gw s3-cp"; also s3-cp-no-crc: the CLI without its default CRC32).
# Each upload gets a fresh gateway (same data root), so its peak RSS (VmHWM) is that upload's alone.
# The aws CLI runs with its defaults (8 MiB parts, 10 in flight, CRC32 checksums; over plain http it
# SHA-256-signs every part body, which the gateway verifies).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZE_MIB="${BENCH_SIZE_MIB:-1024}"
ROUNDS="${BENCH_ROUNDS:-2}"
GATEWAY_ARGS=("$@")
for tool in dotnet curl jq aws python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: '$tool' is required" >&2; exit 2; }
done

WORK="$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/r2gw-bench-s3.XXXXXX")"
DATA="$WORK/data"
mkdir -p "$DATA" "$WORK/publish" "$WORK/cli"
GW_PID=""
log() { echo "[bench/s3] $*" >&2; }
die() { log "FAIL: $*"; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
stop_gateway() {
  if [[ -n "$GW_PID" ]] && kill -0 "$GW_PID" 2>/dev/null; then kill "$GW_PID"; wait "$GW_PID" 2>/dev/null || true; fi
  GW_PID=""
}
cleanup() {
  stop_gateway
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

log "publishing Release build of the working tree"
mkdir -p "$WORK/src/src"
cp "$REPO"/Directory.*.props "$REPO/appsettings.json" "$REPO/.editorconfig" "$WORK/src/"
for f in global.json nuget.config NuGet.Config; do [[ -f "$REPO/$f" ]] && cp "$REPO/$f" "$WORK/src/"; done
tar -C "$REPO/src" --exclude=bin --exclude=obj -cf - R2Gateway | tar -C "$WORK/src/src" -xf -
timeout 600 dotnet publish "$WORK/src/src/R2Gateway" -c Release -o "$WORK/publish" --nologo -v quiet \
  --disable-build-servers -nodeReuse:false >"$WORK/publish.log" 2>&1 || { cat "$WORK/publish.log" >&2; die "dotnet publish failed"; }
tar -C "$REPO/src" --exclude=bin --exclude=obj -cf - R2Gateway.Cli | tar -C "$WORK/src/src" -xf -
timeout 600 dotnet publish "$WORK/src/src/R2Gateway.Cli" -c Release -o "$WORK/cli" --nologo -v quiet \
  --disable-build-servers -nodeReuse:false >"$WORK/publish-cli.log" 2>&1 || { cat "$WORK/publish-cli.log" >&2; die "dotnet publish of r2gw failed"; }

# A token with S3 keys, made as a user makes one.
CREATED="$(cd "$WORK/publish" && dotnet R2Gateway.dll token create --name bench --prefix "" --can read --can write --can delete --json \
  --Storage:FileSystem:Root="$DATA" | sed -n '/^{/,$p')"
TOKEN="$(jq -r .token <<<"$CREATED")"
export AWS_ACCESS_KEY_ID="$(jq -r .accessKeyId <<<"$CREATED")"
export AWS_SECRET_ACCESS_KEY="$(jq -r .secretAccessKey <<<"$CREATED")"
export AWS_DEFAULT_REGION=auto AWS_CONFIG_FILE="$WORK/no-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/no-credentials"
# The config entry as --Auth:Tokens:0:… arguments (this token's one prefix is "", every key).
TOKEN_ARGS=("--Auth:Tokens:0:Prefixes:0=")
for field in Name Hash AccessKeyId SecretAccessKey; do
  TOKEN_ARGS+=("--Auth:Tokens:0:$field=$(jq -r ".config.$field" <<<"$CREATED")")
done
i=0; for c in $(jq -r '.config.Can[]' <<<"$CREATED"); do TOKEN_ARGS+=("--Auth:Tokens:0:Can:$i=$c"); i=$((i+1)); done

start_gateway() {
  PORT="$(free_port)"; S3PORT="$(free_port)"
  BASE="http://127.0.0.1:$PORT"; S3="http://127.0.0.1:$S3PORT"
  ( cd "$WORK/publish" && exec env ASPNETCORE_ENVIRONMENT=Production dotnet R2Gateway.dll --Urls="$BASE" --S3Api:Urls="$S3" \
    --Storage:FileSystem:Root="$DATA" --Limits:RequestsPerWindow=0 "${TOKEN_ARGS[@]}" "${GATEWAY_ARGS[@]}" ) >>"$WORK/gateway.log" 2>&1 &
  GW_PID=$!
  for _ in $(seq 1 300); do
    kill -0 "$GW_PID" 2>/dev/null || { tail -n 30 "$WORK/gateway.log" >&2; die "gateway exited during startup"; }
    curl -fsS --max-time 2 "$BASE/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "gateway did not answer /healthz within 30 s"
}
hwm_mib() { awk '$1 == "VmHWM:" { printf "%.0f", $2 / 1024 }' "/proc/$GW_PID/status"; }
now() { date +%s.%N; }

FILE="$WORK/file.bin"
log "writing a ${SIZE_MIB} MiB test file"
dd if=/dev/urandom of="$FILE" bs=1M count="$SIZE_MIB" status=none
MD5="$(md5sum "$FILE" | cut -d' ' -f1)"

# CPU seconds (user + system) the gateway has used so far
gw_cpu() { awk -v t="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / t }' "/proc/$GW_PID/stat"; }

# run <name>: one upload on a fresh gateway; prints "name seconds MiB/s peakRSS gatewayCPU clientCPU"
run() {
  local name="$1" start end cpu0
  start_gateway
  cpu0="$(gw_cpu)"
  start="$(now)"
  case "$name" in
    worker-put)
      /usr/bin/time -f "%U %S" -o "$WORK/client-cpu" \
        curl -fsS --max-time 900 -o /dev/null -H "Authorization: Bearer $TOKEN" -T "$FILE" "$BASE/bench/worker.bin?action=put" ;;
    worker-r2gw)  # our CLI through the Worker API, in the aws CLI's shape
      R2GW_ENDPOINT="$BASE" R2GW_TOKEN="$TOKEN" /usr/bin/time -f "%U %S" -o "$WORK/client-cpu" \
        dotnet "$WORK/cli/r2gw.dll" upload "$FILE" bench/r2gw.bin --part-size 8MiB --concurrency 10 --no-resume >/dev/null ;;
    s3-cp)
      /usr/bin/time -f "%U %S" -o "$WORK/client-cpu" \
        aws --endpoint-url "$S3" s3 cp "$FILE" s3://r2gateway/bench/s3.bin --only-show-errors ;;
    s3-cp-no-crc)  # the same without the CRC32 the CLI adds by default (the SHA-256 of the payload stays)
      AWS_REQUEST_CHECKSUM_CALCULATION=when_required /usr/bin/time -f "%U %S" -o "$WORK/client-cpu" \
        aws --endpoint-url "$S3" s3 cp "$FILE" s3://r2gateway/bench/s3-no-crc.bin --only-show-errors ;;
  esac
  end="$(now)"
  local rss cpu client
  rss="$(hwm_mib)"
  cpu="$(awk -v a="$cpu0" -v b="$(gw_cpu)" 'BEGIN { printf "%.1f", b - a }')"
  client="$(awk '{ printf "%.1f", $1 + $2 }' "$WORK/client-cpu")"
  stop_gateway
  awk -v n="$name" -v s="$start" -v e="$end" -v m="$SIZE_MIB" -v r="$rss" -v c="$cpu" -v k="$client" \
    'BEGIN { printf "%s %.2f %.1f %s %s %s\n", n, e - s, m / (e - s), r, c, k }'
}

RESULTS="$WORK/results.txt"
for round in $(seq 1 "$ROUNDS"); do
  log "round $round/$ROUNDS (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  for scenario in ${BENCH_SCENARIOS:-worker-put worker-r2gw s3-cp}; do
    run "$scenario" | tee -a "$RESULTS" >&2
  done
done

# Both stored the same bytes.
start_gateway
got="$(curl -fsS -H "Authorization: Bearer $TOKEN" "$BASE/bench/s3.bin?action=get" | md5sum | cut -d' ' -f1)"
stop_gateway
[[ "$got" == "$MD5" ]] || die "the object uploaded with aws s3 cp reads back as $got, not $MD5"

echo
echo "## S3 endpoint vs Worker API, ${SIZE_MIB} MiB, $ROUNDS rounds (A/B interleaved), load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
echo
echo "| scenario | run | seconds | MiB/s | gateway peak RSS MiB | gateway CPU s | client CPU s |"
echo "|---|---|---|---|---|---|---|"
awk '{ c[$1]++; printf "| %s | %d | %s | %s | %s | %s | %s |\n", $1, c[$1], $2, $3, $4, $5, $6 }' "$RESULTS"
awk '{ t[$1] += $2; r[$1] = (r[$1] > $4 ? r[$1] : $4) }
  END {
    if (t["s3-cp"] == 0) exit
    printf "\n"
    if (t["worker-put"] > 0) printf "ratio aws s3 cp ÷ one Worker API put (MiB/s, summed times): %.2f; peak RSS: S3 %s MiB, Worker API put %s MiB\n", t["worker-put"] / t["s3-cp"], r["s3-cp"], r["worker-put"]
    if (t["worker-r2gw"] > 0) printf "ratio aws s3 cp ÷ r2gw upload, the same multipart shape (MiB/s, summed times): %.2f; peak RSS: S3 %s MiB, r2gw %s MiB\n", t["worker-r2gw"] / t["s3-cp"], r["s3-cp"], r["worker-r2gw"]
  }' "$RESULTS"
