#!/usr/bin/env bash
# A single PUT (up to 5 GiB), checked against the file's MD5, which is the object's etag.
# Usage: GW=http://127.0.0.1:8787 ./put.sh FILE [KEY]     (CONTENT_TYPE=image/png to set the type)
# Prints the gateway's answer {"key", "size", "etag"}.
set -euo pipefail

GW=${GW:-http://127.0.0.1:8787}
file=$1
key=${2:-$(basename "$file")}
path=$(jq -rn --arg key "$key" '$key | split("/") | map(@uri) | join("/")')

answer=$(curl -sS --fail-with-body -T "$file" -H "Content-Type: ${CONTENT_TYPE:-application/octet-stream}" "$GW/$path?action=put")
echo "$answer"

local_md5=$(md5sum <"$file" | cut -d' ' -f1)
if [ "$(jq -r .etag <<<"$answer")" != "$local_md5" ]; then
  echo "etag mismatch: the gateway stored $(jq -r .etag <<<"$answer"), the file's MD5 is $local_md5" >&2
  exit 1
fi
