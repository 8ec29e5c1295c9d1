#!/usr/bin/env python3
"""Traffic generators for scripts/soak (stdlib only). Each mode runs for --duration seconds,
counts what went right (ok) and wrong (err), rewrites --stats with "ok ERR EXTRA" about once a
second and at the end, prints the first errors (then every 100th) on stdout, and exits 0.

  bulk URL,URL... --sha256 HEX   HTTP GETs in turn, each hashed and compared (EXTRA: bytes)
  short HOST,HOST... PORT        connect, one line to an echo server, its echo, close (--rate/s)
  rst HOST,HOST... PORT PORT     in turn: read from a server that resets (first PORT) until
                                 ECONNRESET; and talk to an expect-rst server (second PORT),
                                 then close with a RST (the server judges those; EXTRA: how
                                 many we reset)
  udp HOST,HOST... PORT          request/response to a UDP echo server on --flows long-lived
                                 flows, and one exchange on a new flow --new-rate times a second
  dns SERVER,SERVER... NAME A,AAAA  queries for NAME (A and AAAA in turn), a new socket each,
                                 answers checked against the addresses A and AAAA
Every socket operation has a timeout; a lost datagram is sent again (--tries in all).
"""
import argparse
import hashlib
import http.client
import ipaddress
import os
import socket
import struct
import sys
import threading
import time


class Tally:
    """Counters shared by a mode's threads, written to the stats file."""

    def __init__(self, path):
        self.path, self.ok, self.err, self.extra = path, 0, 0, 0
        self.lock = threading.Lock()
        self.written = 0.0

    def good(self, extra=0):
        with self.lock:
            self.ok += 1
            self.extra += extra
        self.maybe_write()

    def bad(self, what):
        with self.lock:
            self.err += 1
            n = self.err
        if n <= 20 or n % 100 == 0:
            print(f"{time.strftime('%T')} error {n}: {what}", flush=True)
        self.maybe_write()

    def maybe_write(self, force=False):
        now = time.monotonic()
        if not force and now - self.written < 1.0:
            return
        with self.lock:
            self.written = now
            line = f"{self.ok} {self.err} {self.extra}\n"
        tmp = f"{self.path}.{threading.get_ident()}.tmp"
        with open(tmp, "w") as f:
            f.write(line)
        os.replace(tmp, self.path)


class Pacer:
    """At most RATE operations a second; after falling behind it does not burst to catch up."""

    def __init__(self, rate, deadline):
        self.gap, self.deadline = 1.0 / rate, deadline
        self.next = time.monotonic()

    def wait(self):
        """False once the deadline has passed."""
        now = time.monotonic()
        if now >= self.deadline:
            return False
        if self.next > now:
            time.sleep(min(self.next - now, self.deadline - now))
        else:
            self.next = max(self.next, now - 1.0)
        self.next += self.gap
        return time.monotonic() < self.deadline


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def recv_exact(sock, n):
    got = b""
    while len(got) < n:
        chunk = sock.recv(n - len(got))
        if not chunk:
            raise EOFError(f"EOF after {len(got)} of {n} bytes")
        got += chunk
    return got


