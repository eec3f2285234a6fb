#!/usr/bin/env bash
# Server time of the web pages with 10,000 cases in the L1 queue, on this machine (loopback only).
#   scripts/load/pages.sh
#   CASES=10000 DURATION=10 SCRATCH=.build-bench scripts/load/pages.sh
# Files CASES complaints through the API, then requests each page with one connection (wrk -c1, so the latency is
# the server's time plus loopback) and prints p50/p90/p99. Figures go in BENCHMARKS.md.
set -euo pipefail
export REDRESS_METRICS_TOKEN="${REDRESS_METRICS_TOKEN:-load-script-metrics-token}"  # /health names the case count with it
cd "$(dirname "$0")/../.."
CASES=${CASES:-10000}
DURATION=${DURATION:-10}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
SCRATCH=${SCRATCH:-.build}
swift build -c release --scratch-path "$SCRATCH" --product redress
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/redress
DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
REDRESS_LOG_LEVEL=warning REDRESS_BCRYPT_COST=4 "$BIN" serve --data "$DATA" --port "$PORT" --demo > "$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do curl -sf "$URL/health" >/dev/null && break; sleep 0.1; done

source scripts/load/members.sh
load_members "$URL"
echo "== filing $CASES complaints (all to the L1 queue)"
python3 - "$URL" "$CASES" "${TOKENS[@]}" <<'PY'
import http.client, json, sys, threading, urllib.parse
url, total, tokens = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
u = urllib.parse.urlparse(url)
lock, done = threading.Lock(), [0]
def worker(n):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    while True:
        with lock:
            if done[0] >= total: return
            done[0] += 1; i = done[0]
        body = {"category": "transaction.topup_not_credited",
                "order": {"orderNumber": f"PAGE-{i}", "amountPaidFen": 100 + i % 40000, "productKind": "game_topup", "respondent": "platform"},
                "occurredAt": "2026-11-20T10:00:00+08:00", "narrative": f"页面压测 {i}：充值未到账", "remedy": {"kind": "refund"}, "amountClaimedFen": 100}
        c.request("POST", "/api/v1/complaints", json.dumps(body), {"Content-Type": "application/json", "Authorization": "Bearer " + tokens[i % len(tokens)]})
        r = c.getresponse(); r.read()
        if r.status != 201: print("filing failed", r.status); sys.exit(1)
threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
for t in threads: t.start()
for t in threads: t.join()
PY
echo "complaints stored: $(curl -sf -H "Authorization: Bearer $REDRESS_METRICS_TOKEN" "$URL/health")"

# A browser's session: the log-in form with its CSRF cookie.
web_login() {
  local jar
  jar=$(mktemp)
  curl -sf -c "$jar" "$URL/login" >/dev/null
  local csrf
  csrf=$(awk '$6=="redress_csrf"{print $7}' "$jar")
  curl -sf -b "$jar" -c "$jar" -o /dev/null --data-urlencode "login=$1" --data-urlencode "password=$2" --data-urlencode "_csrf=$csrf" "$URL/login"
  awk '$6=="redress_session"||$6=="redress_csrf"{printf "%s=%s; ", $6, $7}' "$jar"
  rm -f "$jar"
}
AGENT=$(web_login agent@demo.redress demo-agent-2026)
MEMBER=$(web_login load1@bench.redress load-password-1)
ADMIN=$(web_login admin@demo.redress demo-admin-2026)
CASE=$(curl -sf "$URL/api/v1/complaints?limit=1" -H "Authorization: Bearer ${TOKENS[0]}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')
curl -sf -o /dev/null -H "Cookie: $ADMIN" "$URL/admin"  # the dashboard's first computation, kept for a minute

page() {  # page NAME COOKIE PATH
  echo "== $1: GET $3, 1 connection, ${DURATION}s"
  local status
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $2" "$URL$3")
  [ "$status" = 200 ] || { echo "GET $3 answered $status"; exit 1; }
  wrk -t1 -c1 -d"${DURATION}s" --latency -H "Cookie: $2" "$URL$3" | grep -E "Requests/sec|50%|90%|99%|Non-2xx"
}
page "agent queue (50 nearest of $CASES)" "$AGENT" "/work"
page "agent case page" "$AGENT" "/work/cases/$CASE"
page "member's complaints (100 newest)" "$MEMBER" "/my"
page "member case page" "$MEMBER" "/my/cases/$CASE"
page "filing wizard, first step" "$MEMBER" "/my/new"
page "supervisor dashboard (cached)" "$ADMIN" "/admin"
page "published complaint guide (no log-in)" "" "/guide"

# The filing wizard's steps as the phone sends them (form posts, each answered with the next step's page).
page_post() {  # page_post NAME COOKIE PATH BODY
  echo "== $1: POST $3, 1 connection, ${DURATION}s"
  local script
  script=$(mktemp --suffix=.lua)
  printf 'wrk.method = "POST"\nwrk.body = "%s"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n' "$4" > "$script"
  local status
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $2" -H 'Content-Type: application/x-www-form-urlencoded' --data "$4" "$URL$3")
  [ "$status" = 200 ] || { echo "POST $3 answered $status"; exit 1; }
  wrk -t1 -c1 -d"${DURATION}s" --latency -s "$script" -H "Cookie: $2" "$URL$3" | grep -E "Requests/sec|50%|90%|99%|Non-2xx"
  rm -f "$script"
}
CSRF=$(echo "$MEMBER" | tr ';' '\n' | sed -n 's/^ *redress_csrf=//p')
STEP="_csrf=$CSRF&category=transaction.topup_not_credited&orderNumber=KM-1&amountPaid=98&productKind=game_topup&occurredAt=2026-11-28T10%3A00&narrative=%E5%85%85%E5%80%BC%E6%9C%AA%E5%88%B0%E8%B4%A6&remedyKind=refund&amountClaimed="
page_post "wizard step 1 → 2" "$MEMBER" "/my/new" "$STEP&step=1&respondent=platform"
page_post "wizard step 2 → 3, a merchant found by name" "$MEMBER" "/my/new" "$STEP&step=2&respondent=merchant&merchantId=M-10086&merchantQuery=%E6%98%9F%E8%BE%B0"
page_post "wizard step 3 → 4" "$MEMBER" "/my/new" "$STEP&step=3&respondent=platform"
page_post "wizard step 4 → 5 (evidence)" "$MEMBER" "/my/new" "$STEP&step=4&respondent=platform"
echo "== dashboard computed afresh over the last 30 days' cases"
for i in 1 2 3; do
  sleep 61
  curl -s -o /dev/null -w '%{time_total}s\n' -H "Cookie: $ADMIN" "$URL/admin"
done
