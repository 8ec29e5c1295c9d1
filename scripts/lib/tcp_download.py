#!/usr/bin/env python3
"""One TCP download's throughput, for scripts/bench's WAN row.

  tcp_download.py HOST PORT [--warmup S] [--duration S] [--timeout S]
      connects to a server that sends without end (the bench's source of zeros),
      reads for WARMUP + DURATION seconds and prints one line: the Mbit/s received
      during the last DURATION seconds, and the bytes received in all. Exit 1 (and a
      message on stderr) if the connection fails, ends early, or stays silent for
      TIMEOUT seconds.
"""

import argparse
import socket
import sys
import time


def main():
    parser = argparse.ArgumentParser(description="one TCP download's throughput")
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    buf = bytearray(256 * 1024)
    total = counted = 0
    try:
        sock = socket.create_connection((args.host, args.port), timeout=args.timeout)
        start = time.monotonic()
        measure_from = start + args.warmup
        end = measure_from + args.duration
        while True:
            now = time.monotonic()
            if now >= end:
                break
            n = sock.recv_into(buf)
            if n == 0:
                raise OSError("the server closed the connection")
            total += n
            if now >= measure_from:
                counted += n
        sock.close()
    except OSError as err:
        print(f"tcp_download: {args.host}:{args.port}: {err} after {total} bytes", file=sys.stderr)
        return 1
    print(f"{counted * 8 / args.duration / 1e6:.1f} {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
