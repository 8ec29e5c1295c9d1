#!/usr/bin/env bash
# Flows never cross: many applications sending at once to the same destination (one address
# and port per family) each get their own answers and nothing else. 20 batches of 300 new flows
# each (each flow its own socket), two rounds per flow; one datagram on another application's
# socket fails the test. (A race opens while a flow's reply socket is being connected: a kernel
# can hand it another application's datagram; it must still reach its own flow.)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

BATCHES=20

e2e_begin
topo_up
rules_iptables_up
udp_server_up echo echo 7001
tunnel_pipe_up

start=$(now_ms)
for ((batch = 1; batch <= BATCHES; batch++)); do
	out=$(py_c 30 udp_probe.py echo "$E2E_REMOTE_V4,$E2E_REMOTE_V6" 7001 --count 300 --rounds 2 \
		--resend 0.2 --tries 10 --within 10) ||
		die "batch $batch of $BATCHES: ${out#FAIL: }"
	(($(now_ms) - start < 40000)) || die "$batch batches took over 40 s"
done
e2e_log "$BATCHES batches of 300 flows in $(($(now_ms) - start)) ms, none crossed"
tunnel_assert_alive
