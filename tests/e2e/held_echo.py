#!/usr/bin/env python3
"""One connection held open across something a test does (stdlib only).

  held_echo.py HOST PORT --ready-file F --go-file G [--within S]
      connects to an echo server, checks one echo, touches F, then waits for G to appear and
      checks that the same connection still echoes. Exit 0 when it did, 1 (and a message) when
      anything failed or took longer than S seconds in all.
"""
import argparse
import os
import socket
import sys
import time


def fail(*words):
    print("FAIL:", *words, flush=True)
    sys.exit(1)


def echo(sock, text):
    sock.sendall(text)
    got = b""
    while len(got) < len(text):
        chunk = sock.recv(len(text) - len(got))
        if not chunk:
            fail(f"EOF after {got!r}, expected {text!r}")
        got += chunk
    if got != text:
        fail(f"echo {got!r}, expected {text!r}")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--ready-file", required=True)
    p.add_argument("--go-file", required=True)
    p.add_argument("--within", type=float, default=30.0)
    args = p.parse_args()
    deadline = time.monotonic() + args.within
    try:
        sock = socket.create_connection((args.host, args.port), timeout=10)
        sock.settimeout(10)
        echo(sock, b"before\n")
        open(args.ready_file, "w").close()
        while not os.path.exists(args.go_file):
            if time.monotonic() > deadline:
                fail(f"{args.go_file} did not appear within {args.within}s")
            time.sleep(0.05)
        echo(sock, b"after\n")
    except OSError as e:
        fail(repr(e))
    print("the held connection still echoes", flush=True)


if __name__ == "__main__":
    main()
