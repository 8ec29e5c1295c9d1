#!/usr/bin/env python3
"""Open COUNT connections at once (alternating over the given addresses), keep all of them open,
then send each its own bytes, half-close, and check that each echo is exactly its own bytes."""
import argparse
import asyncio
import os
import sys
import time


async def open_one(host, port, timeout):
    return await asyncio.wait_for(asyncio.open_connection(host, port), timeout)


async def echo_one(index, conn, size, timeout):
    reader, writer = conn
    payload = index.to_bytes(4, "big") + os.urandom(size - 4)
    writer.write(payload)
    await writer.drain()
    writer.write_eof()
    got = await asyncio.wait_for(reader.read(-1), timeout)
    writer.close()
    return got == payload


async def run(args):
    hosts = args.hosts.split(",")
    start = time.monotonic()
    opened = await asyncio.gather(
        *(open_one(hosts[i % len(hosts)], args.port, args.timeout) for i in range(args.count)),
        return_exceptions=True)
    failed = [c for c in opened if isinstance(c, BaseException)]
    if failed:
        return f"{len(failed)} of {args.count} connects failed, first: {failed[0]!r}"
    print(f"{args.count} connections open at once after {time.monotonic() - start:.2f}s",
          flush=True)
    results = await asyncio.gather(
        *(echo_one(i, c, args.size, args.timeout) for i, c in enumerate(opened)),
        return_exceptions=True)
    bad = [r for r in results if r is not True]
    if bad:
        return f"{len(bad)} of {args.count} echoes wrong or failed, first: {bad[0]!r}"
    print(f"{args.count} echoes intact after {time.monotonic() - start:.2f}s", flush=True)
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("hosts", help="comma-separated addresses")
    p.add_argument("port", type=int)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--size", type=int, default=4096)
    p.add_argument("--timeout", type=float, default=60)
    args = p.parse_args()
    error = asyncio.run(run(args))
    if error:
        sys.exit("FAIL: " + error)


if __name__ == "__main__":
    main()
