#!/usr/bin/env python3
"""Builds one large case on a running Redress server and downloads its dossier.

usage: big_case.py URL OUT.zip [EVENTS] [FILES] [FILE_KIB]
A member files a complaint, adds FILES evidence files of FILE_KIB KiB each and messages until the case
has EVENTS events; the member's dossier is written to OUT.zip.
"""
import http.client, json, os, sys, urllib.parse, uuid

url, out = sys.argv[1], sys.argv[2]
events = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
files = int(sys.argv[4]) if len(sys.argv) > 4 else 50
kib = int(sys.argv[5]) if len(sys.argv) > 5 else 100
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port)

def call(method, path, body=None, token=None, headers=None, raw=False):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    if r.status >= 300:
        sys.exit(f"{method} {path}: {r.status} {data[:300]!r}")
    return data if raw else json.loads(data)

login = os.environ.get("BIG_CASE_LOGIN") or f"big-{uuid.uuid4().hex[:8]}@bench.redress"
call("POST", "/api/v1/members", {"login": login, "password": "big-case-password", "displayName": "压测会员"})
token = call("POST", "/api/v1/auth/login", {"login": login, "password": "big-case-password"})["token"]
case = call("POST", "/api/v1/complaints", {
    "category": "transaction.goods_not_as_described",
    "order": {"orderNumber": "KM-BIG", "amountPaidFen": 19900, "productKind": "licence_key", "respondent": "platform"},
    "occurredAt": "2026-11-28T10:00:00+08:00", "narrative": "激活码无效，客服多次答复不一致。", "remedy": {"kind": "refund"},
    "amountClaimedFen": 19900}, token)
cid, count = case["id"], case["eventCount"]
for i in range(files):
    content = b"\x89PNG\r\n\x1a\n" + os.urandom(kib * 1024 - 8)
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"截图{i}.png\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    r = call("POST", f"/api/v1/complaints/{cid}/evidence", body, token, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    count = r["events"][-1]["sequence"] if r["events"] else count
while count < events:
    r = call("POST", f"/api/v1/complaints/{cid}/messages", {"body": f"第 {count} 次补充说明：订单号 KM-BIG，激活码仍然无效。"}, token)
    count = r["events"][-1]["sequence"]
zip_bytes = call("GET", f"/api/v1/complaints/{cid}/dossier", token=token, raw=True)
with open(out, "wb") as f:
    f.write(zip_bytes)
print(f"case {case['caseNumber']}: {count} events, {files} files of {kib} KiB; dossier {len(zip_bytes) / 1048576:.1f} MiB → {out}")
