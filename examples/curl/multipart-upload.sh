#!/usr/bin/env bash
# A multipart upload with curl and jq: create, split the file, send the parts in parallel, complete.
# Usage: GW=http://127.0.0.1:8787 ./multipart-upload.sh FILE [KEY] [PART_MIB] [JOBS]
# Prints the gateway's answer {"key", "size", "etag"}.
set -euo pipefail

GW=${GW:-http://127.0.0.1:8787}
file=$1
key=${2:-$(basename "$file")}
part_mib=${3:-8} # every part but the last must be at least 5 MiB
jobs=${4:-4}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The key is the URL path: each segment percent-encoded, slashes kept.
path=$(jq -rn --arg key "$key" '$key | split("/") | map(@uri) | join("/")')
url="$GW/$path"

# 1. create: the answer is {"key", "uploadId"}; metadata headers sent here stay with the object
upload_id=$(curl -sS --fail-with-body -X POST -H "Content-Type: ${CONTENT_TYPE:-application/octet-stream}" \
  "$url?action=mpu-create" | jq -r .uploadId)
echo "upload $upload_id: $file -> $key in ${part_mib} MiB parts, $jobs at a time" >&2

# 2. parts: part.00000 is part 1; each answer {"partNumber", "etag"} is kept next to its part.
#    -T streams the file; --retry sends a part again on 5xx, 429 and dropped connections.
split -b "${part_mib}M" -d -a 5 "$file" "$work/part."
upload_part() {
  local part=$1
  local number=$((10#${part##*.} + 1))
  curl -sS --fail-with-body --retry 5 --retry-all-errors -T "$part" -o "$part.json" \
    "$url?action=mpu-uploadpart&uploadId=$(jq -rn --arg id "$upload_id" '$id | @uri')&partNumber=$number" ||
    { [ -s "$part.json" ] && { cat "$part.json"; echo; } >&2; return 1; }
}
export -f upload_part
export url upload_id
if ! printf '%s\n' "$work"/part.????? | xargs -P "$jobs" -I{} bash -c 'upload_part "$1"' _ {}; then
  echo "a part failed; send it again, or drop the upload with:" >&2
  echo "  curl -X DELETE '$url?action=mpu-abort&uploadId=$upload_id'" >&2
  exit 1
fi

# 3. complete with every part's etag, in order: the answer's etag is "<md5 of the part md5s>-<parts>"
jq -s '{parts: sort_by(.partNumber)}' "$work"/part.?????.json |
  curl -sS --fail-with-body -X POST -H 'Content-Type: application/json' --data-binary @- \
    "$url?action=mpu-complete&uploadId=$(jq -rn --arg id "$upload_id" '$id | @uri')"
echo
