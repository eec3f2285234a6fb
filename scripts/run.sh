#!/usr/bin/env bash
# The one command that runs Redress on its embedded default: SQLite in ./data, demo data loaded,
# the demo log-ins printed, serving on http://127.0.0.1:8080 (override with --port, --data, REDRESS_*).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
dpkg -s libsqlite3-dev >/dev/null 2>&1 || missing+=(libsqlite3-dev)  # GRDB links the system SQLite
dpkg -s zlib1g-dev >/dev/null 2>&1 || missing+=(zlib1g-dev)          # ZIPFoundation (dossiers) links zlib
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
swift build -c release --product redress
exec "$(swift build -c release --show-bin-path)/redress" serve --demo "$@"
