#!/usr/bin/env python3
"""UDP request/response, for scripts/bench.

  udp_rr.py echo  [--bind ADDR] --port PORT [--lifetime S]
      UDP echo server: every datagram goes back to its sender, unchanged.
  udp_rr.py probe HOST PORT [--duration S] [--size BYTES] [--max N] [--timeout S]
      one connected UDP socket; sends a SIZE-byte request carrying a sequence
      number and waits for its echo before the next one, for DURATION seconds or
      MAX requests, whichever comes first (after 10 unmeasured warm-up requests).
      A request unanswered within TIMEOUT counts as lost and the next one goes.
      Prints one line: "req_per_s p50_ms p99_ms count lost". Exit 1 (and a
      message on stderr) on a socket error, after 5 losses in a row, or if
      nothing was answered.
"""

import argparse
import math
import socket
import struct
import sys
import time

WARMUP = 10
MAX_LOST_IN_A_ROW = 5


def percentile(sorted_values, q):
    """Nearest-rank percentile of an ascending, non-empty list."""
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


def echo_main(args):
    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.bind, args.port))
    sock.settimeout(1.0)
    deadline = time.monotonic() + args.lifetime
    while time.monotonic() < deadline:
        try:
            data, peer = sock.recvfrom(65536)
            sock.sendto(data, peer)
        except socket.timeout:
            continue
        except OSError as err:  # e.g. a peer's ICMP error; the server goes on
            print(f"udp_rr echo: {err}", file=sys.stderr)
    return 0


class Prober:
    """Sequential requests on one connected socket; lost ones are counted."""

    def __init__(self, sock, size):
        self.sock = sock
        self.pad = b"\0" * max(0, size - 8)
        self.seq = 0
        self.lost = 0
        self.lost_in_a_row = 0

    def round_trip(self, timeout):
        """Seconds one request took to come back, or None if it did not in time."""
        self.seq += 1
        start = time.perf_counter()
        self.sock.send(struct.pack("!Q", self.seq) + self.pad)
        deadline = start + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return self.count_loss()
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return self.count_loss()
            if len(data) >= 8 and struct.unpack("!Q", data[:8])[0] == self.seq:
                self.lost_in_a_row = 0
                return time.perf_counter() - start
            # a late echo of an earlier request: keep waiting for this one

    def count_loss(self):
        self.lost += 1
        self.lost_in_a_row += 1
        if self.lost_in_a_row >= MAX_LOST_IN_A_ROW:
            raise OSError(f"{self.lost_in_a_row} requests in a row unanswered")
        return None


def probe_main(args):
    samples = []
    elapsed = 0.0
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET,
                             socket.SOCK_DGRAM)
        sock.connect((args.host, args.port))
        prober = Prober(sock, args.size)
        for _ in range(WARMUP):
            prober.round_trip(args.timeout)
        prober.lost = 0
        start = time.monotonic()
        deadline = start + args.duration
        while len(samples) < args.max and time.monotonic() < deadline:
            rtt = prober.round_trip(args.timeout)
            if rtt is not None:
                samples.append(rtt * 1000.0)
        elapsed = time.monotonic() - start
        sock.close()
    except OSError as err:
        print(f"udp_rr: {args.host}:{args.port}: {err} after {len(samples)} round trips",
              file=sys.stderr)
        return 1
    if not samples:
        print("udp_rr: no request answered", file=sys.stderr)
        return 1
    samples.sort()
    print(f"{len(samples) / elapsed:.0f} {percentile(samples, 0.50):.3f} "
          f"{percentile(samples, 0.99):.3f} {len(samples)} {prober.lost}")
    return 0


def main():
    parser = argparse.ArgumentParser(description="UDP request/response")
    sub = parser.add_subparsers(dest="mode", required=True)
    echo = sub.add_parser("echo", help="run a UDP echo server")
    echo.add_argument("--bind", default="0.0.0.0")
    echo.add_argument("--port", type=int, required=True)
    echo.add_argument("--lifetime", type=float, default=3600.0,
                      help="stop after this many seconds (default 3600)")
    probe = sub.add_parser("probe", help="measure sequential request/response")
    probe.add_argument("host")
    probe.add_argument("port", type=int)
    probe.add_argument("--duration", type=float, default=4.0)
    probe.add_argument("--size", type=int, default=64, help="request size, at least 8")
    probe.add_argument("--max", type=int, default=1000000)
    probe.add_argument("--timeout", type=float, default=1.0, help="seconds per request")
    args = parser.parse_args()
    if args.mode == "probe" and args.size < 8:
        parser.error("--size: at least 8 bytes (the sequence number)")
    return echo_main(args) if args.mode == "echo" else probe_main(args)


if __name__ == "__main__":
    sys.exit(main())
