#!/usr/bin/env python3
"""Application-side probes of how tfunnel carries the end of a TCP connection (stdlib only).

Each mode makes its connection(s) to HOST PORT, checks one rule, prints what it saw and exits
0 when the rule held, 1 when it did not.
"""
import argparse
import errno
import hashlib
import select
import socket
import struct
import sys
import time

from tcp_server import pattern, read_to_eof

RESET_ERRNOS = (errno.ECONNRESET, errno.ECONNREFUSED)


def say(*words):
    print(*words, flush=True)


def fail(*words):
    say("FAIL:", *words)
    sys.exit(1)


def connect(host, port, timeout):
    return socket.create_connection((host, port), timeout=timeout)


def probe_expect_reset(args):
    """The connection ends in ECONNRESET or ECONNREFUSED within --within s (and not before
    --after s), never a clean EOF."""
    start = time.monotonic()
    got = 0
    try:
        sock = connect(args.host, args.port, args.within)
        sock.settimeout(max(0.1, args.within - (time.monotonic() - start)))
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                fail(f"clean EOF after {got} bytes, expected a reset")
            got += len(chunk)
    except OSError as e:
        elapsed = time.monotonic() - start
        if e.errno not in RESET_ERRNOS:
            fail(f"{e!r} after {elapsed:.2f}s and {got} bytes, expected ECONNRESET/ECONNREFUSED")
        if elapsed > args.within:
            fail(f"{errno.errorcode[e.errno]} came after {elapsed:.2f}s > {args.within}s")
        if elapsed < args.after:
            fail(f"{errno.errorcode[e.errno]} came after {elapsed:.2f}s < {args.after}s")
        say(f"{errno.errorcode[e.errno]} after {elapsed:.2f}s and {got} bytes")


def probe_rst_close(args):
    """Talk to an expect-rst server, then close with a RST (SO_LINGER 0)."""
    sock = connect(args.host, args.port, 10)
    sock.sendall(b"hello, about to reset\n")
    if sock.recv(3) != b"ok\n":
        fail("no ok from the server")
    if args.tail:
        sock.sendall(b"t" * args.tail)  # last words, sent just before the reset
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    say("closed with RST")


def probe_half_close_app(args):
    """We send and shut down our side first; the server's answer must still arrive, then EOF."""
    sock = connect(args.host, args.port, 10)
    sock.settimeout(20)
    data = pattern(args.bytes)
    sock.sendall(data)
    sock.shutdown(socket.SHUT_WR)
    answer = read_to_eof(sock).decode(errors="replace")
    if answer != hashlib.sha256(data).hexdigest():
        fail(f"answer after our FIN was {answer[:80]!r}")
    say(f"sent {len(data)} bytes and FIN, got the right answer and EOF")


def probe_half_close_server(args):
    """The server sends and shuts down first; we read to EOF, then still answer it."""
    sock = connect(args.host, args.port, 10)
    sock.settimeout(20)
    data = read_to_eof(sock)
    if data != pattern(args.bytes):
        fail(f"got {len(data)} bytes before EOF, expected {args.bytes} known bytes")
    sock.sendall(hashlib.sha256(data).hexdigest().encode())
    sock.shutdown(socket.SHUT_WR)
    if sock.recv(1) != b"":
        fail("data after the server's FIN")
    say(f"read {len(data)} bytes to EOF, answered after it")


def probe_direct(args):
    """A connection straight to the listener must be refused, reset or closed, carrying nothing."""
    start = time.monotonic()
    try:
        sock = connect(args.host, args.port, args.within)
        sock.settimeout(args.within)
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        chunk = sock.recv(65536)
    except socket.timeout:
        fail(f"neither reset nor EOF within {args.within}s")
    except OSError as e:
        if e.errno in RESET_ERRNOS + (errno.EPIPE,):
            say(f"{errno.errorcode[e.errno]} after {time.monotonic() - start:.2f}s")
            return
        fail(repr(e))
    if chunk:
        fail(f"got data {chunk[:40]!r}")
    say(f"EOF after {time.monotonic() - start:.2f}s")


def probe_hold(args):
    """Open checked echo connections, touch --ready-file, then each must end with ECONNRESET."""
    socks = []
    for host in args.host.split(","):
        sock = connect(host, args.port, 10)
        sock.settimeout(10)
        sock.sendall(b"ping\n")
        if sock.recv(5) != b"ping\n":
            fail(f"no echo from {host}")
        socks.append(sock)
    open(args.ready_file, "w").close()
    say(f"{len(socks)} connection(s) up")
    deadline = time.monotonic() + args.within
    while socks:
        left = deadline - time.monotonic()
        ready, _, _ = select.select(socks, [], [], max(0, left))
        if not ready:
            fail(f"{len(socks)} connection(s) still open after {args.within}s")
        for sock in ready:
            hold_expect_reset(sock)
            socks.remove(sock)
    say("every connection was reset")


def probe_download(args):
    """Read a server's endless stream; touch --ready-file once --bytes have arrived. Then the
    connection must end with ECONNRESET, never a clean EOF (a truncated download), with no
    stretch of --within s without data or the reset."""
    sock = connect(args.host, args.port, 10)
    sock.settimeout(args.within)
    got, ready_at = 0, None
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                fail(f"clean EOF after {got} bytes: a truncated download, not a reset")
            got += len(chunk)
            if ready_at is None and got >= args.bytes:
                open(args.ready_file, "w").close()
                ready_at = time.monotonic()
                say(f"{got} bytes in, downloading on")
    except ConnectionResetError:
        if ready_at is None:
            fail(f"ECONNRESET after only {got} bytes, before the download was under way")
        say(f"ECONNRESET after {got} bytes, {time.monotonic() - ready_at:.2f}s after the ready mark")
    except socket.timeout:
        fail(f"neither data nor a reset for {args.within}s, after {got} bytes")


def hold_expect_reset(sock):
    try:
        chunk = sock.recv(65536)
    except ConnectionResetError:
        return
    fail("data" if chunk else "clean EOF (a FIN) instead of a reset")


PROBES = {
    "expect-reset": probe_expect_reset,
    "rst-close": probe_rst_close,
    "half-close-app": probe_half_close_app,
    "half-close-server": probe_half_close_server,
    "direct": probe_direct,
    "hold": probe_hold,
    "download": probe_download,
}


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("mode", choices=sorted(PROBES))
    p.add_argument("host", help="address (hold: comma-separated addresses)")
    p.add_argument("port", type=int)
    p.add_argument("--within", type=float, default=3.0)
    p.add_argument("--after", type=float, default=0.0)
    p.add_argument("--bytes", type=int, default=1 << 20,
                   help="half-close: bytes to send; download: bytes before --ready-file")
    p.add_argument("--ready-file")
    p.add_argument("--tail", type=int, default=0, help="rst-close: bytes sent right before the RST")
    args = p.parse_args()
    PROBES[args.mode](args)


if __name__ == "__main__":
    main()
