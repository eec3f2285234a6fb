#!/usr/bin/env bash
# Where a queue page's CPU goes with PostgreSQL: the agent's first queue page at 16 connections for 15 s (after 5 s of
# warm-up), with the CPU time of the server and of PostgreSQL's processes read from /proc before and after.
#   scripts/load/queue-cpu.sh BIN DATA DATABASE_URL [PATH]
# BIN: a release `redress`; DATA and DATABASE_URL: a store filled by `redress fill --database …` (PostgreSQL on this
# machine). Prints pages per second and both CPU totals in clock ticks (100 a second); divide by the pages served.
set -euo pipefail
BIN=$1; D=$2; DB=$3; PATHQ=${4:-/api/v1/complaints?limit=50}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
REDRESS_LOG_LEVEL=warning "$BIN" serve --data "$D" --port "$P" --database "$DB" > "$D/queue-cpu.log" 2>&1 & S=$!
trap 'kill $S 2>/dev/null; wait $S 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$P/health" >/dev/null && break; sleep 0.5; done
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$P/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"login":"fill-agent@bench.redress","password":"bench-password-1"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
LUA=$(mktemp --suffix=.lua)
cat > "$LUA" <<'LUA'
local token, path
function init(args) token = args[1]; path = args[2] end
function request() return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token }) end
LUA
wrk -t2 -c16 -d5s -s "$LUA" "http://127.0.0.1:$P" -- "$TOKEN" "$PATHQ" > /dev/null
cpu() { for p in "$@"; do awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || true; done | awk '{s+=$1} END {print s+0}'; }
PG=$(pgrep -d' ' postgres || true)
a1=$(cpu $S); b1=$(cpu $PG)
wrk -t2 -c16 -d15s --latency -s "$LUA" "http://127.0.0.1:$P" -- "$TOKEN" "$PATHQ" | grep -E "Requests/sec|99%"
a2=$(cpu $S); b2=$(cpu $PG)
echo "server CPU: $((a2 - a1)) ticks, PostgreSQL CPU: $((b2 - b1)) ticks (100 ticks = 1 s)"
rm -f "$LUA"
