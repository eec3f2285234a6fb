#!/usr/bin/env bash
# `redress verify` over a store of filed cases: files cases through the API for DURATION seconds (32 connections),
# stops the server, then times `redress verify` with the binary built here and, when OLD names another binary,
# with that one too (the same data folder, the same findings expected).
#   SCRATCH=.build-bench DURATION=30 scripts/load/verify.sh
#   OLD=/path/to/an/earlier/redress scripts/load/verify.sh   (OLD must know the schema the binary built here writes)
set -euo pipefail
export REDRESS_METRICS_TOKEN="${REDRESS_METRICS_TOKEN:-load-script-metrics-token}"
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-30}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
SCRATCH=${SCRATCH:-.build}
swift build -c release --scratch-path "$SCRATCH" --product redress >/dev/null
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/redress
DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
REDRESS_LOG_LEVEL=warning "$BIN" serve --data "$DATA" --port "$PORT" >> "$DATA/server.log" 2>&1 &
SERVER=$!
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do curl -sf "$URL/health" >/dev/null && break; sleep 0.1; done
source scripts/load/members.sh
load_members "$URL"
wrk -t2 -c32 -d"${DURATION}s" -s scripts/load/post_complaints.lua "$URL" -- "${TOKENS[@]}" | grep -E "Requests/sec|requests in"
echo "stored: $(curl -sf -H "Authorization: Bearer $REDRESS_METRICS_TOKEN" "$URL/health")"
kill -TERM $SERVER; wait $SERVER 2>/dev/null || true; SERVER=""
echo "data folder: $(du -sh "$DATA" | cut -f1)"
for bin in ${OLD:-} "$BIN"; do
  echo "== $bin verify"
  TIMEFORMAT="%R s elapsed, %U s user, %S s system"
  time "$bin" verify --data "$DATA" 2>/dev/null || echo "(this binary could not verify the folder: an older one does not open a newer schema)"
done
