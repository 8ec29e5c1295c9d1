#!/usr/bin/env python3
"""Connect to a push server and read nothing (a stalled application) until --go-file exists;
then read --mib MiB and check they are the server's known bytes, proving the stream survived."""
import argparse
import os
import socket
import sys
import time

from tcp_server import pattern


def wait_for_file(path, timeout):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            sys.exit(f"FAIL: {path} did not appear within {timeout}s")
        time.sleep(0.05)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--ready-file", required=True)
    p.add_argument("--go-file", required=True)
    p.add_argument("--mib", type=int, default=4)
    p.add_argument("--timeout", type=float, default=120)
    args = p.parse_args()
    sock = socket.create_connection((args.host, args.port), timeout=10)
    open(args.ready_file, "w").close()
    print("connected, not reading", flush=True)
    wait_for_file(args.go_file, args.timeout)
    want = pattern(args.mib << 20)
    got = bytearray()
    sock.settimeout(20)
    while len(got) < len(want):
        chunk = sock.recv(len(want) - len(got))
        if not chunk:
            sys.exit(f"FAIL: EOF after {len(got)} bytes")
        got += chunk
    if got != want:
        sys.exit("FAIL: the stalled stream's bytes are not the server's")
    print(f"read {len(got)} intact bytes after the stall", flush=True)


if __name__ == "__main__":
    main()
