#!/usr/bin/env bash
# A connected UDP socket that sends to a closed port in the remote network gets ECONNREFUSED
# within 2 s, over IPv4 and IPv6: the proxy's ICMP port unreachable comes back through the
# tunnel and the client replays it from the original destination. An open port on the same
# address still answers afterwards.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
topo_up
rules_iptables_up
udp_server_up echo echo 7001
e2e_log "without the tunnel, nothing refuses: the refusal must come through the tunnel"
if py_c 10 udp_probe.py refused "$E2E_REMOTE_V4" 9 --within 1 >/dev/null; then
	die "ECONNREFUSED from $E2E_REMOTE_V4:9 without the tunnel: the topology leaks"
fi
tunnel_pipe_up

for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	for port in 9 7009; do
		e2e_log "connected UDP socket to closed port $(url_host "$addr"):$port"
		py_c 10 udp_probe.py refused "$addr" "$port" --within 2 ||
			die "closed UDP port $(url_host "$addr"):$port did not give ECONNREFUSED within 2 s"
	done
	py_c 20 udp_probe.py echo "$addr" 7001 --count 2 --rounds 2 ||
		die "the open port $(url_host "$addr"):7001 does not answer after the refusals"
done
tunnel_assert_alive
