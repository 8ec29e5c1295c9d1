#!/usr/bin/env bash
# 300 UDP flows at once, alternating IPv4 and IPv6 over three ports of an echo server in P, three
# request/answer rounds each: every answer is exactly the datagram sent, from exactly the address
# and port it was sent to (the first datagram of a flow crosses the TPROXY socket, the later ones
# the flow's own reply socket).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
topo_up
rules_iptables_up
udp_server_up echo echo 7001 7002 7003
e2e_log "without the tunnel, C cannot reach the remote network"
if py_c 10 udp_probe.py echo "$E2E_REMOTE_V4" 7001 --within 2 --resend 0.5 --tries 2 >/dev/null; then
	die "C reached $E2E_REMOTE_V4 over UDP without the tunnel: the topology leaks"
fi
tunnel_pipe_up

e2e_log "300 flows, 3 rounds each"
py_c 60 udp_probe.py echo "$E2E_REMOTE_V4,$E2E_REMOTE_V6" 7001,7002,7003 \
	--count 300 --rounds 3 --within 20 || die "not every one of 300 UDP flows echoed intact"
tunnel_assert_alive
