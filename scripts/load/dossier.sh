#!/usr/bin/env bash
# `redress verify-dossier` on a large case (1,000 events, 50 files of 100 KiB = 5 MiB), timed with hyperfine.
# The dossier comes from the release server through the API, as a member downloads it.
#   scripts/load/dossier.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v hyperfine >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null; }
swift build -c release --product redress
BIN=$(swift build -c release --show-bin-path)/redress
DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
REDRESS_LOG_LEVEL=warning REDRESS_BCRYPT_COST=4 "$BIN" serve --data "$DATA" --port "$PORT" > "$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
python3 scripts/load/big_case.py "http://127.0.0.1:$PORT" "$DATA/big.zip" 1000 50 100
"$BIN" verify-dossier "$DATA/big.zip"
hyperfine --warmup 3 --runs 20 "$BIN verify-dossier $DATA/big.zip"
