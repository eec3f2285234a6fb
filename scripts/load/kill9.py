#!/usr/bin/env python3
"""Durability check: file complaints from 32 threads, kill -9 the server mid-load, and after a
restart check that every complaint the server acknowledged (201) is there.

  kill9.py URL TOKEN SERVER_PID OUT_FILE        load, then kill -9 after 3 s; writes acknowledged ids
  kill9.py --check URL TOKEN OUT_FILE          reads them back from the restarted server
"""
import http.client, json, os, signal, sys, threading, time, urllib.parse

BODY = ('{"category":"transaction.topup_not_credited","order":{"orderNumber":"KILL-%d-%d","amountPaidFen":9800,'
        '"productKind":"game_topup","respondent":"platform"},"occurredAt":"2026-11-20T10:00:00+08:00",'
        '"narrative":"kill -9 测试 %d-%d","remedy":{"kind":"refund"},"amountClaimedFen":9800}')

def conn(url):
    u = urllib.parse.urlparse(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=5)

def load(url, token, pid, out):
    acknowledged, lock, stop = [], threading.Lock(), threading.Event()
    def worker(n):
        c, i = conn(url), 0
        while not stop.is_set():
            i += 1
            try:
                c.request("POST", "/api/v1/complaints", (BODY % (n, i, n, i)).encode(),
                          {"Content-Type": "application/json", "Authorization": "Bearer " + token})
                r = c.getresponse(); data = r.read()
                if r.status == 201:
                    with lock: acknowledged.append(json.loads(data)["id"])
            except Exception:
                return
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(32)]
    for t in threads: t.start()
    time.sleep(3)
    os.kill(pid, signal.SIGKILL)
    stop.set()
    for t in threads: t.join()
    with open(out, "w") as f: f.write("\n".join(acknowledged))
    print(f"acknowledged before kill -9: {len(acknowledged)}")

def check(url, token, path):
    ids = [l for l in open(path).read().split("\n") if l]
    c, missing = conn(url), 0
    for i in ids:
        c.request("GET", "/api/v1/complaints/" + i, headers={"Authorization": "Bearer " + token})
        r = c.getresponse(); r.read()
        if r.status != 200: missing += 1
    print(f"after restart: {len(ids) - missing} of {len(ids)} acknowledged complaints present, {missing} missing")
    sys.exit(1 if missing else 0)

if sys.argv[1] == "--check":
    check(sys.argv[2], sys.argv[3], sys.argv[4])
else:
    load(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
