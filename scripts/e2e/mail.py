#!/usr/bin/env python3
"""Mail in through a real MTA: Debian's Postfix, its pipe transport running `redress mailgate`, mail sent with swaks.

A Postfix instance of its own (config and queue under WORKDIR, SMTP on a loopback port) delivers everything for
redress.test to `redress mailgate --recipient ${recipient}` as user nobody. Redress's own mail goes out through msmtp
to an SMTP server (aiosmtpd) the test reads. Checked:
  1. a member's GBK mail with a JPEG whose GB18030 name is in RFC 2231 continuations is held (the address is not yet
     confirmed) and answered with a confirmation link; the member confirms it and the case holds the Chinese text,
     the JPEG under its Chinese name and the whole message;
  2. the member's Outlook-style reply to the notice Redress sent (to its per-case reply address, In-Reply-To its
     Message-ID) is added to the case without the quoted notice;
  3. a bounce and an auto-reply open nothing and are answered by nothing;
  4. the server stopped: Postfix keeps the message queued (mailgate exits 75), delivers it once the server is back,
     and the same message sent again is not filed twice;
  5. `redress mailgate` refuses a 50 MB message with exit 65 and the reason, and answers 75 to a wrong credential.
Usage: mail.py PATH/TO/redress WORKDIR
"""
import base64, email, email.header, json, os, shutil, socket, subprocess, sys, time, urllib.request
from aiosmtpd.controller import Controller

binary, work = sys.argv[1], os.path.abspath(sys.argv[2])
os.makedirs(work, exist_ok=True)
os.chmod(work, 0o755)
corpus = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "RedressMailTests", "Corpus")

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def wait(what, check, seconds=40):
    end = time.time() + seconds
    while time.time() < end:
        value = check()
        if value: return value
        time.sleep(0.3)
    raise SystemExit(f"FAILED: {what}")

# Redress's outgoing mail.
sent = []
class Mailbox:
    async def handle_DATA(self, server, session, envelope):
        sent.append((envelope.rcpt_tos, envelope.content)); return "250 OK"
smtp_port = free_port()
smtp = Controller(Mailbox(), hostname="127.0.0.1", port=smtp_port); smtp.start()

# The server.
token = "mailgate-e2e-credential-0123456789"
port = free_port()
env = dict(os.environ, REDRESS_BCRYPT_COST="4", REDRESS_OUTBOX_SECONDS="0.3", REDRESS_MAILGATE_TOKEN=token,
           REDRESS_MAIL_REPLY_ADDRESS="complaints@redress.test", REDRESS_MAIL_FROM="redress@redress.test",
           REDRESS_PLATFORM_NAME="演示卡盟", REDRESS_PUBLIC_URL=f"http://127.0.0.1:{port}",
           REDRESS_SENDMAIL=f"/usr/bin/msmtp --host=127.0.0.1 --port={smtp_port} --auth=off --tls=off --from=redress@redress.test -t")
data = os.path.join(work, "data")
server_log = open(os.path.join(work, "server.log"), "a")
def start_server():
    p = subprocess.Popen([binary, "serve", "--data", data, "--port", str(port), "--demo"], env=env, stdout=server_log, stderr=server_log)
    wait("server up", lambda: subprocess.run(["curl", "-sf", f"http://127.0.0.1:{port}/health"], capture_output=True).returncode == 0)
    return p

# The gateway runs as nobody: the binary and the credential where nobody reads them.
gate = os.path.join(work, "gate"); os.makedirs(gate); os.chmod(gate, 0o755)
shutil.copy2(binary, os.path.join(gate, "redress")); os.chmod(os.path.join(gate, "redress"), 0o755)
with open(os.path.join(gate, "token"), "w") as f: f.write(token + "\n")
os.chmod(os.path.join(gate, "token"), 0o644)

