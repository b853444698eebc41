#!/usr/bin/env bash
# What the request log and the OpenTelemetry instrumentation cost on small GETs: wrk against a 4 KiB
# object with each of them on and off, interleaved in rounds so a busy machine's drift hits every
# configuration alike. Usage: bash bench/observability.sh [seconds per run, default 8] [rounds, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-8}; rounds=${2:-2}
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"; $sudo apt-get install -y -qq wrk >/dev/null; }
dotnet build -c Release src/R2Gateway -v q -nologo >/dev/null
dll=src/R2Gateway/bin/Release/net10.0/R2Gateway.dll
work=$(mktemp -d); trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
head -c 4096 /dev/urandom > "$work/obj"

declare -A config=(
  [log+otel]=""
  [log]="--Telemetry:Enabled=false"
  [otel]="--Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware=Warning"
  [none]="--Telemetry:Enabled=false --Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware=Warning"
)
order=(log+otel log otel none)
echo "| round | configuration | req/s | p99 ms |"
echo "|---|---|---:|---:|"
for round in $(seq "$rounds"); do
  for name in "${order[@]}"; do
    # Production environment: JSON log lines, as deployed; the log goes to a file, as a container's would.
    ASPNETCORE_ENVIRONMENT=Production dotnet "$dll" --Urls="http://127.0.0.1:$port" --Storage:FileSystem:Root="$work/data" \
      --Storage:FileSystem:Fsync=false --Limits:RequestsPerWindow=0 ${config[$name]} > "$work/gateway.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    curl -sf -X PUT --data-binary @"$work/obj" "http://127.0.0.1:$port/bench/obj?action=put" >/dev/null
    wrk -t2 -c64 -d2s "http://127.0.0.1:$port/bench/obj?action=get" >/dev/null   # warm-up: JIT, tiered compilation
    out=$(wrk -t2 -c64 -d"${secs}s" --latency "http://127.0.0.1:$port/bench/obj?action=get")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub("us","",v); v=v/1000} else if (v ~ /ms$/) {sub("ms","",v)} else if (v ~ /s$/) {sub("s","",v); v=v*1000}; print v}' <<<"$out")
    echo "| $round | $name | $rps | $p99 |"
    kill $pid; wait $pid 2>/dev/null || true
  done
done
