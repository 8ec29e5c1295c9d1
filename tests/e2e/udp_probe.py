#!/usr/bin/env python3
"""Application-side UDP probes through tfunnel (stdlib only).

Each mode checks one rule, prints what it saw and exits 0 when the rule held, 1 when it did not.
  echo     COUNT flows at once (each its own socket, so its own source port), alternating over
           the given addresses and ports, ROUNDS request/answer exchanges each: every answer must
           be exactly the datagram sent, from exactly the address and port it was sent to.
  refused  a connected socket sends to a closed port and must get ECONNREFUSED within --within s.
  hold     open echo flows (answered), sink flows (unanswered) and TCP echo connections, touch
           --ready-file, wait for --again-file, then exchange again on every echo flow and TCP
           connection, over the same sockets.
A lost datagram is sent again (--tries in all) after --resend s without an answer, as any UDP
application would; how many were sent again is reported.
"""
import argparse
import ipaddress
import os
import selectors
import socket
import sys
import time

BUFFER = 4 << 20


def say(*words):
    print(*words, flush=True)


def fail(*words):
    say("FAIL:", *words)
    sys.exit(1)


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def same_endpoint(peer, host, port):
    return ipaddress.ip_address(peer[0]) == ipaddress.ip_address(host) and peer[1] == port


class Flow:
    """One application UDP socket talking to one destination."""

    def __init__(self, index, host, port):
        self.index, self.host, self.port = index, host, port
        self.sock = socket.socket(family_of(host), socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER)
        self.sock.setblocking(False)
        self.sent = set()  # every payload sent so far: late duplicates of these are ignored
        self.payload = b""

    def send(self, payload):
        self.payload = payload
        self.sent.add(payload)
        self.sock.sendto(payload, (self.host, self.port))

    def resend(self):
        self.sock.sendto(self.payload, (self.host, self.port))

    def __str__(self):
        return (f"flow {self.index} (local port {self.sock.getsockname()[1]}) to {self.host}"
                f" port {self.port}")


def payload_for(flow, round_, size):
    if size <= 0:  # varied sizes, 16 to 1400 bytes
        size = 16 + (flow.index * 131 + round_ * 17) % 1385
    head = flow.index.to_bytes(4, "big") + round_.to_bytes(2, "big")
    return head + os.urandom(max(0, size - len(head)))


def whose(data, flows):
    """Which flow sent DATA, for the report of a datagram delivered to the wrong socket."""
    for flow in flows:
        if data in flow.sent:
            return f"sent by {flow} from local port {flow.sock.getsockname()[1]}"
    return f"sent by no flow of ours, head {data[:8].hex()}"


def exchange(flows, round_, size, args):
    """One request/answer on every flow at once; returns the number of datagrams sent again."""
    sel = selectors.DefaultSelector()
    waiting = {}
    now = time.monotonic()
    for flow in flows:
        flow.send(payload_for(flow, round_, size))
        sel.register(flow.sock, selectors.EVENT_READ, flow)
        waiting[flow] = [now, 1]  # last send, sends so far
    resent = 0
    deadline = now + args.within
    while waiting:
        now = time.monotonic()
        if now > deadline:
            fail(f"round {round_}: {len(waiting)} flow(s) unanswered after {args.within}s,"
                 f" first: {next(iter(waiting))}")
        for key, _ in sel.select(timeout=0.1):
            flow = key.data
            while True:
                try:
                    data, peer = flow.sock.recvfrom(65536)
                except BlockingIOError:
                    break
                except OSError as e:
                    fail(f"{flow}: {e!r}")
                if not same_endpoint(peer, flow.host, flow.port):
                    fail(f"{flow}: answer from {peer[:2]}, not from the destination")
                if data == flow.payload:
                    if flow in waiting:
                        del waiting[flow]
                        sel.unregister(flow.sock)
                    break
                if data not in flow.sent:
                    fail(f"{flow}: round {round_}: got {len(data)} bytes that it never sent"
                         f" (sent {len(flow.payload)}), {whose(data, flows)}")
        now = time.monotonic()
        for flow, state in list(waiting.items()):
            if now - state[0] >= args.resend:
                if state[1] >= args.tries:
                    fail(f"{flow}: round {round_}: no answer to {state[1]} sends")
                flow.resend()
                state[0], state[1] = now, state[1] + 1
                resent += 1
    sel.close()
    return resent


