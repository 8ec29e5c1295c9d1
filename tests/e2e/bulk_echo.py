#!/usr/bin/env python3
"""Send MiB of random bytes to an echo server while reading the echo at the same time; exit 0
when the echo is the same bytes (sha256) and, with --require-overlap, began to come back before
the sending ended (meaningful when MiB exceeds what socket buffers on the path can hold)."""
import argparse
import hashlib
import os
import socket
import sys
import threading
import time


def send_all(sock, size, digest, done):
    try:
        left = size
        while left:
            chunk = os.urandom(min(65536, left))
            digest.update(chunk)
            sock.sendall(chunk)
            left -= len(chunk)
        sock.shutdown(socket.SHUT_WR)
    except OSError as e:
        done["error"] = repr(e)
    done["at"] = time.monotonic()


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--mib", type=int, default=32)
    p.add_argument("--require-overlap", action="store_true")
    args = p.parse_args()
    size = args.mib << 20
    sock = socket.create_connection((args.host, args.port), timeout=30)
    sent, back, done = hashlib.sha256(), hashlib.sha256(), {}
    start = time.monotonic()
    writer = threading.Thread(target=send_all, args=(sock, size, sent, done))
    writer.start()
    got, first_at = 0, None
    while True:
        chunk = sock.recv(262144)
        if not chunk:
            break
        first_at = first_at or time.monotonic()
        back.update(chunk)
        got += len(chunk)
    writer.join()
    secs = time.monotonic() - start
    print(f"{got} of {size} bytes echoed in {secs:.2f}s", flush=True)
    if "error" in done:
        sys.exit(f"FAIL: sending: {done['error']}")
    if got != size or back.digest() != sent.digest():
        sys.exit(f"FAIL: echo differs: {got} bytes, sha256 {back.hexdigest()} != {sent.hexdigest()}")
    if args.require_overlap and (first_at is None or first_at >= done["at"]):
        sys.exit("FAIL: nothing came back before the sending ended")


if __name__ == "__main__":
    main()
