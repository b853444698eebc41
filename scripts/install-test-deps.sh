#!/usr/bin/env bash
# Installs what the test suites need on a fresh machine of this project's kind (Debian with the
# .NET 10 SDK). Idempotent: it only installs what is missing.
set -euo pipefail

command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required (https://dot.net)" >&2; exit 1; }

need=()
# The Worker example's own Python client, and boto3 / the aws CLI as independent S3 clients.
python3 -c 'import requests' 2>/dev/null || need+=(python3 python3-requests)
python3 -c 'import boto3' 2>/dev/null || need+=(python3-boto3)
command -v aws >/dev/null || need+=(awscli)
# The Prometheus project's text-format parser, which the metrics tests read /metrics with.
dpkg -s python3-prometheus-client >/dev/null 2>&1 || need+=(python3-prometheus-client)
# rclone as a third S3 client of the gateway's S3 endpoint.
command -v rclone >/dev/null || need+=(rclone)
# s3cmd as a fourth S3 client.
command -v s3cmd >/dev/null || need+=(s3cmd)
# A real S3 server for the S3 store's tests: Ceph radosgw on a throwaway one-node cluster.
# Headless Chromium for the upload page's browser tests (driven by Playwright, no browser download).
[ -x /usr/lib/chromium/chromium ] || need+=(chromium)
# jq: the curl recipes in examples/curl use it, and the tests run them.
command -v jq >/dev/null || need+=(jq)
# npm builds the upload page (Uppy).
command -v npm >/dev/null || need+=(npm)
for tool in ceph-mon:ceph-mon ceph-osd:ceph-osd radosgw:radosgw ceph:ceph-common uuidgen:uuid-runtime openssl:openssl curl:curl; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool##*:}")
done

if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Miniflare (Cloudflare's workerd runtime and its R2 simulator, workerd shipped as a binary inside
# the npm package) runs the Worker example as the oracle of the differential tests. The version is
# pinned by the lock file; reinstalled only when the lock file changed.
oracle="$(cd "$(dirname "$0")/.." && pwd)/tests/R2Gateway.FunctionalTests/Oracle/worker"
if ! cmp -s "$oracle/package-lock.json" "$oracle/node_modules/.r2gw-lock"; then
  echo "installing Miniflare (npm ci in $oracle)"
  (cd "$oracle" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$oracle/package-lock.json" "$oracle/node_modules/.r2gw-lock"
fi

# The AWS SDK for JavaScript v3 (client-s3, lib-storage) as an S3 client, pinned by its lock file.
s3node="$(cd "$(dirname "$0")/.." && pwd)/tests/R2Gateway.FunctionalTests/S3Api/node"
if ! cmp -s "$s3node/package-lock.json" "$s3node/node_modules/.r2gw-lock"; then
  echo "installing the AWS SDK for JavaScript (npm ci in $s3node)"
  (cd "$s3node" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$s3node/package-lock.json" "$s3node/node_modules/.r2gw-lock"
fi
