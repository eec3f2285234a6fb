#!/usr/bin/env bash
# Where a filing's CPU goes: POST /api/v1/complaints at 32 connections against the release server on a fresh SQLite data
# folder, 5 s of warm-up, then 15 s under `perf record -g` (PERF=0: the load alone, for its rate).
#   scripts/load/filing-profile.sh BIN [OUT]       OUT: perf data file (default /tmp/filing.perf)
#   perf report -i OUT --children --sort symbol -g none
set -euo pipefail
BIN=$1; OUT=${2:-/tmp/filing.perf}
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
if [ "${PERF:-1}" = 1 ] && ! command -v perf >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf >/dev/null
fi
DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
REDRESS_LOG_LEVEL=warning "$BIN" serve --data "$DATA" --port "$PORT" >> "$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill -9 $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do curl -sf "$URL/health" >/dev/null && break; sleep 0.1; done
source scripts/load/members.sh
load_members "$URL"
wrk -t2 -c32 -d5s -s scripts/load/post_complaints.lua "$URL" -- "${TOKENS[@]}" > /dev/null
if [ "${PERF:-1}" = 1 ]; then
  perf record -F 999 -g -p "$SERVER" -o "$OUT" -- sleep 15 > /dev/null 2>&1 &
  PERFPID=$!
fi
wrk -t2 -c32 -d15s --latency -s scripts/load/post_complaints.lua "$URL" -- "${TOKENS[@]}"
if [ "${PERF:-1}" = 1 ]; then wait $PERFPID; fi
