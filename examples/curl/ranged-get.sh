#!/usr/bin/env bash
# Reads bytes FIRST..LAST (inclusive, as in an HTTP Range) of an object into OUT.
# Usage: GW=http://127.0.0.1:8787 ./ranged-get.sh KEY FIRST LAST [OUT]
set -euo pipefail

GW=${GW:-http://127.0.0.1:8787}
key=$1
first=$2
last=$3
out=${4:-$(basename "$key").range}
path=$(jq -rn --arg key "$key" '$key | split("/") | map(@uri) | join("/")')

# 206 with the bytes asked for; 416 when the object is shorter than FIRST, 404 when there is none
# (the problem+json answer goes to stderr).
if ! status=$(curl -sS --fail-with-body -H "Range: bytes=$first-$last" -o "$out" -w '%{http_code}' "$GW/$path?action=get"); then
  [ -s "$out" ] && { cat "$out"; echo; } >&2
  rm -f "$out"
  exit 1
fi
if [ "$status" != 206 ]; then
  echo "expected 206 Partial Content, got $status" >&2
  exit 1
fi
echo "$(wc -c <"$out") bytes ($first-$last) of $key -> $out" >&2
