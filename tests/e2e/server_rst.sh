#!/usr/bin/env bash
# A server that resets its connection mid-stream (SO_LINGER 0 after sending 256 KiB) gives the
# application ECONNRESET, not a clean EOF, over IPv4 and IPv6.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
topo_up
rules_iptables_up
server_up rst 7001 rst-after --bytes 262144
tunnel_pipe_up

for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	e2e_log "read from $(url_host "$addr"):7001 until the server's RST"
	py_c 10 close_probe.py expect-reset "$addr" 7001 --within 3 ||
		die "the server's RST did not reach the application as ECONNRESET ($addr)"
done
tunnel_assert_alive
