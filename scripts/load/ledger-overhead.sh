#!/usr/bin/env bash
# What the evidence log adds to the cost of POST /complaints: the same wrk load (32 connections) against
# this tree and against a commit from before the log, alternated (base, log, base, log, …) so that the
# machine's drift falls on both alike. Each run starts on a fresh data folder.
#   BASE=e1253ae DURATION=30 ROUNDS=3 scripts/load/ledger-overhead.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BASE=${BASE:-e1253ae}
source scripts/load/members.sh
DURATION=${DURATION:-30}
ROUNDS=${ROUNDS:-3}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

if [ ! -d .build-base/src ]; then git worktree add --detach .build-base/src "$BASE" >/dev/null; fi
git -C .build-base/src checkout -q --detach "$BASE"
(cd .build-base/src && swift build -c release --product redress --scratch-path "$ROOT/.build-base/build" 2>&1 | tail -1)
swift build -c release --product redress 2>&1 | tail -1
BASE_BIN="$ROOT/.build-base/build/release/redress"
HEAD_BIN=$(swift build -c release --show-bin-path)/redress

run() {
  local label=$1 bin=$2 data port url server
  data=$(mktemp -d)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  url="http://127.0.0.1:$port"
  REDRESS_LOG_LEVEL=warning "$bin" serve --data "$data" --port "$port" > "$data/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "$url/health" >/dev/null && break; sleep 0.1; done
  load_members "$url"
  local out
  out=$(wrk -t2 -c32 -d"${DURATION}s" --latency -s scripts/load/post_complaints.lua "$url" -- "${TOKENS[@]}")
  printf '%-6s %s   p99 %s\n' "$label" "$(echo "$out" | awk '/Requests\/sec/ {print $2 " req/s"}')" "$(echo "$out" | awk '$1 == "99%" {print $2}')"
  kill $server; wait $server 2>/dev/null || true
  rm -rf "$data"
}

echo "POST /api/v1/complaints, 32 connections, ${DURATION}s per run; base = $BASE (no log), log = this tree"
for _ in $(seq 1 "$ROUNDS"); do
  run base "$BASE_BIN"
  run log "$HEAD_BIN"
done
