#!/usr/bin/env bash
# Load test of release servers on PostgreSQL, on this machine (loopback only): POST /complaints at 32 connections
# against one server, then against two servers sharing the database (16 connections each, at the same time).
#   scripts/load/postgres.sh
#   DURATION=30 SCRATCH=.build-bench scripts/load/postgres.sh
# A throw-away PostgreSQL cluster is started (scripts/postgres.sh) and removed afterwards.
# Figures go in BENCHMARKS.md with the date and the machine.
set -euo pipefail
export REDRESS_METRICS_TOKEN="${REDRESS_METRICS_TOKEN:-load-script-metrics-token}"  # /health names the case count with it
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-20}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

SCRATCH=${SCRATCH:-.build}
swift build -c release --scratch-path "$SCRATCH" --product redress
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/redress
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

PGDIR=$(mktemp -d)
DATA=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  scripts/postgres.sh stop "$PGDIR" 2>/dev/null || true
  rm -rf "$PGDIR" "$DATA"
}
trap cleanup EXIT
PGURL=$(scripts/postgres.sh start "$PGDIR" "$(free_port)")
DB="${PGURL%/postgres}/redress_load"
psql "$PGURL" -qc "CREATE DATABASE redress_load"

serve() {  # serve PORT: a server on the shared database, its pid appended to PIDS
  REDRESS_LOG_LEVEL=warning "$BIN" serve --data "$DATA" --database "$DB" --port "$1" >> "$DATA/server-$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$1/health" >/dev/null && return; sleep 0.1; done
  echo "server did not start"; cat "$DATA/server-$1.log"; exit 1
}

A=$(free_port)
serve "$A"
source scripts/load/members.sh
load_members "http://127.0.0.1:$A"

echo "== one server on PostgreSQL: POST /api/v1/complaints, 32 connections, ${DURATION}s"
wrk -t2 -c32 -d"${DURATION}s" --latency -s scripts/load/post_complaints.lua "http://127.0.0.1:$A" -- "${TOKENS[@]}"

B=$(free_port)
serve "$B"
echo "== two servers on one PostgreSQL database: 16 connections each, ${DURATION}s, at the same time"
wrk -t1 -c16 -d"${DURATION}s" --latency -s scripts/load/post_complaints.lua "http://127.0.0.1:$A" -- "${TOKENS[@]}" > "$DATA/wrk-a.txt" &
WA=$!
wrk -t1 -c16 -d"${DURATION}s" --latency -s scripts/load/post_complaints.lua "http://127.0.0.1:$B" -- "${TOKENS[@]}" > "$DATA/wrk-b.txt" &
WB=$!
wait $WA $WB
echo "-- server A"; cat "$DATA/wrk-a.txt"
echo "-- server B"; cat "$DATA/wrk-b.txt"
python3 - "$DATA/wrk-a.txt" "$DATA/wrk-b.txt" <<'PY'
import re, sys
total = sum(float(re.search(r"Requests/sec:\s+([\d.]+)", open(p).read()).group(1)) for p in sys.argv[1:])
print(f"two servers together: {total:.0f} requests/s")
PY
echo "complaints stored: $(curl -sf -H "Authorization: Bearer $REDRESS_METRICS_TOKEN" "http://127.0.0.1:$A/health")"
for p in "${PIDS[@]}"; do kill "$p"; done
wait "${PIDS[@]}" 2>/dev/null || true
PIDS=()
"$BIN" verify --data "$DATA" --database "$DB"
