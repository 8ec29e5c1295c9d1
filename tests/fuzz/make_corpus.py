#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpus: tests/fuzz/corpus/<target>/<name>, a few valid
handshakes and frame sequences. Run it again after changing the seeds; the files are checked in.

Each seed is laid out as tests/fuzz/fuzz_input.hpp reads it: a mode byte, four bytes of read
sizes (1 + byte % 32 each), then the channel's bytes. Frames are built by tests/e2e/bad_peer.py
from common/PROTOCOL.md.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep tests/e2e free of __pycache__
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from bad_peer import (ACK, CREDIT, DATA, DATAGRAM, FIN, OPEN, OPENED, PING, PONG, ROLE_CLIENT,  # noqa: E402
                      ROLE_PROXY, RST, UDP_OPEN, UNREACHABLE, credit, frame, handshake,
                      open_payload, ping)

# Read sizes: whole 32-byte reads, single bytes, and a mix that splits headers.
WHOLE, BYTES, MIXED = bytes([31] * 4), bytes([0] * 4), bytes([2, 0, 12, 31])
# The high 3 bits of the first size byte are extra mode bits; bit 0: applications send 300 KiB,
# bit 1: --max-streams 2, bit 2: --max-buffer 2000.
BULK = bytes([32 + 31, 31, 31, 31])
LIMITS = bytes([64 + 128 + 31, 31, 2, 31])

# Session mode bits (tests/fuzz/session_fuzz.cpp).
CLIENT, FLOW, APPS_SEND, HALF_CLOSE, APPS_CLOSE, APPS_READ = 0x01, 0x08, 0x10, 0x20, 0x40, 0x80
REFUSE, HANG = 0x02, 0x04  # proxy: what connects do


def streams(n):
    return n << 1


V4 = open_payload("192.0.2.7", 40000, "198.51.100.2", 80)
V6 = open_payload("2001:db8::7", 40001, "2001:db8:2::2", 443)
REQUEST = b"GET / HTTP/1.1\r\nHost: example\r\n\r\n"
DNS = open_payload("192.0.2.7", 40002, "192.0.2.53", 53, to_resolver=True)

DECODER = {
    "handshake_client": (0, WHOLE, handshake(ROLE_CLIENT)),
    "handshake_proxy": (0, BYTES, handshake(ROLE_PROXY)),
    "banner": (0, MIXED, b"Last login: Sun Nov 22 08:12:43 2026\r\n" + handshake(ROLE_PROXY)),
    "tcp_stream": (0, MIXED, frame(OPEN, 1, V4) + frame(DATA, 1, REQUEST) + frame(CREDIT, 1, credit(131072))
                   + frame(FIN, 1) + frame(RST, 1, b"\x01")),
    "udp_flow": (0, WHOLE, frame(UDP_OPEN, 2, V6) + frame(DATAGRAM, 2, b"") + frame(DATAGRAM, 2, b"q" * 40)
                 + frame(UNREACHABLE, 2, b"\x01")),
    "dns_to_resolver": (0, MIXED, frame(UDP_OPEN, 3, DNS) + frame(DATAGRAM, 3, b"\x12\x34query")
                        + frame(OPEN, 4, DNS)),
    "ping_pong_compacting": (1, MIXED, frame(PING, 0, ping(1)) + frame(PONG, 0, ping(1)) + frame(OPENED, 5)
                             + frame(ACK, 0, ping(65536))),
}

SESSION = {
    "proxy_tcp": (0, MIXED, frame(OPEN, 1, V4) + frame(DATA, 1, REQUEST) + frame(CREDIT, 1, credit(4096))
                  + frame(FIN, 1) + frame(RST, 1, b"\x01")),
    "proxy_tcp_apps": (APPS_SEND | HALF_CLOSE | APPS_READ, WHOLE,
                       frame(OPEN, 1, V6) + frame(DATA, 1, REQUEST) + frame(OPEN, 2, V4) + frame(FIN, 1)
                       + frame(CREDIT, 2, credit(1))),
    "proxy_refused": (REFUSE, BYTES, frame(OPEN, 3, V4) + frame(DATA, 3, b"early")),
    "proxy_udp": (APPS_SEND, MIXED, frame(UDP_OPEN, 2, V6) + frame(DATAGRAM, 2, b"query")
                  + frame(DATAGRAM, 2, b"") + frame(RST, 2, b"\x04")),
    "proxy_hang": (HANG, MIXED, frame(OPEN, 1, V4) + frame(DATA, 1, b"y" * 600) + frame(FIN, 1)
                   + frame(CREDIT, 1, credit(1))),
    "proxy_apps_close": (APPS_CLOSE, WHOLE, frame(OPEN, 1, V4) + frame(DATA, 1, REQUEST) + frame(DATA, 1, REQUEST)),
    "proxy_bulk": (APPS_SEND | APPS_READ, BULK, frame(OPEN, 1, V4) + frame(CREDIT, 1, credit(131072))
                   + frame(CREDIT, 1, credit(131072))),
    "proxy_limits": (HANG, LIMITS, frame(OPEN, 1, V4) + frame(OPEN, 2, V6) + frame(OPEN, 3, V4)
                     + frame(DATA, 1, b"w" * 1500) + frame(DATA, 2, b"v" * 1500)),
    "proxy_dns": (APPS_SEND, MIXED, frame(UDP_OPEN, 3, DNS) + frame(DATAGRAM, 3, b"\x12\x34query")
                  + frame(OPEN, 4, DNS) + frame(DATA, 4, b"\x00\x05query")),
    "proxy_ping": (0, WHOLE, frame(PING, 0, ping(7)) + frame(PONG, 0, ping(7))),
    # A pong may echo any time, an ack any count: the peer is not trusted with either.
    "proxy_pong_ack": (APPS_SEND, MIXED, frame(OPEN, 1, V4) + frame(PONG, 0, ping(1 << 63))
                       + frame(PONG, 0, ping(1)) + frame(ACK, 0, ping(2000)) + frame(ACK, 0, ping((1 << 64) - 1))),
    "client_tcp": (CLIENT | streams(2) | APPS_SEND, MIXED,
                   frame(OPENED, 1) + frame(DATA, 1, b"HTTP/1.1 200 OK\r\n\r\n") + frame(CREDIT, 1, credit(8192))
                   + frame(FIN, 1) + frame(RST, 2, b"\x02")),
    "client_bulk": (CLIENT | streams(1) | APPS_SEND | HALF_CLOSE, BULK,
                    frame(OPENED, 1) + frame(CREDIT, 1, credit(65536)) + frame(DATA, 1, b"z" * 500)),
    "client_udp": (CLIENT | FLOW | APPS_SEND, WHOLE,
                   frame(DATAGRAM, 1, b"answer") + frame(UNREACHABLE, 1, b"\x01") + frame(RST, 1, b"\x04")),
    "client_apps": (CLIENT | streams(3) | APPS_SEND | HALF_CLOSE | APPS_READ, MIXED,
                    frame(OPENED, 1) + frame(OPENED, 2) + frame(DATA, 2, b"x" * 300) + frame(FIN, 2)
                    + frame(OPENED, 3) + frame(RST, 3, b"\x01")),
}


def write(target, seeds):
    directory = os.path.join(HERE, "corpus", target)
    os.makedirs(directory, exist_ok=True)
    for name, (mode, sizes, data) in seeds.items():
        with open(os.path.join(directory, name), "wb") as f:
            f.write(bytes([mode]) + sizes + data)


def main():
    write("frame_decoder_fuzz", DECODER)
    write("session_fuzz", SESSION)


if __name__ == "__main__":
    main()