def make_flows(hosts, ports, count):
    return [Flow(i, hosts[i % len(hosts)], ports[(i // len(hosts)) % len(ports)])
            for i in range(count)]


def probe_echo(args):
    hosts, ports = args.hosts.split(","), [int(p) for p in args.ports.split(",")]
    flows = make_flows(hosts, ports, args.count)
    start = time.monotonic()
    resent = [exchange(flows, round_, args.size, args) for round_ in range(args.rounds)]
    size = f"{args.size} bytes" if args.size > 0 else "16 to 1400 bytes"
    say(f"{args.count} flow(s) x {args.rounds} round(s) of {size} echoed intact, each from its"
        f" destination, in {time.monotonic() - start:.2f}s; datagrams sent again per round:"
        f" {resent}")


def probe_refused(args):
    sock = socket.socket(family_of(args.hosts), socket.SOCK_DGRAM)
    sock.connect((args.hosts, int(args.ports)))
    start = time.monotonic()
    sock.send(b"is anybody there?")
    sock.settimeout(args.within)
    try:
        data = sock.recv(65536)
        fail(f"got an answer of {len(data)} bytes from a closed port")
    except ConnectionRefusedError:
        say(f"ECONNREFUSED after {time.monotonic() - start:.3f}s")
    except socket.timeout:
        fail(f"no ECONNREFUSED within {args.within}s")


def tcp_exchange(socks, round_):
    for i, sock in enumerate(socks):
        line = f"connection {i} round {round_} ".encode() + os.urandom(16).hex().encode() + b"\n"
        sock.sendall(line)
        got = b""
        while len(got) < len(line):
            chunk = sock.recv(len(line) - len(got))
            if not chunk:
                fail(f"TCP connection {i}: EOF in round {round_}")
            got += chunk
        if got != line:
            fail(f"TCP connection {i}: round {round_}: echo {got[:40]!r} != {line[:40]!r}")


def probe_hold(args):
    hosts = args.hosts.split(",")
    start = time.monotonic()
    socks = []
    for i in range(args.tcp_count):
        sock = socket.create_connection((hosts[i % len(hosts)], args.tcp_port), timeout=10)
        socks.append(sock)
    tcp_exchange(socks, 0)
    echo = make_flows(hosts, [args.echo_port], args.echo_count)
    sink = make_flows(hosts, [args.sink_port], args.sink_count)
    resent = exchange(echo, 0, 0, args) if echo else 0
    for flow in sink:
        flow.send(payload_for(flow, 0, 0))
    say(f"up in {time.monotonic() - start:.2f}s: {len(socks)} TCP connection(s),"
        f" {len(echo)} answered and {len(sink)} unanswered flow(s); {resent} sent again")
    open(args.ready_file, "w").close()
    deadline = time.monotonic() + args.hold
    while not os.path.exists(args.again_file):
        if time.monotonic() > deadline:
            fail(f"{args.again_file} did not appear within {args.hold}s")
        time.sleep(0.05)
    start = time.monotonic()
    tcp_exchange(socks, 1)
    resent = exchange(echo, 1, 0, args) if echo else 0
    say(f"again in {time.monotonic() - start:.2f}s: every TCP connection and answered flow"
        f" echoed over the same sockets; {resent} sent again")


PROBES = {"echo": probe_echo, "refused": probe_refused, "hold": probe_hold}


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=sorted(PROBES))
    p.add_argument("hosts", help="comma-separated addresses (refused: one)")
    p.add_argument("ports", nargs="?", default="0", help="comma-separated ports (echo, refused)")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--size", type=int, default=0, help="datagram size; 0: varied")
    p.add_argument("--within", type=float, default=10.0, help="seconds for a round / an error")
    p.add_argument("--resend", type=float, default=1.0)
    p.add_argument("--tries", type=int, default=3)
    p.add_argument("--echo-port", type=int, default=0)
    p.add_argument("--echo-count", type=int, default=0)
    p.add_argument("--sink-port", type=int, default=0)
    p.add_argument("--sink-count", type=int, default=0)
    p.add_argument("--tcp-port", type=int, default=0)
    p.add_argument("--tcp-count", type=int, default=0)
    p.add_argument("--ready-file")
    p.add_argument("--again-file")
    p.add_argument("--hold", type=float, default=30.0, help="seconds to wait for --again-file")
    args = p.parse_args()
    PROBES[args.mode](args)


if __name__ == "__main__":
    main()
