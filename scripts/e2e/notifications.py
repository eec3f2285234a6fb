#!/usr/bin/env python3
"""Notifications end to end: a real SMTP server (aiosmtpd) behind msmtp as Redress's sendmail command, and a real
HTTP receiver that checks every webhook's HMAC-SHA256 signature.

Starts `redress serve` on demo data with REDRESS_SENDMAIL pointing at msmtp, registers a webhook, files a complaint,
and checks: the member and the agents get the mail (UTF-8 subject naming the case); the webhook arrives signed, after a
first attempt the receiver refuses (the retry with back-off and the delivery log show both); a replay delivers the same
delivery id again. Usage: notifications.py PATH/TO/redress WORKDIR
"""
import base64, email, email.header, hashlib, hmac, json, os, socket, subprocess, sys, threading, time, urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from aiosmtpd.controller import Controller

binary, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

mails = []
class Mailbox:
    async def handle_DATA(self, server, session, envelope):
        mails.append((envelope.rcpt_tos, envelope.content)); return "250 OK"
smtp_port = free_port()
smtp = Controller(Mailbox(), hostname="127.0.0.1", port=smtp_port); smtp.start()

hooks, secret = [], {"value": None}
moved, redirected = [], []
class Receiver(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        # A second webhook answers with a redirect, which Redress must not follow.
        if self.path == "/moved":
            moved.append(self.headers["Redress-Delivery"])
            self.send_response(302); self.send_header("Location", f"http://127.0.0.1:{http_port}/target"); self.end_headers(); return
        if self.path == "/target":
            redirected.append(self.headers.get("Redress-Delivery")); self.send_response(200); self.end_headers(); return
        sig = dict(p.split("=", 1) for p in self.headers["Redress-Signature"].split(","))
        expected = hmac.new(secret["value"].encode(), sig["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(expected, sig["v1"]) and abs(time.time() - int(sig["t"])) < 300
        hooks.append({"delivery": self.headers["Redress-Delivery"], "topic": self.headers["Redress-Topic"], "valid": valid, "body": json.loads(body)})
        # The first delivery is refused, to exercise the retry.
        status = 500 if len(hooks) == 1 else (200 if valid else 401)
        self.send_response(status); self.end_headers()
http_port = free_port()
receiver = HTTPServer(("127.0.0.1", http_port), Receiver)
threading.Thread(target=receiver.serve_forever, daemon=True).start()

port = free_port()
env = dict(os.environ, REDRESS_BCRYPT_COST="4", REDRESS_OUTBOX_SECONDS="0.3", REDRESS_RETRY_SECONDS="1",
           REDRESS_SENDMAIL=f"/usr/bin/msmtp --host=127.0.0.1 --port={smtp_port} --auth=off --tls=off --from=redress@demo.redress -t",
           REDRESS_MAIL_FROM="redress@demo.redress", REDRESS_PLATFORM_NAME="演示卡盟")
log = open(os.path.join(work, "server.log"), "w")
server = subprocess.Popen([binary, "serve", "--data", os.path.join(work, "data"), "--port", str(port), "--demo"], env=env, stdout=log, stderr=log)
base = f"http://127.0.0.1:{port}/api/v1"

def call(method, path, token=None, body=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token: req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r: return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e: return e.code, json.loads(e.read() or b"null")

def wait(what, check, seconds=30):
    end = time.time() + seconds
    while time.time() < end:
        if check(): return
        time.sleep(0.2)
    raise SystemExit(f"FAILED: {what}")

try:
    wait("server up", lambda: subprocess.run(["curl", "-sf", f"http://127.0.0.1:{port}/health"], capture_output=True).returncode == 0)
    admin = call("POST", "/auth/login", body={"login": "admin@demo.redress", "password": "demo-admin-2026"})[1]["token"]
    status, hook = call("POST", "/webhooks", admin, {"url": f"http://127.0.0.1:{http_port}/redress", "topics": ["complaint.created"]})
    assert status == 201, hook
    secret["value"] = hook["secret"]
    status, moving = call("POST", "/webhooks", admin, {"url": f"http://127.0.0.1:{http_port}/moved", "topics": ["complaint.created"]})
    assert status == 201, moving
    member = call("POST", "/auth/login", body={"login": "member2@demo.redress", "password": "demo-member-2026"})[1]["token"]
    status, case = call("POST", "/complaints", member, {
        "category": "transaction.topup_not_credited", "narrative": "充值 98 元未到账",
        "order": {"orderNumber": "KM-MAIL-1", "amountPaidFen": 9800, "productKind": "game_topup", "respondent": "platform"},
        "occurredAt": "2026-11-28T10:00:00+08:00", "remedy": {"kind": "refund"}, "amountClaimedFen": 9800})
    assert status == 201, case
    number = case["caseNumber"]

    def mail_to(addr):
        for rcpts, content in mails:
            if addr in rcpts:
                msg = email.message_from_bytes(content)
                subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
                text = base64.b64decode(msg.get_payload()).decode()
                if number in subject and number in text: return subject
    wait("mail to the member through msmtp and SMTP", lambda: mail_to("member2@demo.redress"))
    wait("mail to the L1 agent", lambda: mail_to("agent@demo.redress"))
    print("mail received:", mail_to("member2@demo.redress"))

    wait("a signed webhook delivered after a refused first attempt", lambda: len(hooks) >= 2)
    assert all(h["valid"] for h in hooks), hooks
    assert hooks[0]["delivery"] == hooks[1]["delivery"], "the retry carries the same delivery id"
    assert hooks[1]["body"]["complaint"]["caseNumber"] == number and hooks[1]["topic"] == "complaint.created"
    delivery = hooks[1]["delivery"]
    def delivered():
        s, d = call("GET", f"/deliveries/{delivery}", admin)
        return s == 200 and d["status"] == "delivered" and d
    wait("the delivery log shows the failure and the success", delivered)
    log_entries = delivered()["log"]
    assert [e["ok"] for e in log_entries] == [False, True] and log_entries[0]["statusCode"] == 500, log_entries
    print("webhook delivered:", len(log_entries), "attempts; first", log_entries[0]["error"])

    status, _ = call("POST", f"/deliveries/{delivery}/replay", admin)
    assert status == 202
    wait("the replay arrives", lambda: len(hooks) >= 3)
    assert hooks[2]["delivery"] == delivery and hooks[2]["valid"]
    # The redirecting endpoint: asked, its redirect not followed, the attempt logged as HTTP 302.
    wait("the redirecting webhook asked", lambda: len(moved) >= 1)
    status, pending = call("GET", "/deliveries?limit=500", admin)
    redirect = next(d for d in pending if d["destination"] == moving["id"])
    status, redirect = call("GET", f"/deliveries/{redirect['id']}", admin)
    assert redirect["status"] == "pending" and redirect["log"][0]["statusCode"] == 302, redirect
    assert redirected == [], "a webhook's redirect was followed"
    print("a redirecting webhook: not followed, logged as", redirect["log"][0]["error"])

    status, bad = call("POST", "/webhooks", admin, {"url": "file:///etc/passwd"})
    assert status == 422 and bad["error"]["field"] == "url", bad
    print("OK: e-mail via msmtp to a real SMTP server; signed webhooks with retry, delivery log and replay")
finally:
    server.terminate(); server.wait(10); smtp.stop(); receiver.shutdown()
