#!/usr/bin/env python3
"""A tfunnel peer that breaks the protocol on purpose (stdlib only).

It is the other end of the channel of the tfunnel under test: it writes to stdout (the target's
stdin) and reads stdin (the target's stdout). As the client (default) it targets a proxy; with
--role proxy, a client. Each CASE sends the handshake of its role, unless the case is about the
handshake, then frames that break one rule of common/PROTOCOL.md, then reads until the target closes
the channel, at most --hold seconds. What it sent and received goes to stderr, one line each.

The wire format is written out here again, field by field, from common/PROTOCOL.md; the fuzz corpus
script (tests/fuzz/make_corpus.py) builds its seeds with the same functions.
"""
import argparse
import ipaddress
import os
import select
import struct
import sys
import time

# ---- the wire format (common/PROTOCOL.md) ---------------------------------------------------------

MAGIC = b"TFNL"
VERSION = 1
ROLE_CLIENT, ROLE_PROXY = 1, 2
OPEN, OPENED, DATA, FIN, RST, CREDIT, PING, PONG, UDP_OPEN, DATAGRAM, UNREACHABLE, ACK = range(1, 13)
TYPE_NAMES = {OPEN: "open", OPENED: "opened", DATA: "data", FIN: "fin", RST: "rst", CREDIT: "credit",
              PING: "ping", PONG: "pong", UDP_OPEN: "udp_open", DATAGRAM: "datagram",
              UNREACHABLE: "unreachable", ACK: "ack"}
HEADER_SIZE = 8
OPEN_TO_RESOLVER = 0x80
INITIAL_WINDOW = 256 * 1024
MAX_WINDOW = 1 << 30
MAX_DATA = 16384  # what tfunnel puts in one data frame; the format allows 65535


def handshake(role, version=VERSION):
    return MAGIC + struct.pack("!HBB", version, role, 0)


def frame(ftype, stream, payload=b"", length=None, flags=0):
    """One frame: type(1) flags(1) length(2) stream(4) payload; `length` overrides the real one."""
    return struct.pack("!BBHI", ftype, flags, len(payload) if length is None else length,
                       stream) + payload


def open_payload(src, src_port, dst, dst_port, to_resolver=False):
    """family(1) src_addr src_port(2) dst_addr dst_port(2), both addresses of one family; the
    family byte's high bit marks a DNS query for the proxy's own resolver."""
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    return (struct.pack("!B", s.version | (OPEN_TO_RESOLVER if to_resolver else 0)) + s.packed + struct.pack("!H", src_port) + d.packed +
            struct.pack("!H", dst_port))


def credit(increment):
    return struct.pack("!I", increment)


def ping(opaque):
    return struct.pack("!Q", opaque)


# ---- the channel ------------------------------------------------------------------------------------

def log(*words):
    print("bad_peer:", *words, file=sys.stderr, flush=True)


def describe(data):
    """The first bytes, escaped, for the log."""
    return repr(data[:48]) + ("..." if len(data) > 48 else "")


