#!/usr/bin/env python3
"""Round trips and bulk transfer through a command that echoes its stdin (for chanem.sh).

  chanem_probe.py rtt  [--count N] [--timeout S] -- COMMAND...
      1-byte round trips, one after another, through COMMAND's stdin and stdout.
      Prints "min_ms p50_ms max_ms".
  chanem_probe.py bulk [--mib M] [--stall S] [--timeout S] -- COMMAND...
      writes M MiB of random bytes to COMMAND while reading its output, then closes
      its stdin. With --stall, starts reading only after S seconds. Prints
      "seconds sent_sha256 received_sha256 exit_status stalled_bytes" once COMMAND's
      output ends and COMMAND exits: seconds from the first write to the last byte
      read, and how many bytes COMMAND took before the reading began.
Exit 1 with a message on stderr if COMMAND fails, stalls longer than TIMEOUT, or
ends early.
"""

import argparse
import hashlib
import os
import select
import subprocess
import sys
import threading
import time


def read_exact(fd, n, deadline):
    data = b""
    while len(data) < n:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError(f"no reply after {len(data)} of {n} bytes")
        chunk = os.read(fd, n - len(data))
        if not chunk:
            raise EOFError(f"output ended after {len(data)} of {n} bytes")
        data += chunk
    return data


def rtt_main(args):
    proc = subprocess.Popen(args.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    samples = []
    try:
        for i in range(args.count):
            start = time.perf_counter()
            proc.stdin.write(bytes([i % 256]))
            if read_exact(proc.stdout.fileno(), 1, time.monotonic() + args.timeout) != bytes([i % 256]):
                raise ValueError("a different byte came back")
            samples.append((time.perf_counter() - start) * 1000.0)
    except (OSError, TimeoutError, EOFError, ValueError) as err:
        print(f"chanem_probe rtt: {err} after {len(samples)} round trips", file=sys.stderr)
        proc.kill()
        return 1
    proc.stdin.close()
    proc.wait(timeout=args.timeout)
    samples.sort()
    print(f"{samples[0]:.3f} {samples[len(samples) // 2]:.3f} {samples[-1]:.3f}")
    return 0


def bulk_main(args):
    data = os.urandom(args.mib * 1024 * 1024)
    proc = subprocess.Popen(args.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    write_error = []
    written = [0]

    def writer():
        try:
            view = memoryview(data)
            for off in range(0, len(view), 65536):
                written[0] += proc.stdin.write(view[off:off + 65536])
            proc.stdin.close()
        except OSError as err:
            write_error.append(err)

    start = time.monotonic()
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    time.sleep(args.stall)
    stalled = written[0]
    got = hashlib.sha256()
    count = 0
    deadline = start + args.timeout
    fd = proc.stdout.fileno()
    while time.monotonic() < deadline:
        if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
            break
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        got.update(chunk)
        count += len(chunk)
    elapsed = time.monotonic() - start
    thread.join(timeout=1)
    try:
        status = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        print(f"chanem_probe bulk: the command did not exit ({count} bytes received)", file=sys.stderr)
        return 1
    if write_error:
        print(f"chanem_probe bulk: write: {write_error[0]}", file=sys.stderr)
    if count != len(data):
        print(f"chanem_probe bulk: received {count} of {len(data)} bytes", file=sys.stderr)
        return 1
    print(f"{elapsed:.3f} {hashlib.sha256(data).hexdigest()} {got.hexdigest()} {status} {stalled}")
    return 0


def main():
    parser = argparse.ArgumentParser(description="round trips and bulk through an echoing command")
    sub = parser.add_subparsers(dest="mode", required=True)
    rtt = sub.add_parser("rtt")
    rtt.add_argument("--count", type=int, default=10)
    rtt.add_argument("--timeout", type=float, default=5.0)
    rtt.add_argument("command", nargs="+")
    bulk = sub.add_parser("bulk")
    bulk.add_argument("--mib", type=int, default=4)
    bulk.add_argument("--stall", type=float, default=0.0)
    bulk.add_argument("--timeout", type=float, default=30.0)
    bulk.add_argument("command", nargs="+")
    args = parser.parse_args()
    return rtt_main(args) if args.mode == "rtt" else bulk_main(args)


if __name__ == "__main__":
    sys.exit(main())
