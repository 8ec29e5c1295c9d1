#!/usr/bin/env python3
"""Open COUNT connections at once to HOST:PORT (an echo server), one byte each, and sort them:
ok (the byte came back), reset (refused, reset or closed), hung (nothing within --timeout).
The ok ones stay open until --ready-file's caller creates --release-file (or --hold seconds pass),
so that the tunnel end under test stays out of descriptors meanwhile. Prints "ok N reset N hung N"."""
import argparse
import asyncio
import os
import time


async def one(host, port, timeout):
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (ConnectionError, OSError):
        return "reset", None
    except asyncio.TimeoutError:
        return "hung", None
    try:
        writer.write(b"x")
        await writer.drain()
        got = await asyncio.wait_for(reader.read(1), timeout)
    except (ConnectionError, OSError):
        writer.close()
        return "reset", None
    except asyncio.TimeoutError:
        writer.close()
        return "hung", None
    if got != b"x":
        writer.close()
        return "reset", None
    return "ok", writer


async def run(args):
    results = await asyncio.gather(*(one(args.host, args.port, args.timeout) for _ in range(args.count)))
    counts = {k: sum(1 for r, _ in results if r == k) for k in ("ok", "reset", "hung")}
    print(f"ok {counts['ok']} reset {counts['reset']} hung {counts['hung']}", flush=True)
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write(f"ok {counts['ok']} reset {counts['reset']} hung {counts['hung']}\n")
    deadline = time.monotonic() + args.hold
    while time.monotonic() < deadline:
        if args.release_file and os.path.exists(args.release_file):
            break
        await asyncio.sleep(0.05)
    for r, w in results:
        if w is not None:
            w.close()


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--count", type=int, default=300)
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("--hold", type=float, default=0.0)
    p.add_argument("--ready-file")
    p.add_argument("--release-file")
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
