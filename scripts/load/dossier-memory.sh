#!/usr/bin/env bash
# The server's peak memory while it builds dossiers of a case with large evidence (40 files of 2 MiB = 80 MiB):
# one download, then three at once (two are built at a time; the third waits for its turn or answers 429 and retries).
# Peak resident memory is the kernel's VmHWM for the server process, read before and after.
#   scripts/load/dossier-memory.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
SCRATCH=${SCRATCH:-.build}
swift build -c release --product redress --scratch-path "$SCRATCH" >/dev/null
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/redress
DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
REDRESS_LOG_LEVEL=warning REDRESS_BCRYPT_COST=4 "$BIN" serve --data "$DATA" --port "$PORT" > "$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
hwm() { awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' /proc/$SERVER/status; }
BIG_CASE_LOGIN=bigcase@bench.redress python3 scripts/load/big_case.py "http://127.0.0.1:$PORT" "$DATA/big.zip" 20 40 2048
echo "dossier: $(stat -c %s "$DATA/big.zip") bytes; server peak RSS after one dossier: $(hwm)"
"$BIN" verify-dossier "$DATA/big.zip" | tail -1
python3 - "http://127.0.0.1:$PORT" <<'PY'
import json, sys, threading, time, urllib.request, urllib.error
url = sys.argv[1]
def call(method, path, body=None, token=None):
    req = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode() if body else None)
    req.add_header("content-type", "application/json")
    if token: req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r: return r.status, r.read()
_, body = call("POST", "/api/v1/auth/login", {"login": "bigcase@bench.redress", "password": "big-case-password"})
token = json.loads(body)["token"]
_, body = call("GET", "/api/v1/complaints", token=token)
case = json.loads(body)["items"][0]["id"]
sizes, busy = [], [0]
def fetch():
    while True:
        try:
            _, data = call("GET", f"/api/v1/complaints/{case}/dossier", token=token); sizes.append(len(data)); return
        except urllib.error.HTTPError as e:
            if e.code != 429: raise
            busy[0] += 1; time.sleep(0.5)
threads = [threading.Thread(target=fetch) for _ in range(3)]
[t.start() for t in threads]; [t.join() for t in threads]
print(f"three at once: {len(sizes)} dossiers of {sizes[0]} bytes; 429 answers while two were being built: {busy[0]}")
PY
echo "server peak RSS after three at once: $(hwm)"
