#!/usr/bin/env bash
# Lists and searches on a store filled by `redress fill`: each request's p50/p99 with one client (200 requests after
# 20 warm-ups), then pages per second at 16 connections (wrk, 20 s) for the queue and a two-character search.
#   scripts/load/scale.sh BIN DATA [DATABASE_URL]
# BIN: a release `redress`; DATA: its data folder (SQLite) — or, with DATABASE_URL, a PostgreSQL database filled the
# same way. Prints the server's resident memory and the data folder's size per case at the end.
set -euo pipefail
BIN=$1; D=$2; DB=${3:-}
export REDRESS_METRICS_TOKEN="${REDRESS_METRICS_TOKEN:-load-script-metrics-token}"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ARGS=(--data "$D" --port "$P"); [ -n "$DB" ] && ARGS+=(--database "$DB")
REDRESS_LOG_LEVEL=warning "$BIN" serve "${ARGS[@]}" > "$D/scale-bench.log" 2>&1 & S=$!
trap 'kill $S 2>/dev/null; wait $S 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$P/health" >/dev/null && break; sleep 0.5; done
python3 - "$P" <<'PY'
import sys, time, json, urllib.request, urllib.parse
port = sys.argv[1]
def login(l):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/auth/login", data=json.dumps({"login": l, "password": "bench-password-1"}).encode(),
                                 headers={"content-type": "application/json"})
    return json.loads(urllib.request.urlopen(req).read())["token"]
agent, member, shop = login("fill-agent@bench.redress"), login("fill-m1@bench.redress"), login("fill-shop0@bench.redress")
def get(tok, path):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": "Bearer " + tok})
    t = time.perf_counter(); body = urllib.request.urlopen(req).read(); return (time.perf_counter() - t) * 1000, json.loads(body)
def stats(name, tok, path, n=200):
    for _ in range(20): get(tok, path)
    xs = sorted(get(tok, path)[0] for _ in range(n))
    _, page = get(tok, path)
    total = f'{page["total"]}{"+" if page.get("totalIsLowerBound") else ""}'
    print(f"{name:44s} p50 {xs[n//2]:6.1f} ms  p99 {xs[int(n*0.99)-1]:6.1f} ms  ({len(page['items'])} items of {total})")
q = lambda s: urllib.parse.quote(s)
_, first = get(agent, "/api/v1/complaints?limit=50")
one = first["items"][0]
stats("queue, first page (agent)", agent, "/api/v1/complaints?limit=50")
c = first.get("nextCursor")
for _ in range(200):
    if not c: break
    _, p = get(agent, f"/api/v1/complaints?limit=50&cursor={c}"); c = p.get("nextCursor")
if c: stats("queue, 10,000 deep by cursor", agent, f"/api/v1/complaints?limit=50&cursor={c}")
stats("queue, one category", agent, "/api/v1/complaints?limit=50&category=service.membership_not_activated")
stats("queue, overdue", agent, "/api/v1/complaints?limit=50&overdue=true")
stats("member's own list", member, "/api/v1/complaints?limit=50")
stats("merchant's list", shop, "/api/v1/merchant/cases?limit=50")
for w in ["退款", "盗刷", "封号", "没有到账", "QQ号", "激活码 退款"]:
    stats(f"search {w} (agent)", agent, f"/api/v1/complaints?limit=20&q={q(w)}")
stats("search an order number (agent)", agent, f"/api/v1/complaints?limit=20&q={q(one['order']['orderNumber'])}")
stats("search a case number (agent)", agent, f"/api/v1/complaints?limit=20&q={q(one['caseNumber'])}")
stats("search 退款 (member)", member, f"/api/v1/complaints?limit=20&q={q('退款')}")
stats("search 退款 (merchant)", shop, f"/api/v1/merchant/cases?limit=20&q={q('退款')}")
open("/tmp/scale-tokens", "w").write(agent)
PY
TOKEN=$(cat /tmp/scale-tokens)
cat > /tmp/scale-get.lua <<'LUA'
local token, path
function init(args) token = args[1]; path = args[2] end
function request() return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token }) end
function done(summary, latency, requests)
  io.write(string.format("p50=%.1fms p99=%.1fms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA
for path in "/api/v1/complaints?limit=50" "/api/v1/complaints?limit=20&q=%E9%80%80%E6%AC%BE"; do
  echo "16 connections, 20 s: $path"
  wrk -t2 -c16 -d20s -s /tmp/scale-get.lua "http://127.0.0.1:$P" -- "$TOKEN" "$path" | grep -E "Requests/sec|p50="
done
echo "server RSS: $(ps -o rss= -p $S | awk '{printf "%.1f MiB", $1/1024}')"
if [ -z "$DB" ]; then
  N=$(curl -sf -H "Authorization: Bearer $REDRESS_METRICS_TOKEN" "http://127.0.0.1:$P/health" | python3 -c 'import sys,json; print(json.load(sys.stdin)["complaints"])')
  BYTES=$(du -sb "$D" | cut -f1)
  echo "data folder: $(du -sh "$D" | cut -f1) for $N cases, $(( BYTES / N )) bytes per case"
fi
