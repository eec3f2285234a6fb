#!/usr/bin/env bash
# One sweeper pass over 10,000 due timers among 1,000,000 open cases, run by the release `redress` binary
# (`redress sweep --at`, timed inside the process around the pass, store already open).
#
# The store is the one the sweep benchmark builds once in .build-bench/sweep-1m: 1,000,000 open cases filed
# 10 ms apart from 2026-11-29T08:00:00Z, so each case's first timer (its first-response reminder, 18 h after
# filing) falls in a 100 s window with 9,999 others. Each round sweeps the next window not yet swept.
#   ROUNDS=10 scripts/load/sweep.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=.build-bench/sweep-1m
ROUNDS=${ROUNDS:-10}
if [ ! -f "$DIR/redress.sqlite" ]; then
  REDRESS_BENCHMARKS=1 swift package --scratch-path .build-bench benchmark --target RedressBenchmarks --filter "sweep:.*"
fi
swift build -c release --scratch-path .build-bench --product redress >/dev/null
BIN=.build-bench/release/redress
for _ in $(seq "$ROUNDS"); do
  at=$(python3 - "$DIR/redress.sqlite" <<'PY'
import sqlite3, sys, datetime
db = sqlite3.connect(sys.argv[1])
start_ms = 1_795_939_200_000 + 18 * 3600 * 1000
(due,) = db.execute("SELECT MIN(sweep_due_at_ms) FROM complaints WHERE sweep_due_at_ms >= ?", (start_ms,)).fetchone()
window = (due - start_ms) // 100_000
end_ms = start_ms + (window + 1) * 100_000 - 5
print(datetime.datetime.fromtimestamp(end_ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
PY
)
  "$BIN" sweep --data "$DIR" --at "$at"
done
