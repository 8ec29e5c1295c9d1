#!/usr/bin/env python3
"""TCP servers for tfunnel's end-to-end tests, one behaviour per mode (stdlib only).

Every mode listens on [::]:PORT for IPv4 and IPv6 unless --bind is given, serves each
connection in its own thread, and reports on stdout. Modes that take --count exit after that
many connections: 0 when every one behaved as expected, 1 at the first that did not.
"""
import argparse
import hashlib
import socket
import struct
import sys
import threading
import time

CHUNK = 65536


SAY_LOCK = threading.Lock()


def say(*words):
    # One whole line per report: connection threads report at the same moment
    # (two resets), and tests count the lines.
    line = " ".join(str(w) for w in words) + "\n"
    with SAY_LOCK:
        sys.stdout.write(line)
        sys.stdout.flush()


def linger_zero(sock):
    """Make close() send a RST instead of a FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def read_to_eof(sock, limit=1 << 30):
    data = bytearray()
    while len(data) < limit:
        chunk = sock.recv(CHUNK)
        if not chunk:
            break
        data += chunk
    return bytes(data)


def pattern(size):
    """Deterministic bytes both ends can recompute."""
    block = hashlib.sha256(b"tfunnel").digest() * 2048
    return (block * (size // len(block) + 1))[:size]


def serve_echo(conn, args):
    """Echo everything; after the peer's FIN, flush and send a FIN back."""
    while True:
        chunk = conn.recv(CHUNK)
        if not chunk:
            conn.shutdown(socket.SHUT_WR)
            return True
        conn.sendall(chunk)


def serve_rst_after(conn, args):
    """Send --bytes bytes, then reset the connection."""
    conn.sendall(pattern(args.bytes))
    time.sleep(0.2)
    linger_zero(conn)
    say("sent", args.bytes, "then RST")
    return True


def serve_reply_after_eof(conn, args):
    """Read to EOF, then answer with the sha256 of what was read (the app half-closed first)."""
    data = read_to_eof(conn)
    conn.sendall(hashlib.sha256(data).hexdigest().encode())
    say("read", len(data), "bytes to EOF, replied")
    return True


def serve_send_then_read(conn, args):
    """Send --bytes bytes and a FIN first, then read the app's answer (its sha256) to EOF."""
    data = pattern(args.bytes)
    conn.sendall(data)
    conn.shutdown(socket.SHUT_WR)
    answer = read_to_eof(conn).decode(errors="replace")
    ok = answer == hashlib.sha256(data).hexdigest()
    say("after our FIN got", repr(answer[:80]), "ok" if ok else "MISMATCH")
    return ok


def serve_expect_rst(conn, args):
    """Read the app's line, answer 'ok', then require the app's RST: ECONNRESET, not EOF."""
    conn.settimeout(args.within)
    line = b""
    while not line.endswith(b"\n"):
        chunk = conn.recv(1)
        if not chunk:
            say("EOF before the app's line")
            return False
        line += chunk
    conn.sendall(b"ok\n")
    got = 0
    try:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            got += len(chunk)
        rest = b"x" * got
    except ConnectionResetError:
        if got < args.tail:
            say(f"ECONNRESET after only {got} of the {args.tail} bytes sent before the reset")
            return False
        say(f"got ECONNRESET as expected, after {got} bytes")
        return True
    except socket.timeout:
        say(f"neither RST nor EOF within {args.within}s")
        return False
    say(f"clean EOF after {len(rest)} more bytes instead of ECONNRESET")
    return False


def serve_push(conn, args):
    """Send without end to an app that may never read; report bytes accepted by the kernel."""
    block = memoryview(pattern(CHUNK))
    sent = 0
    conn.settimeout(1.0)
    last = time.monotonic()
    try:
        while True:
            try:
                sent += conn.send(block[sent % CHUNK:])
            except socket.timeout:
                pass
            if time.monotonic() - last >= 1.0:
                say("pushed", sent)
                last = time.monotonic()
    except OSError as e:
        say("push ended after", sent, "bytes:", repr(e))
    return True


def serve_sentinel(conn, args):
    """Any connection here is a failure of the test: record it."""
    say("CONNECTION from", conn.getpeername())
    return False


MODES = {
    "echo": serve_echo,
    "rst-after": serve_rst_after,
    "reply-after-eof": serve_reply_after_eof,
    "send-then-read": serve_send_then_read,
    "expect-rst": serve_expect_rst,
    "push": serve_push,
    "sentinel": serve_sentinel,
}


def listeners(args):
    if not args.bind:
        return [socket.create_server(("::", args.port), family=socket.AF_INET6,
                                     dualstack_ipv6=True, backlog=4096)]
    out = []
    for addr in args.bind:
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        out.append(socket.create_server((addr, args.port), family=fam, backlog=4096))
    return out


class Tally:
    """Counts connections; with --count, ends the process once that many are done or one fails."""

    def __init__(self, count):
        self.count, self.done, self.lock = count, 0, threading.Lock()
        self.finished = threading.Event()
        self.status = 0

    def record(self, ok):
        with self.lock:
            self.done += 1
            if not ok:
                self.status = 1
            if self.count and (not ok or self.done >= self.count):
                self.finished.set()


def handle(conn, args, tally):
    ok = False
    try:
        ok = MODES[args.mode](conn, args)
    except OSError as e:
        say("connection error:", repr(e), "in mode", args.mode)
    finally:
        conn.close()
    tally.record(ok)


def accept_loop(sock, args, tally):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=handle, args=(conn, args, tally), daemon=True).start()


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("mode", choices=sorted(MODES))
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--bind", action="append", help="address to listen on (repeatable)")
    p.add_argument("--bytes", type=int, default=1 << 20)
    p.add_argument("--tail", type=int, default=0, help="expect-rst: bytes that must arrive before the RST")
    p.add_argument("--count", type=int, default=0, help="exit after this many connections")
    p.add_argument("--within", type=float, default=5.0)
    args = p.parse_args()
    threading.stack_size(256 * 1024)
    tally = Tally(args.count)
    for sock in listeners(args):
        threading.Thread(target=accept_loop, args=(sock, args, tally), daemon=True).start()
    say("listening on port", args.port, "mode", args.mode)
    tally.finished.wait()
    say("done:", tally.done, "connection(s), status", tally.status)
    sys.exit(tally.status)


if __name__ == "__main__":
    main()
