#!/usr/bin/env python3
"""Mail in under load, against a running release build.

  mail-load.py BIN WORKDIR [MESSAGES] [CONNECTIONS]

Starts `redress serve` on a fresh data folder, registers a member and confirms their address (the first message is
held and confirmed), then posts MESSAGES (default 2,000) GBK messages with a 20 KB JPEG each to the gateway endpoint
over CONNECTIONS (default 8) connections: every one is filed as a complaint with two evidence files. Prints the rate
and the latency percentiles, then times `redress mailgate` itself (one process per message, as a mail system runs it)
for 200 messages in a row.
"""
import base64, http.client, json, os, subprocess, sys, threading, time, urllib.request

BIN, WORK = sys.argv[1], sys.argv[2]
N = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
CONN = int(sys.argv[4]) if len(sys.argv) > 4 else 8
TOKEN = "mail-load-credential-0123456789"
PORT = 18181
os.makedirs(WORK, exist_ok=True)
capture = os.path.join(WORK, "sendmail.sh")
with open(capture, "w") as f: f.write(f"#!/bin/sh\ncat > {WORK}/answer.eml\n")
os.chmod(capture, 0o755)
env = dict(os.environ, REDRESS_SENDMAIL=capture, REDRESS_BCRYPT_COST="4", REDRESS_MAILGATE_TOKEN=TOKEN, REDRESS_MAIL_PER_HOUR="1000000", REDRESS_LOG_LEVEL="warning")
server = subprocess.Popen([BIN, "serve", "--data", os.path.join(WORK, "data"), "--port", str(PORT)], env=env,
                          stdout=open(os.path.join(WORK, "server.log"), "w"), stderr=subprocess.STDOUT)
JPEG = bytes([0xFF, 0xD8, 0xFF, 0xE0]) + os.urandom(20_000) + bytes([0xFF, 0xD9])

def message(n, sender="load@mail.example.cn"):
    body = f"订单号 DD2026{n:08d}，充值 100 元未到账，请尽快退款。第 {n} 封。".encode("gbk")
    b64 = lambda b: "\r\n".join(base64.b64encode(b).decode()[i:i + 76] for i in range(0, len(base64.b64encode(b)), 76))
    return "\r\n".join([f"From: {sender}", "To: complaints@redress.test", "Subject: =?GBK?B?" + base64.b64encode("充值未到账".encode("gbk")).decode() + "?=",
                        f"Message-ID: <load-{n}@mail.example.cn>", "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="b"', "", "--b",
                        "Content-Type: text/plain; charset=gbk", "Content-Transfer-Encoding: base64", "", b64(body), "--b", "Content-Type: image/jpeg",
                        'Content-Disposition: attachment; filename="shot.jpg"', "Content-Transfer-Encoding: base64", "", b64(JPEG), "--b--", ""]).encode()

def call(method, path, body=None, token=None):
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}/api/v1{path}", method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token: req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as r: return json.loads(r.read() or b"null")

try:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health", timeout=1); break
        except Exception:
            time.sleep(0.2)
    call("POST", "/members", {"login": "load@mail.example.cn", "password": "password-123", "displayName": "压测"})
    member = call("POST", "/auth/login", {"login": "load@mail.example.cn", "password": "password-123"})["token"]
    c = http.client.HTTPConnection("127.0.0.1", PORT)
    c.request("POST", "/api/v1/mail/inbound", message(0), {"Content-Type": "message/rfc822", "Authorization": "Bearer " + TOKEN})
    r = c.getresponse(); held = json.loads(r.read()); assert held["status"] == "held", held
    import email
    answer = email.message_from_bytes(open(os.path.join(WORK, "answer.eml"), "rb").read())
    text = base64.b64decode(answer.get_payload()).decode()
    secret = next(l for l in text.splitlines() if "/my/mail/" in l).strip().rsplit("/", 1)[1]
    call("POST", f"/mail/held/{secret}/confirm", {"category": "transaction.topup_not_credited"}, member)

    latencies, statuses, lock = [], {}, threading.Lock()
    def worker(k):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        for n in range(1 + k, N + 1, CONN):
            raw = message(n)
            t0 = time.perf_counter()
            conn.request("POST", "/api/v1/mail/inbound", raw, {"Content-Type": "message/rfc822", "Authorization": "Bearer " + TOKEN})
            r = conn.getresponse(); body = json.loads(r.read())
            dt = time.perf_counter() - t0
            with lock:
                latencies.append(dt); statuses[body.get("status")] = statuses.get(body.get("status"), 0) + 1
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(CONN)]
    for t in threads: t.start()
    for t in threads: t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000
    print(f"{N} messages (GBK text + 20 KB JPEG) over {CONN} connections: {N / elapsed:.0f} messages/s, "
          f"p50 {q(0.5):.1f} ms, p99 {q(0.99):.1f} ms; outcomes {statuses}")
    cases = call("GET", "/complaints?limit=1", None, member)
    print("member's cases:", cases.get("total"))

    # redress mailgate itself: one process per message, as Postfix's pipe runs it.
    started = time.perf_counter()
    for n in range(200):
        p = subprocess.run([BIN, "mailgate", "--url", f"http://127.0.0.1:{PORT}"], input=message(N + 1 + n), capture_output=True,
                           env=dict(os.environ, REDRESS_MAILGATE_TOKEN=TOKEN))
        assert p.returncode == 0, p.stdout + p.stderr
    elapsed = time.perf_counter() - started
    print(f"redress mailgate, one process per message, 200 in a row: {200 / elapsed:.1f} messages/s ({elapsed / 200 * 1000:.1f} ms each)")
finally:
    server.terminate(); server.wait(30)
