#!/usr/bin/env bash
# A connection to a closed port in the remote network reaches the application as ECONNRESET or
# ECONNREFUSED within 3 s, over IPv4 and IPv6.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
topo_up
rules_iptables_up
tunnel_pipe_up

for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	e2e_log "connect to closed port $(url_host "$addr"):9"
	py_c 10 close_probe.py expect-reset "$addr" 9 --within 3 ||
		die "closed port $(url_host "$addr"):9 did not give a reset within 3 s"
done
tunnel_assert_alive
