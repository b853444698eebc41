#!/usr/bin/env bash
# Installs what the test suites need on a fresh machine of this project's kind (Debian with the
# .NET 10 SDK). Idempotent: it only installs what is missing.
set -euo pipefail

need_apt=()
command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required (https://dot.net)" >&2; exit 1; }
# The Worker example's own Python client runs in the tests.
python3 -c 'import requests' 2>/dev/null || need_apt+=(python3 python3-requests)

if [ ${#need_apt[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi
