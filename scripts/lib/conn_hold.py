#!/usr/bin/env python3
"""Many idle TCP connections, and one stalled among busy ones, for scripts/bench.

  conn_hold.py server [--bind ADDR] --port PORT [--lifetime S]
      one thread, any number of connections: echoes what it gets, never closes first.
  conn_hold.py hold HOST PORT --count N [--timeout S] [--hold S]
      opens N connections, sends 1 byte on each and waits for every echo (so each one
      reached the server), then prints "ready N" and keeps them idle for HOLD seconds
      (or until killed). Exit 1 (and a message) if that fails within TIMEOUT.
  conn_hold.py stall HOST PORT [--streams N] [--duration S]
      one connection that never reads, beside N that read as fast as they can for
      DURATION seconds, from a server that pushes (a source of zeros). Prints
      "total_mbit_s slowest_stream_mbit_s stalled_queued_bytes"; exit 1 if a
      connection fails or the stalled one was closed.
Each mode raises its open-files limit to the hard limit first.
"""

import argparse
import fcntl
import resource
import selectors
import socket
import struct
import sys
import termios
import threading
import time


def raise_nofile():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def server_main(args):
    raise_nofile()
    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.bind, args.port))
    listener.listen(4096)
    listener.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    deadline = time.monotonic() + args.lifetime
    while time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1.0):
            if key.fileobj is listener:
                server_accept(sel, listener)
            else:
                server_echo(sel, key.fileobj)
    return 0


def server_accept(sel, listener):
    for _ in range(256):
        try:
            conn, _ = listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as err:  # out of descriptors: say so, the others go on
            print(f"conn_hold server: accept: {err}", file=sys.stderr)
            return
        conn.setblocking(False)
        sel.register(conn, selectors.EVENT_READ)


def server_echo(sel, conn):
    try:
        data = conn.recv(4096)
        if data:
            conn.send(data)
            return
    except (BlockingIOError, InterruptedError):
        return
    except OSError:
        pass
    sel.unregister(conn)
    conn.close()


def hold_main(args):
    hard = raise_nofile()
    if args.count + 16 > hard:
        print(f"conn_hold: {args.count} connections need more than the hard limit of "
              f"{hard} open files", file=sys.stderr)
        return 1
    conns = []
    deadline = time.monotonic() + args.timeout
    try:
        for _ in range(args.count):
            if time.monotonic() > deadline:
                raise OSError(f"only {len(conns)} connected within {args.timeout} s")
            conn = socket.create_connection((args.host, args.port), timeout=5.0)
            conn.sendall(b"h")
            conns.append(conn)
        hold_wait_echoes(conns, deadline)
    except OSError as err:
        print(f"conn_hold: {args.host}:{args.port}: {err} ({len(conns)} open)", file=sys.stderr)
        return 1
    print(f"ready {len(conns)}", flush=True)
    end = time.monotonic() + args.hold
    while time.monotonic() < end:
        time.sleep(min(1.0, max(0.0, end - time.monotonic())))
    return 0


def hold_wait_echoes(conns, deadline):
    sel = selectors.DefaultSelector()
    for conn in conns:
        conn.setblocking(False)
        sel.register(conn, selectors.EVENT_READ)
    waiting = len(conns)
    while waiting:
        left = deadline - time.monotonic()
        if left <= 0:
            raise OSError(f"{waiting} of {len(conns)} echoes missing")
        for key, _ in sel.select(timeout=min(left, 1.0)):
            if key.fileobj.recv(16) != b"h":
                raise OSError("a connection was closed before its echo")
            sel.unregister(key.fileobj)
            waiting -= 1


def stall_main(args):
    raise_nofile()
    counts = [0] * args.streams
    errors = []
    try:
        stalled = socket.create_connection((args.host, args.port), timeout=5.0)
    except OSError as err:
        print(f"conn_hold: stalled connection: {err}", file=sys.stderr)
        return 1
    deadline = time.monotonic() + args.duration
    threads = [threading.Thread(target=stall_pull, args=(args, i, deadline, counts, errors))
               for i in range(args.streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.duration + 10)
    queued = struct.unpack("i", fcntl.ioctl(stalled, termios.FIONREAD, b"\0\0\0\0"))[0]
    try:
        stalled.setblocking(False)
        if stalled.recv(1, socket.MSG_PEEK) == b"":
            errors.append("the stalled connection was closed")
    except BlockingIOError:
        pass  # open, nothing queued yet
    except OSError as err:
        errors.append(f"stalled connection: {err}")
    stalled.close()
    if errors:
        print(f"conn_hold: {'; '.join(errors)}", file=sys.stderr)
        return 1
    mbits = [c * 8 / args.duration / 1e6 for c in counts]
    print(f"{sum(mbits):.1f} {min(mbits):.1f} {queued}")
    return 0


def stall_pull(args, index, deadline, counts, errors):
    buf = bytearray(262144)
    try:
        with socket.create_connection((args.host, args.port), timeout=5.0) as conn:
            conn.settimeout(1.0)
            while time.monotonic() < deadline:
                got = conn.recv_into(buf)
                if not got:
                    raise OSError("closed by the server")
                counts[index] += got
    except OSError as err:
        errors.append(f"stream {index}: {err}")


def main():
    parser = argparse.ArgumentParser(description="idle and stalled TCP connections")
    sub = parser.add_subparsers(dest="mode", required=True)
    server = sub.add_parser("server", help="accept and echo, any number of connections")
    server.add_argument("--bind", default="0.0.0.0")
    server.add_argument("--port", type=int, required=True)
    server.add_argument("--lifetime", type=float, default=3600.0)
    hold = sub.add_parser("hold", help="hold COUNT idle connections")
    hold.add_argument("host")
    hold.add_argument("port", type=int)
    hold.add_argument("--count", type=int, required=True)
    hold.add_argument("--timeout", type=float, default=60.0)
    hold.add_argument("--hold", type=float, default=60.0)
    stall = sub.add_parser("stall", help="one stalled stream beside busy ones")
    stall.add_argument("host")
    stall.add_argument("port", type=int)
    stall.add_argument("--streams", type=int, default=4)
    stall.add_argument("--duration", type=float, default=4.0)
    args = parser.parse_args()
    return {"server": server_main, "hold": hold_main, "stall": stall_main}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
