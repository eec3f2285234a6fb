#!/usr/bin/env python3
"""Several Redress servers on one PostgreSQL database.

  multinode.py BIN SERVER_URL DIR

SERVER_URL is a PostgreSQL server the test may create a database on (postgres://user:password@host:port/db).
Three `redress serve` processes share a new database and one data folder (the token and log-signing keys), each
sweeping every second. Checked:
  - a token issued by one server is accepted by the others; the same Idempotency-Key on two servers makes one case;
  - evidence uploaded through one server is served, byte for byte, by another;
  - a live-update stream on one server reports a case filed on another;
  - a load spread over the three; one server killed with SIGKILL mid-load; every acknowledged complaint is present
    and the survivors keep serving;
  - three sweeps at the moment every first response is overdue, run at once: each deadline fires exactly once;
  - the evidence log is numbered 0..n-1 without a gap and `redress verify` passes on the database.
"""
import http.client, json, os, signal, subprocess, sys, threading, time, urllib.parse, uuid

BIN, SERVER_URL, DIR = sys.argv[1], sys.argv[2], sys.argv[3]
server = urllib.parse.urlparse(SERVER_URL)
DB = "redress_multinode_" + uuid.uuid4().hex[:8]
DB_URL = f"{server.scheme}://{server.netloc}/{DB}"
PG_ENV = dict(os.environ, PGPASSWORD=server.password or "")


def psql(sql, db=None):
    out = subprocess.run(
        ["psql", "-h", server.hostname, "-p", str(server.port), "-U", server.username, "-d", db or DB, "-tAc", sql],
        env=PG_ENV, check=True, capture_output=True, text=True)
    return out.stdout.strip()


STARTED = []


def stop_all():
    for proc in STARTED:
        if proc.poll() is None:
            proc.kill(); proc.wait()


import atexit
atexit.register(stop_all)  # no server outlives the test, whatever its outcome


def fail(message):
    print("FAILED: " + message)
    sys.exit(1)


def free_port():
    import socket
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


class Node:
    def __init__(self, n):
        self.n, self.port = n, free_port()
        self.log = open(os.path.join(DIR, f"node{n}.log"), "w")
        env = dict(os.environ, REDRESS_BCRYPT_COST="4", REDRESS_SWEEP_SECONDS="1", REDRESS_OUTBOX_SECONDS="1", REDRESS_HEAD_SECONDS="1")
        self.proc = subprocess.Popen([BIN, "serve", "--data", DIR, "--database", DB_URL, "--port", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        STARTED.append(self.proc)
        for _ in range(150):
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2); c.request("GET", "/health")
                if c.getresponse().status == 200: return
            except OSError:
                time.sleep(0.1)
        fail(f"node {n} did not start; see {self.log.name}")

    def call(self, method, path, body=None, token=None, headers=None, raw=False):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        h = dict(headers or {})
        if token: h["Authorization"] = "Bearer " + token
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body); h["Content-Type"] = "application/json"
        c.request(method, path, body, h)
        r = c.getresponse(); data = r.read()
        return r.status, (data if raw else (json.loads(data) if data else None))


def login(node, who, password):
    status, body = node.call("POST", "/api/v1/auth/login", {"login": who, "password": password})
    if status != 200: fail(f"log-in of {who} on node {node.n}: {status} {body}")
    return body["token"]


def complaint(tag):
    return {"category": "transaction.topup_not_credited",
            "order": {"orderNumber": "MN-" + tag, "amountPaidFen": 9800, "productKind": "game_topup", "respondent": "platform"},
            "occurredAt": "2026-11-20T10:00:00+08:00", "narrative": "多节点测试 " + tag, "remedy": {"kind": "refund"}, "amountClaimedFen": 9800}


psql(f"CREATE DATABASE {DB}", db=server.path.lstrip("/") or "postgres")
subprocess.run([BIN, "demo-data", "--data", DIR, "--database", DB_URL], check=True, capture_output=True, env=dict(os.environ, REDRESS_BCRYPT_COST="4"))
nodes = [Node(1)]  # the first creates the shared keys; the others start once they exist
nodes += [Node(2), Node(3)]
print(f"three servers on ports {[n.port for n in nodes]} sharing {DB}")

# A token from one server works on every server; an idempotency key holds across servers.
member = login(nodes[0], "13800138000", "demo-member-2026")
agent = login(nodes[1], "agent@demo.redress", "demo-agent-2026")
key = {"Idempotency-Key": "mn-" + uuid.uuid4().hex}
s1, a = nodes[0].call("POST", "/api/v1/complaints", complaint("idem"), member, key)
s2, b = nodes[2].call("POST", "/api/v1/complaints", complaint("idem"), member, key)
if s1 != 201 or s2 not in (200, 201) or a["id"] != b["id"]: fail(f"idempotency across servers: {s1} {s2}")
print("a token and an idempotency key are honoured by every server")

# Evidence uploaded through one server is served by another.
png = b"\x89PNG\r\n\x1a\n" + os.urandom(2048)
boundary = "redress" + uuid.uuid4().hex
form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"receipt.png\"\r\nContent-Type: image/png\r\n\r\n").encode() \
    + png + f"\r\n--{boundary}--\r\n".encode()
