#!/usr/bin/env bash
# Server time of the public pages with 10,000 merchants and the aggregates of about 11 million cases, on this machine.
#   scripts/load/public.sh
#   MERCHANTS=10000 DAYS=365 DURATION=8 SCRATCH=.build-bench scripts/load/public.sh
# Registers MERCHANTS merchants through the API, then writes the maintained aggregates (case_figures) that a year of
# complaints against every one of them leaves: one row per merchant × day × 3 dimension/tier pairs, each a filed case
# with its counters, and the platform-wide rows ("*"). The public pages read these rows and never the cases, so the
# complaints themselves are not stored (that would be ~44 GB at 4 KB a case). Then each page is requested over one
# connection (wrk -t1 -c1) and at 16 connections. Figures go in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
MERCHANTS=${MERCHANTS:-10000}
DAYS=${DAYS:-365}
DURATION=${DURATION:-8}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
SCRATCH=${SCRATCH:-.build}
swift build -c release --scratch-path "$SCRATCH" --product redress
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/redress
DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
start() {
  REDRESS_LOG_LEVEL=warning REDRESS_BCRYPT_COST=4 "$BIN" serve --data "$DATA" --port "$PORT" --demo > "$DATA/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "$URL/health" >/dev/null && break; sleep 0.1; done
}
stop() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }
trap 'stop; rm -rf "$DATA"' EXIT
start

echo "== registering $MERCHANTS merchants"
python3 - "$URL" "$MERCHANTS" <<'PY'
import http.client, json, sys, threading, urllib.parse
url, total = sys.argv[1], int(sys.argv[2])
u = urllib.parse.urlparse(url)
c = http.client.HTTPConnection(u.hostname, u.port)
c.request("POST", "/api/v1/auth/login", json.dumps({"login": "admin@demo.redress", "password": "demo-admin-2026"}), {"Content-Type": "application/json"})
token = json.loads(c.getresponse().read())["token"]
alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
def licence(n):
    first = f"91330106MA{n:07d}"
    s = sum(alphabet.index(ch) * w for ch, w in zip(first, weights))
    return first + alphabet[(31 - s % 31) % 31]
lock, done = threading.Lock(), [0]
def worker():
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    while True:
        with lock:
            if done[0] >= total: return
            done[0] += 1; i = done[0]
        body = {"registeredName": f"杭州第{i}号网络科技有限公司", "shopName": f"第{i}号卡券店", "businessLicenceNumber": licence(i),
                "registeredAddress": "浙江省杭州市", "contactName": "王经理", "contactPhone": "057112345678"}
        c.request("POST", "/api/v1/merchants", json.dumps(body), {"Content-Type": "application/json", "Authorization": "Bearer " + token})
        r = c.getresponse(); r.read()
        if r.status != 201: print("registering failed", r.status); sys.exit(1)
threads = [threading.Thread(target=worker) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
PY
MERCHANT=$(curl -sf "$URL/api/v1/public/merchants?q=%E7%AC%AC5000%E5%8F%B7" | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')
stop

echo "== writing the aggregates of a year of complaints against every merchant"
python3 - "$DATA/redress.sqlite" "$DAYS" <<'PY'
import sqlite3, sys, time, random
path, days = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(path)
ids = [r[0] for r in db.execute("SELECT id FROM merchants")]
today = int((time.time() + 8 * 3600) // 86400)
pairs = [("transaction", "l1"), ("service", "l1"), ("transaction", "risk_control")]
width = len([c for c in db.execute("PRAGMA table_info(case_figures)") if c[1].startswith("c")])
cols = ", ".join(f"c{i}" for i in range(width))
rnd = random.Random(2026)
def counters():
    # filed, answered, on time, an answer bucket, finished, completed, rated, rating sum, reopened
    v = [0] * width
    v[0] = 1; v[1] = 1; v[2] = rnd.random() < 0.8; v[3 + rnd.randrange(7)] = 1
    v[10] = rnd.random() < 0.9; v[11] = v[10] and rnd.random() < 0.7
    if rnd.random() < 0.4: v[12] = 1; v[13] = rnd.randint(1, 5)
    v[14] = rnd.random() < 0.05
    return [int(x) for x in v]
everyone = {}
cases = 0
db.execute("BEGIN")
upsert = f"ON CONFLICT(respondent, day, dimension, tier) DO UPDATE SET {', '.join(f'c{i} = c{i} + excluded.c{i}' for i in range(width))}"
# The demo data's own cases already left rows: added to, as the server would.
sql = f"INSERT INTO case_figures(respondent, day, dimension, tier, {cols}) VALUES (?, ?, ?, ?, {', '.join('?' * width)}) {upsert}"
for m in ids:
    rows = []
    for d in range(today - days + 1, today + 1):
        for dim, tier in pairs:
            v = counters(); cases += 1
            rows.append((m, d, dim, tier, *v))
            e = everyone.setdefault((d, dim, tier), [0] * width)
            for i in range(width): e[i] += v[i]
    db.executemany(sql, rows)
db.executemany(sql, [("*", d, dim, tier, *v) for (d, dim, tier), v in everyone.items()])
db.commit()
print(f"aggregates of {cases:,} cases: {db.execute('SELECT COUNT(*) FROM case_figures').fetchone()[0]:,} rows")
PY
ls -la "$DATA/redress.sqlite" | awk '{print "data file:", $5, "bytes"}'
start

page() {  # page NAME PATH CONNECTIONS
  echo "== $1: GET $2, $3 connection(s), ${DURATION}s"
  local status
  status=$(curl -s -o /dev/null -w '%{http_code}' "$URL$2")
  [ "$status" = 200 ] || { echo "GET $2 answered $status"; exit 1; }
  wrk -t1 -c"$3" -d"${DURATION}s" --latency "$URL$2" | grep -E "Requests/sec|50%|90%|99%|Non-2xx"
}
for c in 1 16; do
  page "merchant directory, first page of $MERCHANTS" "/merchants" "$c"
  page "directory search by name" "/merchants?q=%E7%AC%AC5000%E5%8F%B7" "$c"
  page "a merchant's public record (30/90/365 days beside the platform)" "/merchants/$MERCHANT" "$c"
  page "the same through the API" "/api/v1/public/merchants/$MERCHANT" "$c"
done
echo "server RSS: $(ps -o rss= -p "$SERVER" | awk '{printf "%.1f MiB", $1/1024}')"
