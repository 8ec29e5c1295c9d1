#!/usr/bin/env python3
"""UDP servers for tfunnel's end-to-end tests (stdlib only).

Binds every --bind address (default: the remote network's 198.51.100.2 and 2001:db8:2::2) on
every --port, so that each reply leaves from exactly the address and port the datagram was sent
to. Modes:
  echo  send every datagram back, whole, to its sender;
  sink  take every datagram and never answer (a flow that stays unanswered).
Reports on stdout and runs until killed.
"""
import argparse
import selectors
import socket
import sys

BUFFER = 4 << 20  # socket buffers: room for bursts of flows and for 64 KiB datagrams


def say(*words):
    print(*words, flush=True)


def bind_all(addresses, ports):
    socks = []
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        for port in ports:
            sock = socket.socket(family, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER)
            sock.bind((address, port))
            sock.setblocking(False)
            socks.append(sock)
    return socks


def serve(socks, mode):
    sel = selectors.DefaultSelector()
    for sock in socks:
        sel.register(sock, selectors.EVENT_READ)
    seen = 0
    while True:
        for key, _ in sel.select():
            sock = key.fileobj
            while True:
                try:
                    data, peer = sock.recvfrom(65536)
                except BlockingIOError:
                    break
                seen += 1
                if mode == "echo":
                    sock.sendto(data, peer)
                if seen % 100 == 1:
                    say(f"{mode}: datagram {seen}: {len(data)} bytes from {peer[:2]}"
                        f" to {sock.getsockname()[:2]}")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("mode", choices=("echo", "sink"))
    p.add_argument("--port", type=int, action="append", required=True, help="repeatable")
    p.add_argument("--bind", action="append", help="address (repeatable)")
    args = p.parse_args()
    addresses = args.bind or ["198.51.100.2", "2001:db8:2::2"]
    socks = bind_all(addresses, args.port)
    say("bound", addresses, "ports", args.port, "mode", args.mode)
    try:
        serve(socks, args.mode)
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
