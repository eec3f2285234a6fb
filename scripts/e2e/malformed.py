#!/usr/bin/env python3
"""Malformed HTTP against a running server: a bad chunk size answers 400, an absurd Content-Length answers 413 at
once (not after the client gives up), and the server keeps serving.

  malformed.py PORT
"""
import socket, sys, time

PORT = int(sys.argv[1])


def send(raw, timeout=5):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    started = time.time()
    s.sendall(raw)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk: break
            data += chunk
    except socket.timeout:
        pass
    s.close()
    return data.split(b"\r\n", 1)[0].decode(errors="replace"), time.time() - started


def fail(message):
    print("FAILED: " + message)
    sys.exit(1)


status, _ = send(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n{}\r\n0\r\n\r\n")
if " 400 " not in status: fail(f"a bad chunk size answered {status!r}, not 400")
print(f"bad chunk size: {status}")
status, took = send(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{")
if " 413 " not in status or took > 2: fail(f"Content-Length 99,999,999,999 answered {status!r} after {took:.1f} s, not 413 at once")
print(f"absurd Content-Length: {status} in {took * 1000:.0f} ms")
status, _ = send(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
if " 200 " not in status: fail(f"the server stopped answering: {status!r}")
print("OK: malformed requests refused with 400 and 413; the server keeps serving")
