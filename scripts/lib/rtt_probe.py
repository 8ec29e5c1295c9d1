#!/usr/bin/env python3
"""1-byte TCP round trips, for scripts/bench.

  rtt_probe.py echo  [--bind ADDR] --port PORT [--lifetime S]
      echo server (TCP_NODELAY), one thread per connection.
  rtt_probe.py probe HOST PORT [--duration S] [--interval MS] [--max N] [--timeout S]
      one connection, TCP_NODELAY; sends 1 byte, waits for it to come back, every
      INTERVAL ms, for DURATION seconds or MAX round trips, whichever comes first.
      Prints one line: "p50_ms p99_ms count". Exit 1 (and a message on stderr) if
      the connection fails or any round trip takes longer than TIMEOUT.
"""

import argparse
import math
import socket
import socketserver
import sys
import threading
import time


def percentile(sorted_values, q):
    """Nearest-rank percentile of an ascending, non-empty list."""
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


class EchoHandler(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            data = sock.recv(65536)
            if not data:
                return
            sock.sendall(data)


class EchoServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 64


def echo_main(args):
    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    EchoServer.address_family = family
    server = EchoServer((args.bind, args.port), EchoHandler)
    threading.Timer(args.lifetime, server.shutdown).start()
    server.serve_forever()
    return 0


def probe_main(args):
    samples = []
    try:
        sock = socket.create_connection((args.host, args.port), timeout=args.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        deadline = time.monotonic() + args.duration
        while len(samples) < args.max and time.monotonic() < deadline:
            start = time.perf_counter()
            sock.sendall(b"x")
            if sock.recv(1) != b"x":
                raise OSError("echo server closed the connection")
            samples.append((time.perf_counter() - start) * 1000.0)
            time.sleep(args.interval / 1000.0)
        sock.close()
    except OSError as err:
        print(f"rtt_probe: {args.host}:{args.port}: {err} after {len(samples)} round trips",
              file=sys.stderr)
        return 1
    if not samples:
        print("rtt_probe: no round trip completed", file=sys.stderr)
        return 1
    samples.sort()
    print(f"{percentile(samples, 0.50):.3f} {percentile(samples, 0.99):.3f} {len(samples)}")
    return 0


def main():
    parser = argparse.ArgumentParser(description="1-byte TCP round trips")
    sub = parser.add_subparsers(dest="mode", required=True)
    echo = sub.add_parser("echo", help="run an echo server")
    echo.add_argument("--bind", default="0.0.0.0")
    echo.add_argument("--port", type=int, required=True)
    echo.add_argument("--lifetime", type=float, default=3600.0,
                      help="stop after this many seconds (default 3600)")
    probe = sub.add_parser("probe", help="measure round trips")
    probe.add_argument("host")
    probe.add_argument("port", type=int)
    probe.add_argument("--duration", type=float, default=5.0)
    probe.add_argument("--interval", type=float, default=5.0, help="ms between round trips")
    probe.add_argument("--max", type=int, default=2000)
    probe.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args()
    return echo_main(args) if args.mode == "echo" else probe_main(args)


if __name__ == "__main__":
    sys.exit(main())
