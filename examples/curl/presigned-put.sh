#!/usr/bin/env bash
# Asks the gateway for a presigned PUT URL, then uploads with it: the URL carries its own authority,
# so whoever holds it (a browser, another machine) can upload this one key until it expires.
# Usage: GW=http://127.0.0.1:8787 ./presigned-put.sh FILE [KEY] [EXPIRES_SECONDS]
set -euo pipefail

GW=${GW:-http://127.0.0.1:8787}
file=$1
key=${2:-$(basename "$file")}
expires=${3:-900}
path=$(jq -rn --arg key "$key" '$key | split("/") | map(@uri) | join("/")')

# 1. presign: {"url", "method", "expiresAt", "headers"}
answer=$(jq -n --argjson expires "$expires" --arg type "${CONTENT_TYPE:-}" \
  '{method: "PUT", expiresIn: $expires} + (if $type == "" then {} else {contentType: $type} end)' |
  curl -sS --fail-with-body -X POST -H 'Content-Type: application/json' --data-binary @- "$GW/$path?action=presign")
url=$(jq -r .url <<<"$answer")
echo "presigned until $(jq -r .expiresAt <<<"$answer")" >&2

# 2. PUT to the URL with exactly the headers the answer lists (e.g. the Content-Type it was signed for)
headers=()
while IFS= read -r header; do
  headers+=(-H "$header")
done < <(jq -r '.headers // {} | to_entries[] | "\(.key): \(.value)"' <<<"$answer")
curl -sS --fail-with-body -T "$file" "${headers[@]}" "$url"
echo