class Channel:
    def __init__(self):
        self.received = b""
        self.eof = False

    def send(self, data, what):
        """Writes everything; False when the target has closed the channel."""
        log(f"send {what}: {len(data)} bytes {describe(data)}")
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(1, view):]
        except BrokenPipeError:
            log(f"the target closed the channel with {len(view)} bytes unsent")
            return False
        return True

    def read_some(self, deadline):
        """Reads what comes before `deadline`; False at EOF or the deadline."""
        left = deadline - time.monotonic()
        if self.eof or left <= 0 or not select.select([0], [], [], left)[0]:
            return False
        try:
            chunk = os.read(0, 65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.received += chunk
        return True

    def frames(self):
        """The target's frames received so far, after its handshake: (type, stream, payload)."""
        out, at = [], HEADER_SIZE
        while len(self.received) >= at + HEADER_SIZE:
            ftype, _, length, stream = struct.unpack("!BBHI", self.received[at:at + HEADER_SIZE])
            if len(self.received) < at + HEADER_SIZE + length:
                break
            out.append((ftype, stream, self.received[at + HEADER_SIZE:at + HEADER_SIZE + length]))
            at += HEADER_SIZE + length
        return out

    def wait_frame(self, ftype, seconds):
        """The stream id of the target's first frame of this type, or None after `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            for t, stream, _ in self.frames():
                if t == ftype:
                    return stream
            if not self.read_some(deadline):
                return None

    def hold(self, seconds):
        """Reads until the target closes the channel, at most `seconds`; then logs what came."""
        deadline = time.monotonic() + seconds
        while self.read_some(deadline):
            pass
        names = [f"{TYPE_NAMES.get(t, t)} {s}" for t, s, _ in self.frames()]
        log(f"received {len(self.received)} bytes: handshake {describe(self.received[:HEADER_SIZE])}",
            f"frames: {', '.join(names) or 'none'}; {'EOF' if self.eof else 'no EOF'}")


# ---- cases against a proxy (bad_peer is the client) -----------------------------------------------

def opening(args, stream=1):
    """A TCP open for `stream` to --dst (where a connect should hang, so the stream stays live)."""
    host, port = args.dst.rsplit(":", 1)
    src = "2001:db8::7" if ":" in host else "192.0.2.7"
    return frame(OPEN, stream, open_payload(src, 40000, host.strip("[]"), int(port)))


def data_frames(stream, total):
    out, left = b"", total
    while left > 0:
        n = min(left, MAX_DATA)
        out += frame(DATA, stream, b"x" * n)
        left -= n
    return out


PROXY_CASES = {
    "random": ("4096 random bytes instead of a handshake",
               lambda a: [(os.urandom(4096), "random bytes")]),
    "banner": ("a shell's login banner before the handshake",
               lambda a: [(b"Last login: Sun Nov 22 08:12:43 2026 from 192.0.2.7\r\n"
                           b"Welcome to Debian GNU/Linux 12\r\n" + handshake(ROLE_CLIENT),
                           "banner and handshake")]),
    "unknown-stream": ("data for a stream never opened",
                       lambda a: [(frame(DATA, 7, b"hello"), "data on stream 7")]),
    "oversized-length": ("an open frame whose length does not fit its type",
                         lambda a: [(frame(OPEN, 1, b"\x04" * 64, length=0xffff),
                                     "open with length 65535")]),
    "over-credit": ("one byte of data beyond the initial window",
                    lambda a: [(opening(a), "open 1"),
                               (data_frames(1, INITIAL_WINDOW), "a whole window of data"),
                               (frame(DATA, 1, b"!"), "one byte more")]),
    "duplicate-open": ("a second open for a live stream",
                       lambda a: [(opening(a), "open 1"), (opening(a), "open 1 again")]),
    "credit-overflow": ("credit that grows the window past 2^30",
                        lambda a: [(opening(a), "open 1"),
                                   (frame(CREDIT, 1, credit(MAX_WINDOW - INITIAL_WINDOW)),
                                    "credit up to the limit"),
                                   (frame(CREDIT, 1, credit(1)), "credit of 1 more")]),
    "data-after-fin": ("data after the stream's fin",
                       lambda a: [(opening(a), "open 1"), (frame(DATA, 1, b"before"), "data 1"),
                                  (frame(FIN, 1), "fin 1"), (frame(DATA, 1, b"late"), "data 1")]),
    "fin-after-fin": ("a second fin",
                      lambda a: [(opening(a), "open 1"), (frame(FIN, 1), "fin 1"),
                                 (frame(FIN, 1), "fin 1 again")]),
}

# ---- cases against a client (bad_peer is the proxy; they wait for the client's open) -------------

CLIENT_CASES = {
    "banner": ("a shell's login banner before the handshake", None),
    "repeated-opened": ("opened twice for one stream",
                        lambda s: [(frame(OPENED, s), f"opened {s}"),
                                   (frame(OPENED, s), f"opened {s} again")]),
    "unknown-stream": ("data for a stream never opened",
                       lambda s: [(frame(OPENED, s), f"opened {s}"),
                                  (frame(DATA, s + 98, b"hello"), f"data on stream {s + 98}")]),
}


def run_proxy_case(args, channel):
    steps = [(handshake(ROLE_CLIENT), "handshake")] if args.case not in ("random", "banner") else []
    steps += PROXY_CASES[args.case][1](args)
    for data, what in steps:
        if not channel.send(data, what):
            return


def run_client_case(args, channel):
    if args.case == "banner":
        channel.send(b"Last login: Sun Nov 22 08:12:43 2026 from 192.0.2.7\r\n" +
                     handshake(ROLE_PROXY), "banner and handshake")
        return
    if not channel.send(handshake(ROLE_PROXY), "handshake"):
        return
    stream = channel.wait_frame(OPEN, args.wait)
    if stream is None:
        log(f"no open from the client within {args.wait}s")
        sys.exit(1)
    log(f"the client opened stream {stream}")
    for data, what in CLIENT_CASES[args.case][1](stream):
        if not channel.send(data, what):
            return


def main():
    cases = "\n".join(
        [f"  {n:18} {d} (to a proxy)" for n, (d, _) in PROXY_CASES.items()] +
        [f"  {n:18} {d} (to a client, --role proxy)" for n, (d, _) in CLIENT_CASES.items()])
    p = argparse.ArgumentParser(description=__doc__, epilog="cases:\n" + cases,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("case")
    p.add_argument("--role", choices=("client", "proxy"), default="client",
                   help="the role bad_peer plays (default: client, against a proxy)")
    p.add_argument("--dst", default="203.0.113.9:80",
                   help="where the proxy cases open their TCP stream (default 203.0.113.9:80)")
    p.add_argument("--wait", type=float, default=10, help="seconds to wait for a client's open")
    p.add_argument("--hold", type=float, default=10,
                   help="seconds to wait for the target to close the channel")
    args = p.parse_args()
    table = PROXY_CASES if args.role == "client" else CLIENT_CASES
    if args.case not in table:
        p.error(f"no case {args.case!r} for role {args.role}")
    channel = Channel()
    (run_proxy_case if args.role == "client" else run_client_case)(args, channel)
    channel.hold(args.hold)


if __name__ == "__main__":
    main()
