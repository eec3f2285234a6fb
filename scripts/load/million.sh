#!/usr/bin/env bash
# Files complaints through the API until the store holds 1,000,000 (or TARGET), then reports the
# server's resident memory and a read-rate check on cold and warm cases.
set -euo pipefail
export REDRESS_METRICS_TOKEN="${REDRESS_METRICS_TOKEN:-load-script-metrics-token}"  # /health names the case count with it
cd "$(dirname "$0")/../.."
TARGET=${TARGET:-1000000}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
swift build -c release --product redress
BIN=$(swift build -c release --show-bin-path)/redress
DATA=${DATA:-$(mktemp -d)}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
REDRESS_LOG_LEVEL=warning "$BIN" serve --data "$DATA" --port "$PORT" > "$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "$URL/health" >/dev/null && break; sleep 0.1; done
TOKENS=()
for i in $(seq 1 8); do
  curl -sf -X POST "$URL/api/v1/members" -H 'content-type: application/json' \
    -d "{\"login\":\"m$i@million.redress\",\"password\":\"million-$i-pw\",\"displayName\":\"m$i\"}" >/dev/null || true
  TOKENS+=("$(curl -sf -X POST "$URL/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"login\":\"m$i@million.redress\",\"password\":\"million-$i-pw\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')")
done
count() { curl -sf -H "Authorization: Bearer $REDRESS_METRICS_TOKEN" "$URL/health" | python3 -c 'import sys,json; print(json.load(sys.stdin)["complaints"])'; }
start=$(date +%s)
while [ "$(count)" -lt "$TARGET" ]; do
  wrk -t2 -c32 -d60s -s scripts/load/post_complaints.lua "$URL" -- "${TOKENS[@]}" | grep -E "Requests/sec|p99="
  echo "stored: $(count), server RSS: $(ps -o rss= -p $SERVER | awk '{printf "%.1f MiB", $1/1024}')"
done
echo "reached $(count) complaints in $(( $(date +%s) - start )) s"
echo "server RSS: $(ps -o rss= -p $SERVER | awk '{printf "%.1f MiB", $1/1024}')"
echo "database: $(du -sh "$DATA" | cut -f1)"
