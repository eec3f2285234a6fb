#!/usr/bin/env bash
# The one command that runs Redress on its embedded default: SQLite in ./data, demo data loaded,
# the demo log-ins printed, serving on http://127.0.0.1:8080 (override with --port, --data, REDRESS_*).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! dpkg -s libsqlite3-dev >/dev/null 2>&1; then
  echo "installing libsqlite3-dev (GRDB links the system SQLite)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsqlite3-dev >/dev/null
fi
swift build -c release --product redress
exec "$(swift build -c release --show-bin-path)/redress" serve --demo "$@"
