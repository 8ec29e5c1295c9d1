#!/usr/bin/env python3
"""Bytes through a stdio pipe as fast as it takes them, for scripts/bench.

  pipe_pump.py source --seconds S
      writes zeros to stdout for S seconds (1 MiB writes), then exits.
  pipe_pump.py sink [--omit S]
      reads stdin to its end (1 MiB reads into one buffer) and prints one line,
      "Mbit/s bytes": the rate from S seconds (default 1) after the first byte
      to the last, as iperf3 -O omits a start-up.

Both ends size their pipe as tfunnel sizes its channel (1 MiB), so that
`source | ssh host sink` measures what an ssh session channel carries
between two programs on its stdin and stdout: the pipe that a tunnel over
`ssh host tfunnel` rides on, without the tunnel.
"""

import argparse
import fcntl
import os
import sys
import time

F_SETPIPE_SZ = 1031
CHUNK = 1 << 20


def pipe_enlarge(fd):
    """As tfunnel's channel_fd_enlarge: best effort, a pipe only."""
    try:
        fcntl.fcntl(fd, F_SETPIPE_SZ, CHUNK)
    except OSError:
        pass


def source(seconds):
    pipe_enlarge(1)
    zeros = bytes(CHUNK)
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            view = memoryview(zeros)
            while view:
                view = view[os.write(1, view):]
    except BrokenPipeError:
        return 1
    return 0


def sink(omit):
    pipe_enlarge(0)
    buf = bytearray(CHUNK)
    first = mark = None
    total = counted = 0
    last = time.monotonic()
    while True:
        n = os.readv(0, [buf])
        if n == 0:
            break
        last = time.monotonic()
        total += n
        if first is None:
            first = last
        elif mark is None and last - first >= omit:
            mark = last
        elif mark is not None:
            counted += n
    if mark is None or last <= mark:
        print("sink: too short a transfer to measure (%d bytes)" % total, file=sys.stderr)
        return 1
    print("%.1f %d" % (counted * 8 / (last - mark) / 1e6, total))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("source")
    p.add_argument("--seconds", type=float, required=True)
    p = sub.add_parser("sink")
    p.add_argument("--omit", type=float, default=1.0)
    args = parser.parse_args()
    if args.mode == "source":
        return source(args.seconds)
    return sink(args.omit)


if __name__ == "__main__":
    sys.exit(main())
