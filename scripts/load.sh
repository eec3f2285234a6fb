#!/usr/bin/env bash
# Load test of the release server on its embedded SQLite store, on this machine (loopback only).
#   scripts/load.sh            POST /complaints at 32 connections, GET /complaints/{id}, kill -9 durability
#   DURATION=30 scripts/load.sh
#   SCRATCH=.build-bench scripts/load.sh   build (and reuse) the release binary in another build folder
# Figures go in BENCHMARKS.md with the date and the machine.
set -euo pipefail
export REDRESS_METRICS_TOKEN="${REDRESS_METRICS_TOKEN:-load-script-metrics-token}"  # /health names the case count with it
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DURATION=${DURATION:-20}

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
for p in libsqlite3-dev zlib1g-dev; do
  dpkg -s $p >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $p >/dev/null; }
done

SCRATCH=${SCRATCH:-.build}
swift build -c release --scratch-path "$SCRATCH" --product redress
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/redress
DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"

start() {
  REDRESS_LOG_LEVEL=warning "$BIN" serve --data "$DATA" --port "$PORT" >> "$DATA/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "$URL/health" >/dev/null && return; sleep 0.1; done
  echo "server did not start"; cat "$DATA/server.log"; exit 1
}
trap 'kill -9 ${SERVER:-0} 2>/dev/null || true; rm -rf "$DATA"' EXIT
start

source scripts/load/members.sh
load_members "$URL"

echo "== POST /api/v1/complaints, 32 connections, ${DURATION}s"
wrk -t2 -c32 -d"${DURATION}s" --latency -s scripts/load/post_complaints.lua "$URL" -- "${TOKENS[@]}"
echo "complaints stored: $(curl -sf -H "Authorization: Bearer $REDRESS_METRICS_TOKEN" "$URL/health")"

echo "== GET /api/v1/complaints/{id}, 32 connections, ${DURATION}s"
IDS=$(curl -sf "$URL/api/v1/complaints?limit=200" -H "Authorization: Bearer ${TOKENS[1]}" | python3 -c 'import sys,json; print(" ".join(i["id"] for i in json.load(sys.stdin)["items"]))')
wrk -t2 -c32 -d"${DURATION}s" --latency -s scripts/load/get_complaints.lua "$URL" -- "${TOKENS[1]}" $IDS
echo "server RSS: $(ps -o rss= -p $SERVER | awk '{printf "%.1f MiB", $1/1024}')"

echo "== kill -9 during POST load: every acknowledged complaint must survive"
python3 scripts/load/kill9.py "$URL" "${TOKENS[0]}" "$SERVER" "$DATA/acknowledged.txt"
wait $SERVER 2>/dev/null || true
start
python3 scripts/load/kill9.py --check "$URL" "${TOKENS[0]}" "$DATA/acknowledged.txt"
"$BIN" verify --data "$DATA" 2>/dev/null || { kill $SERVER; wait $SERVER 2>/dev/null; "$BIN" verify --data "$DATA"; }