status, up = nodes[0].call("POST", f"/api/v1/complaints/{a['id']}/evidence", form, member, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
if status != 201: fail(f"upload: {status} {up}")
sha = up["evidence"]["sha256"]
status, data = nodes[1].call("GET", f"/api/v1/complaints/{a['id']}/evidence/{sha}", token=member, raw=True)
if status != 200 or data != png: fail(f"evidence through another server: {status}, {len(data)} bytes")
print("evidence uploaded through server 1 is served byte for byte by server 2")

# A live stream on server 3 hears of a case filed on server 1.
heard = []
def listen():
    c = http.client.HTTPConnection("127.0.0.1", nodes[2].port, timeout=15)
    c.request("GET", "/api/v1/live", headers={"Authorization": "Bearer " + agent})
    r = c.getresponse()
    for line in r:  # the decoded body, line by line as the server sends it
        if line.startswith(b"data:"): heard.append(line.decode())
listener = threading.Thread(target=listen, daemon=True); listener.start()
time.sleep(0.5)
status, live = nodes[0].call("POST", "/api/v1/complaints", complaint("live"), member)
deadline = time.time() + 5
while not any(live["id"] in line for line in heard):
    if time.time() > deadline: fail(f"the live stream on server 3 did not report the case filed on server 1 within 5 s (heard {heard})")
    time.sleep(0.05)
print("a live stream on server 3 reported the case filed on server 1")

# Load over the three servers; server 2 killed mid-load; its clients move to the survivors.
BODY = complaint("load")
acknowledged, lock, stop = [], threading.Lock(), threading.Event()
errors_after_kill = [0]
killed = threading.Event()
def worker(i):
    tokens = [member]
    order = [nodes[i % 3], nodes[(i + 1) % 3], nodes[(i + 2) % 3]]
    k = 0
    while not stop.is_set():
        k += 1
        for node in order:
            if node is nodes[1] and killed.is_set(): continue
            try:
                body = dict(BODY); body["narrative"] = f"负载 {i}-{k}"
                status, r = node.call("POST", "/api/v1/complaints", body, tokens[0])
                if status == 201:
                    with lock: acknowledged.append(r["id"])
                break
            except OSError:
                continue
threads = [threading.Thread(target=worker, args=(i,)) for i in range(24)]
for t in threads: t.start()
time.sleep(3)
nodes[1].proc.send_signal(signal.SIGKILL); nodes[1].proc.wait(); killed.set()
before_kill = len(acknowledged)
time.sleep(3)
stop.set()
for t in threads: t.join()
print(f"{len(acknowledged)} complaints acknowledged over the three servers ({before_kill} before server 2 was killed with SIGKILL)")
missing = 0
for i, cid in enumerate(acknowledged):
    status, _ = nodes[i % 2 * 2].call("GET", f"/api/v1/complaints/{cid}", token=member)
    if status != 200: missing += 1
if missing: fail(f"{missing} acknowledged complaints are missing")
if len(acknowledged) <= before_kill: fail("the survivors did not go on serving after the kill")
for n in (nodes[0], nodes[2]):
    if n.call("GET", "/health")[0] != 200: fail(f"server {n.n} stopped answering")
print("every acknowledged complaint is present; servers 1 and 3 kept serving")

# Every first response is overdue a day later: three sweeps at once, each timer fires once.
due = psql("SELECT to_char(to_timestamp(MAX(next_due_at_ms) / 1000.0 + 3600) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM complaints")
sweeps = [subprocess.Popen([BIN, "sweep", "--data", DIR, "--database", DB_URL, "--at", due], stdout=subprocess.PIPE, text=True) for _ in range(3)]
outputs = [p.communicate()[0].strip() for p in sweeps]
for o in outputs: print("  " + o)
# Payloads are sealed at rest: each case's breaches are read through the API (as an admin) and compared there.
admin = login(nodes[0], "admin@demo.redress", "demo-admin-2026")
doubled = 0
for cid in acknowledged:
    status, events = nodes[0].call("GET", f"/api/v1/complaints/{cid}/timeline", token=admin)
    if status != 200: fail(f"timeline of {cid}: {status}")
    fired = [json.dumps(e["payload"], sort_keys=True) for e in events if e["kind"] == "deadline_breached"]
    doubled += len(fired) - len(set(fired))
breached = int(psql("SELECT COUNT(DISTINCT complaint_id) FROM events WHERE kind = 'deadline_breached'"))
if doubled: fail(f"{doubled} deadlines fired more than once")
if breached < len(acknowledged): fail(f"only {breached} cases had their first-response deadline fire")
print(f"{breached} overdue cases, each deadline fired once, over three concurrent sweeps")

size, top = psql("SELECT COUNT(*), COALESCE(MAX(leaf_index) + 1, 0) FROM ledger_leaves").split("|")
if size != top or psql("SELECT size FROM ledger_frontier") != size: fail(f"the log has {size} entries numbered up to {top}")
for n in (nodes[0], nodes[2]):
    n.proc.send_signal(signal.SIGTERM); n.proc.wait(timeout=30)
out = subprocess.run([BIN, "verify", "--data", DIR, "--database", DB_URL], capture_output=True, text=True)
print(out.stdout.strip())
if out.returncode != 0: fail("redress verify")
print(f"multi-server test passed: log of {size} entries numbered without a gap")
psql(f"DROP DATABASE {DB}", db=server.path.lstrip("/") or "postgres")
