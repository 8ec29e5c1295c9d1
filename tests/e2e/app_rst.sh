#!/usr/bin/env bash
# An application that closes with a RST (SO_LINGER 0) makes the remote server see ECONNRESET,
# not a clean EOF, over IPv4 and IPv6; the bytes it sent just before the reset arrive first.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
topo_up
rules_iptables_up
server_up expect-rst 7002 expect-rst --count 2 --within 5 --tail 1000
server=$E2E_LAST_PID
tunnel_pipe_up

for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	e2e_log "reset a connection to $(url_host "$addr"):7002"
	py_c 10 close_probe.py rst-close --tail 1000 "$addr" 7002 || die "could not talk to $addr:7002"
	sleep 0.5
	kill -0 "$server" 2>/dev/null || break
done
rc=0
wait_pid_exit "$server" 10 || rc=$?
((rc == 0)) || die "the server did not see ECONNRESET from both resets (status $rc): $(cat "$E2E_TMP/expect-rst.log")"
tunnel_assert_alive
