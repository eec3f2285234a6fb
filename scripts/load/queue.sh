#!/usr/bin/env bash
# A staff queue's pages on a filled data folder: the agent's first page (50 cases), a page 20,000 deep by offset,
# and the same depth reached with the cursor (400 pages walked first), 40 requests each, one connection.
#   scripts/load/queue.sh BIN DATA       BIN: a release `redress`; DATA: a data folder with cases in the L1 queue
# (for instance one left by `DURATION=40 scripts/load/verify.sh` with its trap removed). Makes an admin and an agent
# (qagent@bench.redress) in DATA the first time.
set -euo pipefail
BIN=$1; D=$2
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "boss-password-2026" | REDRESS_BCRYPT_COST=4 "$BIN" admin create --data "$D" --login boss@bench.redress >/dev/null 2>&1 || true
REDRESS_LOG_LEVEL=warning REDRESS_BCRYPT_COST=4 "$BIN" serve --data "$D" --port "$P" > "$D/queue-bench.log" 2>&1 & S=$!
trap 'kill $S 2>/dev/null; wait $S 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$P/health" >/dev/null && break; sleep 0.2; done
login() { curl -sf -X POST "http://127.0.0.1:$P/api/v1/auth/login" -H 'content-type: application/json' -d "{\"login\":\"$1\",\"password\":\"$2\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])'; }
curl -sf -X POST "http://127.0.0.1:$P/api/v1/users" -H "Authorization: Bearer $(login boss@bench.redress boss-password-2026)" -H 'content-type: application/json' \
  -d '{"login":"qagent@bench.redress","password":"qagent-password-1","displayName":"一线","role":"agent"}' >/dev/null 2>&1 || true
python3 - "$P" "$(login qagent@bench.redress qagent-password-1)" <<'PY'
import sys, time, json, urllib.request
port, tok = sys.argv[1], sys.argv[2]
def get(path):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": "Bearer " + tok})
    t = time.perf_counter(); body = urllib.request.urlopen(req).read(); return (time.perf_counter() - t) * 1000, json.loads(body)
def stats(path, n=40):
    xs = sorted(get(path)[0] for _ in range(n)); return f"p50 {xs[n//2]:.1f} ms, p99 {xs[int(n*0.99)-1]:.1f} ms"
_, first = get("/api/v1/complaints?limit=50")
print("total:", first["total"], "lower bound:", first.get("totalIsLowerBound"))
print("first page:", stats("/api/v1/complaints?limit=50"))
print("offset 20000:", stats("/api/v1/complaints?limit=50&offset=20000", 10))
c = first.get("nextCursor")
if c:
    for _ in range(399):
        _, p = get(f"/api/v1/complaints?limit=50&cursor={c}"); c = p["nextCursor"]
    print("cursor 20000 deep:", stats(f"/api/v1/complaints?limit=50&cursor={c}"))
PY
