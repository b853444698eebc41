#!/usr/bin/env bash
# What the request log and the OpenTelemetry instrumentation cost on small GETs: wrk against a 4 KiB
# object with each of them on and off. A single run on these shared 2-core machines moves by ±15 %, so
# the configurations run in rounds whose order reverses every round (A B C D, D C B A, …), and the
# summary compares medians: req/s, and the gateway's own CPU time per request (utime + stime from
# /proc, which wrk's share of the cores does not blur).
# Usage: bash bench/observability.sh [seconds per run, default 6] [rounds, default 6]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-6}; rounds=${2:-6}
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"; $sudo apt-get install -y -qq wrk >/dev/null; }
dotnet build -c Release src/R2Gateway -v q -nologo >/dev/null
dll=src/R2Gateway/bin/Release/net10.0/R2Gateway.dll
work=$(mktemp -d); pid=""; trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
head -c 4096 /dev/urandom > "$work/obj"
ticks=$(getconf CLK_TCK)

declare -A config=(
  [log+otel]=""
  [log]="--Telemetry:Enabled=false"
  [otel]="--Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware=Warning"
  [none]="--Telemetry:Enabled=false --Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware=Warning"
)
order=(log+otel log otel none)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
echo "| round | configuration | req/s | p99 ms | gateway CPU µs/request |"
echo "|---|---|---:|---:|---:|"
for round in $(seq "$rounds"); do
  names=("${order[@]}")
  (( round % 2 == 0 )) && names=(none otel log log+otel)
  for name in "${names[@]}"; do
    ASPNETCORE_ENVIRONMENT=Production dotnet "$dll" --Urls="http://127.0.0.1:$port" --Storage:FileSystem:Root="$work/data" \
      --Storage:FileSystem:Fsync=false --Limits:RequestsPerWindow=0 ${config[$name]} > "$work/gateway.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    curl -sf -X PUT --data-binary @"$work/obj" "http://127.0.0.1:$port/bench/obj?action=put" >/dev/null
    # Warm-up: tiered compilation is still promoting methods for about 10 s under this load, and its
    # background compiles take CPU from the requests.
    wrk -t2 -c64 -d12s "http://127.0.0.1:$port/bench/obj?action=get" >/dev/null
    before=$(cpu $pid)
    out=$(wrk -t2 -c64 -d"${secs}s" --latency "http://127.0.0.1:$port/bench/obj?action=get")
    after=$(cpu $pid)
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub("us","",v); v=v/1000} else if (v ~ /ms$/) {sub("ms","",v)} else if (v ~ /s$/) {sub("s","",v); v=v*1000}; print v}' <<<"$out")
    us=$(awk -v t=$((after - before)) -v n="$requests" -v hz="$ticks" 'BEGIN {printf "%.0f", t / hz * 1e6 / n}')
    echo "| $round | $name | $rps | $p99 | $us |" | tee -a "$work/rows"
    kill $pid; wait $pid 2>/dev/null || true; pid=""
  done
done
echo
echo "Medians over $rounds rounds:"
echo
echo "| configuration | req/s | p99 ms | gateway CPU µs/request |"
echo "|---|---:|---:|---:|"
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
declare -A rps_med us_med
for name in "${order[@]}"; do
  rows=$(awk -F'|' -v n=" $name " '$3 == n' "$work/rows")
  rps_med[$name]=$(awk -F'|' '{print $4}' <<<"$rows" | median)
  us_med[$name]=$(awk -F'|' '{print $6}' <<<"$rows" | median)
  echo "| $name | ${rps_med[$name]} | $(awk -F'|' '{print $5}' <<<"$rows" | median) | ${us_med[$name]} |"
done
cost() { awk -v on="$1" -v off="$2" -v on_us="$3" -v off_us="$4" \
  'BEGIN {printf "%+.1f %% req/s, %+.1f %% CPU per request", (on / off - 1) * 100, (on_us / off_us - 1) * 100}'; }
echo
echo "- OpenTelemetry, request log on: $(cost "${rps_med[log+otel]}" "${rps_med[log]}" "${us_med[log+otel]}" "${us_med[log]}")"
echo "- OpenTelemetry, request log off: $(cost "${rps_med[otel]}" "${rps_med[none]}" "${us_med[otel]}" "${us_med[none]}")"
echo "- request log, OpenTelemetry on: $(cost "${rps_med[log+otel]}" "${rps_med[otel]}" "${us_med[log+otel]}" "${us_med[otel]}")"