def linger_zero(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


# --- TCP ---------------------------------------------------------------------------------------


def mode_bulk(args, tally, deadline):
    urls = args.target.split(",")
    i = 0
    while time.monotonic() < deadline:
        url = urls[i % len(urls)]
        i += 1
        try:
            size, digest = bulk_get(url, args.timeout)
        except Exception as e:  # any failure of one download is counted, never fatal
            tally.bad(f"GET {url}: {e!r}")
        else:
            if digest == args.sha256:
                tally.good(size)
            else:
                tally.bad(f"GET {url}: {size} bytes, sha256 {digest}, want {args.sha256}")
        time.sleep(min(args.pause, max(0.0, deadline - time.monotonic())))


def bulk_get(url, timeout):
    rest = url.split("://", 1)[1]
    hostport, path = rest.split("/", 1)
    host, port = hostport.rsplit(":", 1)
    conn = http.client.HTTPConnection(host.strip("[]"), int(port), timeout=timeout)
    try:
        conn.request("GET", "/" + path)
        resp = conn.getresponse()
        if resp.status != 200:
            raise OSError(f"HTTP status {resp.status}")
        h, size = hashlib.sha256(), 0
        while True:
            chunk = resp.read(1 << 20)
            if not chunk:
                break
            h.update(chunk)
            size += len(chunk)
        return size, h.hexdigest()
    finally:
        conn.close()


def mode_short(args, tally, deadline):
    threads = [threading.Thread(target=short_worker, args=(args, tally, deadline, w))
               for w in range(args.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def short_worker(args, tally, deadline, worker):
    hosts, port = args.target.split(","), int(args.ports[0])
    pacer = Pacer(args.rate / args.workers, deadline)
    i = worker
    while pacer.wait():
        host = hosts[i % len(hosts)]
        line = f"worker {worker} request {i}\n".encode()
        i += args.workers
        try:
            with socket.create_connection((host, port), timeout=args.timeout) as sock:
                sock.sendall(line)
                got = recv_exact(sock, len(line))
        except Exception as e:  # any failure of one connection is counted, never fatal
            tally.bad(f"{host} port {port}: {e!r}")
            continue
        if got == line:
            tally.good()
        else:
            tally.bad(f"{host} port {port}: echo {got[:40]!r} != {line[:40]!r}")


def mode_rst(args, tally, deadline):
    hosts = args.target.split(",")
    rst_port, expect_port = int(args.ports[0]), int(args.ports[1])
    pacer = Pacer(args.rate, deadline)
    i = 0
    while pacer.wait():
        host = hosts[(i // 2) % len(hosts)]
        try:
            if i % 2 == 0:
                rst_from_server(host, rst_port, args.timeout, tally)
            else:
                rst_from_app(host, expect_port, args.timeout, tally)
        except Exception as e:  # any failure of one connection is counted, never fatal
            tally.bad(f"{host}: {e!r}")
        i += 1


def rst_from_server(host, port, timeout, tally):
    got = 0
    with socket.create_connection((host, port), timeout=timeout) as sock:
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    tally.bad(f"{host} port {port}: clean EOF after {got} bytes, not a reset")
                    return
                got += len(chunk)
        except ConnectionResetError:
            tally.good()


def rst_from_app(host, port, timeout, tally):
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(b"about to reset\n")
        if recv_exact(sock, 3) != b"ok\n":
            tally.bad(f"{host} port {port}: no ok from the expect-rst server")
            return
        sock.sendall(b"t" * 1000)
        linger_zero(sock)
    tally.good(1)


# --- UDP ---------------------------------------------------------------------------------------


class Flow:
    def __init__(self, host, port):
        self.dest = (host, port)
        self.sock = socket.socket(family_of(host), socket.SOCK_DGRAM)
        self.seq = 0

    def close(self):
        self.sock.close()


def same_endpoint(peer, dest):
    return ipaddress.ip_address(peer[0]) == ipaddress.ip_address(dest[0]) and peer[1] == dest[1]


def udp_exchange(flow, args):
    """One request and its echo, sent again up to --tries times; None or what went wrong."""
    flow.seq += 1
    head = struct.pack("!I", flow.seq)
    payload = head + os.urandom(16 + flow.seq % 1000)
    for _ in range(args.tries):
        flow.sock.sendto(payload, flow.dest)
        end = time.monotonic() + args.resend
        while (left := end - time.monotonic()) > 0:
            flow.sock.settimeout(left)
            try:
                data, peer = flow.sock.recvfrom(65536)
            except socket.timeout:
                break
            if not same_endpoint(peer, flow.dest):
                return f"answer from {peer[:2]}, not from {flow.dest}"
            if data == payload:
                return None
            if len(data) < 4:
                return f"answer of {len(data)} bytes to a request of {len(payload)}"
            if data[:4] == head or struct.unpack("!I", data[:4])[0] > flow.seq:
                return f"answer {data[:8].hex()} does not match request {payload[:8].hex()}"
    return f"no answer to {args.tries} sends"


def mode_udp(args, tally, deadline):
    hosts, port = args.target.split(","), int(args.ports[0])
    flows = [Flow(hosts[i % len(hosts)], port) for i in range(args.flows)]
    pacer = Pacer(args.rate, deadline)
    new_every = max(1, round(args.rate / args.new_rate)) if args.new_rate > 0 else 0
    i = 0
    while pacer.wait():
        if new_every and i % new_every == 0:
            flow = Flow(hosts[(i // new_every) % len(hosts)], port)
        else:
            flow = flows[i % len(flows)]
        try:
            what = udp_exchange(flow, args)
        except Exception as e:  # any failure of one exchange is counted, never fatal
            what = repr(e)
        if what:
            tally.bad(f"UDP to {flow.dest}: {what}")
        else:
            tally.good()
        if flow not in flows:
            flow.close()
        i += 1
    for flow in flows:
        flow.close()


def dns_query(name, qtype, qid):
    header = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)  # recursion desired, 1 question
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return header + labels + struct.pack("!HH", qtype, 1)


def dns_ask(server, name, qtype, want, args):
    """None when SERVER answers NAME with the address WANT (packed), else what went wrong."""
    qid = int.from_bytes(os.urandom(2), "big")
    query = dns_query(name, qtype, qid)
    with socket.socket(family_of(server), socket.SOCK_DGRAM) as sock:
        for _ in range(args.tries):
            sock.sendto(query, (server, 53))
            sock.settimeout(args.resend)
            try:
                data, _ = sock.recvfrom(4096)
            except socket.timeout:
                continue
            rid, flags, _, ancount = struct.unpack("!HHHH", data[:8])
            if rid != qid:
                continue
            if flags & 0xF or ancount < 1 or want not in data[12:]:
                return f"rcode {flags & 0xF}, {ancount} answer(s), {want.hex()} not among them"
            return None
    return f"no answer to {args.tries} queries"


def mode_dns(args, tally, deadline):
    servers, name = args.target.split(","), args.ports[0]
    v4, v6 = args.ports[1].split(",")
    wants = [(1, ipaddress.ip_address(v4).packed), (28, ipaddress.ip_address(v6).packed)]
    pacer = Pacer(args.rate, deadline)
    i = 0
    while pacer.wait():
        server = servers[(i // 2) % len(servers)]
        qtype, want = wants[i % 2]
        try:
            what = dns_ask(server, name, qtype, want, args)
        except Exception as e:  # any failure of one query is counted, never fatal
            what = repr(e)
        if what:
            tally.bad(f"DNS {name} type {qtype} at {server}: {what}")
        else:
            tally.good()
        i += 1


MODES = {"bulk": mode_bulk, "short": mode_short, "rst": mode_rst, "udp": mode_udp,
         "dns": mode_dns}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("mode", choices=sorted(MODES))
    p.add_argument("target", help="URLs, hosts or DNS servers, comma-separated")
    p.add_argument("ports", nargs="*", help="ports (dns: NAME and the A,AAAA addresses)")
    p.add_argument("--duration", type=float, required=True)
    p.add_argument("--stats", required=True, help="file rewritten with 'ok err extra'")
    p.add_argument("--rate", type=float, default=10.0, help="operations per second")
    p.add_argument("--workers", type=int, default=2, help="short: threads")
    p.add_argument("--timeout", type=float, default=10.0, help="TCP socket timeout, seconds")
    p.add_argument("--sha256", help="bulk: the expected digest")
    p.add_argument("--pause", type=float, default=1.0, help="bulk: seconds between downloads")
    p.add_argument("--flows", type=int, default=8, help="udp: long-lived flows")
    p.add_argument("--new-rate", type=float, default=10.0, help="udp: new flows per second")
    p.add_argument("--resend", type=float, default=0.5, help="udp, dns: seconds before resending")
    p.add_argument("--tries", type=int, default=4, help="udp, dns: sends in all")
    args = p.parse_args()
    tally = Tally(args.stats)
    tally.maybe_write(force=True)
    deadline = time.monotonic() + args.duration
    try:
        MODES[args.mode](args, tally, deadline)
    finally:
        tally.maybe_write(force=True)
        print(f"{args.mode}: {tally.ok} ok, {tally.err} errors, extra {tally.extra}", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