# A Postfix instance of its own.
conf = os.path.join(work, "postfix"); os.makedirs(conf)
mta_port = free_port()
shutil.copy("/etc/postfix/master.cf", os.path.join(conf, "master.cf"))
with open(os.path.join(conf, "main.cf"), "w") as f:
    f.write(f"""compatibility_level = 3.6
queue_directory = {work}/spool
data_directory = {work}/postfix-data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.redress.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = redress.test
relay_recipient_maps =
transport_maps = inline:{{ redress.test=redress: }}
redress_destination_recipient_limit = 1
maillog_file = {work}/postfix.log
maillog_file_prefixes = {work}
smtputf8_enable = no
minimal_backoff_time = 300s
maximal_backoff_time = 600s
""")
def postconf(*args): subprocess.run(["postconf", "-c", conf, *args], check=True)
postconf("-MX", "smtp/inet")
postconf("-M", f"{mta_port}/inet={mta_port} inet n - n - - smtpd")
postconf("-M", "redress/unix=redress unix - n n - - pipe flags=DRq user=nobody argv=" + os.path.join(gate, "redress")
         + f" mailgate --url http://127.0.0.1:{port} --token-file " + os.path.join(gate, "token") + " --recipient ${recipient}")
postconf("-F", "*/*/chroot = n")
for d in ("spool", "postfix-data"): os.makedirs(os.path.join(work, d))
shutil.chown(os.path.join(work, "postfix-data"), "postfix")
subprocess.run(["postfix", "-c", conf, "check"], check=True)
subprocess.run(["postfix", "-c", conf, "start"], check=True)

