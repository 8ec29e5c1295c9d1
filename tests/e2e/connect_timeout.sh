#!/usr/bin/env bash
# The proxy's --connect-timeout: a destination that never answers (its SYNs vanish in P) reaches
# the application as a reset once the timeout (2 s here) has passed, not minutes later.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
topo_up
rules_iptables_up
# 203.0.113.0/24: C routes it into its sink like the remote network; P sends it to a neighbour
# that does not exist (a permanent entry with an unused MAC), so each SYN is silently lost.
cmd ip -n "$E2E_NS_C" route add 203.0.113.0/24 dev tfnull0 src "$E2E_C_V4"
cmd ip -n "$E2E_NS_P" neigh add 198.51.100.1 lladdr 02:00:00:00:00:01 dev tfrem0 nud permanent
cmd ip -n "$E2E_NS_P" route add 203.0.113.0/24 via 198.51.100.1 dev tfrem0
E2E_PROXY_ARGS=(--connect-timeout 2)
tunnel_pipe_up

e2e_log "connect to 203.0.113.9:80, which never answers"
py_c 15 close_probe.py expect-reset 203.0.113.9 80 --after 1.5 --within 6 ||
	die "a silent destination did not give a reset after the 2 s connect timeout"
tunnel_assert_alive