def send(raw, to="complaints@redress.test", sender="zhang.wei@mail.example.cn"):
    path = os.path.join(work, f"out-{time.time_ns()}.eml")
    with open(path, "wb") as f: f.write(raw)
    out = subprocess.run(["swaks", "--server", f"127.0.0.1:{mta_port}", "--to", to, "--from", sender, "--data", "@" + path,
                          "--suppress-data", "--hide-informational"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr

def queued():
    out = subprocess.run(["postqueue", "-c", conf, "-j"], capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]

base = f"http://127.0.0.1:{port}/api/v1"
def call(method, path, token=None, body=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token: req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r: return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e: return e.code, json.loads(e.read() or b"null")

def decoded(content):
    msg = email.message_from_bytes(content)
    subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
    return msg, subject, base64.b64decode(msg.get_payload()).decode()

def mail_to(addr, contains):
    for rcpts, content in sent:
        if addr in rcpts:
            msg, subject, text = decoded(content)
            if contains in subject or contains in text: return msg, subject, text

def b64(data):
    s = base64.b64encode(data).decode(); return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))

MEMBER = "zhang.wei@mail.example.cn"
JPEG = bytes([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]) + b"JFIF\x00" + bytes(range(256)) * 8 + bytes([0xFF, 0xD9])

server = start_server()
try:
    status, _ = call("POST", "/members", body={"login": MEMBER, "password": "password-123", "displayName": "张伟"})
    assert status == 201
    member = call("POST", "/auth/login", body={"login": MEMBER, "password": "password-123"})[1]["token"]
    admin = call("POST", "/auth/login", body={"login": "admin@demo.redress", "password": "demo-admin-2026"})[1]["token"]
    def cases(): return call("GET", "/complaints", member)[1]["items"]

    # 1. A GBK message with a JPEG named in GB18030 by RFC 2231 continuations.
    name = "".join("%%%02X" % c for c in "充值截图.jpg".encode("gb18030"))
    subject = "=?GBK?B?" + base64.b64encode("点卡充值未到账".encode("gbk")).decode() + "?="
    first = "\r\n".join([
        "From: =?GBK?B?" + base64.b64encode("张伟".encode("gbk")).decode() + "?= <zhang.wei@mail.example.cn>", "To: complaints@redress.test", f"Subject: {subject}",
        "Date: Mon, 07 Dec 2026 10:15:00 +0800", "Message-ID: <e2e-1@mail.example.cn>", "MIME-Version: 1.0", "X-Mailer: Foxmail 7.2",
        'Content-Type: multipart/mixed; boundary="----=_NextPart_5F3A"', "", "------=_NextPart_5F3A", "Content-Type: text/plain; charset=gbk",
        "Content-Transfer-Encoding: base64", "", b64("订单号 DD20261207101，充值 100 元点卡未到账，卖家朱镕不回复。".encode("gbk")), "",
        "------=_NextPart_5F3A", "Content-Type: image/jpeg", "Content-Disposition: attachment;", f" filename*0*=gb18030''{name[:15]};",
        f" filename*1*={name[15:]}", "Content-Transfer-Encoding: base64", "", b64(JPEG), "------=_NextPart_5F3A--", ""]).encode()
    send(first)
    _, _, answer = wait("the confirmation request to the sender", lambda: mail_to(MEMBER, "/my/mail/"))
    link = next(line for line in answer.splitlines() if "/my/mail/" in line).strip()
    assert cases() == [], "a case was opened for an unconfirmed address"
    status, case = call("POST", f"/mail/held/{link.rsplit('/', 1)[1]}/confirm", member, {"category": "transaction.topup_not_credited"})
    assert status == 201, case
    assert case["channel"] == "email" and "朱镕" in case["narrative"] and case["order"]["orderNumber"] == "DD20261207101", case
    assert case["amountClaimedFen"] == 10000, case
    files = call("GET", f"/complaints/{case['id']}/evidence", member)[1]
    assert sorted(f["mediaType"] for f in files) == ["image/jpeg", "message/rfc822"], files
    assert any(f["fileName"] == "充值截图.jpg" and f["sizeBytes"] == len(JPEG) for f in files), files
    print("1. GBK mail with a GB18030-named JPEG: held, confirmed, filed as", case["caseNumber"])

    # 2. The member answers the notice Redress sent, as Outlook does.
    notice, notice_subject, _ = wait("the notice of the new case to the member", lambda: mail_to(MEMBER, case["caseNumber"]))
    reply_to, notice_id = notice["Reply-To"], notice["Message-ID"]
    assert reply_to.startswith("complaints+r.") and notice["Auto-Submitted"] == "auto-generated", notice
    quoted = f"补充：卖家已读不回，请尽快处理。\r\n\r\n-----原始邮件-----\r\n发件人: 演示卡盟 维权台 <redress@redress.test>\r\n发送时间: 2026年12月7日 10:20\r\n主题: {notice_subject}\r\n"
    reply = "\r\n".join([
        "From: =?gb2312?B?" + base64.b64encode("张伟".encode("gbk")).decode() + "?= <zhang.wei@mail.example.cn>", f"To: {reply_to}",
        "Subject: =?gb2312?B?" + base64.b64encode(("回复: " + notice_subject).encode("gbk")).decode() + "?=",
        "Message-ID: <e2e-2@mail.example.cn>", f"In-Reply-To: {notice_id}", f"References: {notice['References']} {notice_id}",
        "Thread-Topic: reply", "X-Mailer: Microsoft Outlook 16.0", "MIME-Version: 1.0", 'Content-Type: text/plain; charset="gb2312"',
        "Content-Transfer-Encoding: base64", "", b64(quoted.encode("gbk")), ""]).encode()
    send(reply, to=reply_to)
    def replied():
        events = call("GET", f"/complaints/{case['id']}/timeline", member)[1]
        events = events.get("events", events) if isinstance(events, dict) else events
        return [e for e in events if e["kind"] == "public_message" and "卖家已读不回" in json.dumps(e["payload"], ensure_ascii=False)]
    added = wait("the reply on the case", replied)
    assert "原始邮件" not in json.dumps(added, ensure_ascii=False) and added[0]["actor"]["role"] == "member", added
    print("2. Outlook-style reply threaded onto", case["caseNumber"], "without the quoted notice")

    # 3. A bounce and an auto-reply: nothing opened, nothing answered.
    answers_before = len([1 for rcpts, _ in sent if MEMBER in rcpts or "mailer-daemon@mx.example.cn" in rcpts])
    for name in ("18-bounce-dsn.eml", "19-auto-submitted.eml"):
        with open(os.path.join(corpus, name), "rb") as f: send(f.read(), sender="mailer-daemon@mx.example.cn")
    def ignored():
        mails = call("GET", "/mail/inbound?status=ignored", admin)[1]
        return len(mails) >= 2 and mails
    got = wait("the bounce and the auto-reply taken and ignored", ignored)
    assert sorted(m["reason"] for m in got) == ["auto_reply", "bounce"], got
    time.sleep(1.5)
    assert len([1 for rcpts, _ in sent if MEMBER in rcpts or "mailer-daemon@mx.example.cn" in rcpts]) == answers_before, "machine mail was answered"
    assert len(cases()) == 1
    print("3. a bounce and an auto-reply: kept as ignored, nothing answered, no case")

    # 4. The server away: the message waits in Postfix's queue and arrives once, when it is back.
    server.terminate(); server.wait(15)
    later = "\r\n".join([f"From: {MEMBER}", "To: complaints@redress.test", "Subject: =?UTF-8?B?" + base64.b64encode("又一笔充值未到账".encode()).decode() + "?=",
                         "Message-ID: <e2e-3@mail.example.cn>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "",
                         "订单号 DD20261207102 充值 50 元未到账。", ""]).encode()
    send(later)
    deferred = wait("the message deferred in Postfix's queue", lambda: [q for q in queued() if any(r.get("delay_reason") for r in q["recipients"])])
    print("4. server down: Postfix deferred it:", deferred[0]["recipients"][0]["delay_reason"][:100])
    server = start_server()
    member = call("POST", "/auth/login", body={"login": MEMBER, "password": "password-123"})[1]["token"]
    admin = call("POST", "/auth/login", body={"login": "admin@demo.redress", "password": "demo-admin-2026"})[1]["token"]
    subprocess.run(["postqueue", "-c", conf, "-f"], check=True)
    wait("the queued message filed once the server is back", lambda: len(cases()) == 2)
    wait("Postfix's queue empty", lambda: queued() == [])
    send(later)  # the same Message-ID again
    def taken_twice():
        status, mails = call("GET", "/mail/inbound", admin)
        assert status == 200, mails
        return any(m["subject"] == "又一笔充值未到账" for m in mails) and queued() == [] and mails
    wait("the repeat taken", taken_twice)
    time.sleep(1)
    assert len(cases()) == 2, "the same message was filed twice"
    assert len([m for m in call("GET", "/mail/inbound", admin)[1] if m["subject"] == "又一笔充值未到账"]) == 1
    print("   delivered after the restart, filed once; the same message again was not filed twice")

    # 5. redress mailgate as the mail system runs it: a 50 MB message is refused with the reason (65: bounce it); a
    # wrong credential keeps the message queued (75), as a server that is away does.
    huge = b"From: " + MEMBER.encode() + b"\r\nSubject: big\r\nMessage-ID: <e2e-huge@mail.example.cn>\r\n\r\n" + b"A" * (50 * 1024 * 1024)
    gate_bin = os.path.join(gate, "redress")
    out = subprocess.run([gate_bin, "mailgate", "--url", f"http://127.0.0.1:{port}", "--token-file", os.path.join(gate, "token")],
                         input=huge, capture_output=True)
    assert out.returncode == 65 and b"message_too_large" in out.stdout, (out.returncode, out.stdout, out.stderr)
    wrong = subprocess.run([gate_bin, "mailgate", "--url", f"http://127.0.0.1:{port}"], input=later, capture_output=True,
                           env=dict(os.environ, REDRESS_MAILGATE_TOKEN="not-the-credential-0000"))
    assert wrong.returncode == 75, (wrong.returncode, wrong.stdout)
    print("5. redress mailgate: 50 MB refused with exit 65 and the reason; a wrong credential answered 75 (kept queued)")
    print("OK: mail in through Postfix and redress mailgate")
finally:
    server.terminate(); server.wait(15)
    subprocess.run(["postfix", "-c", conf, "stop"], capture_output=True)
    smtp.stop()
