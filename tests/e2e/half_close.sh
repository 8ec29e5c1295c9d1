#!/usr/bin/env bash
# Half-close travels both ways, over IPv4 and IPv6: after the application's FIN the server can
# still answer, and after the server's FIN the application can still answer.
# (Client and proxy joined by socat EXEC addresses, no ssh.)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
topo_up
rules_iptables_up
server_up reply 7003 reply-after-eof
server_up greeter 7004 send-then-read --bytes 1048576 --count 2
greeter=$E2E_LAST_PID
tunnel_socat_pipe_up

for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	e2e_log "application half-closes first ($(url_host "$addr"):7003)"
	py_c 20 close_probe.py half-close-app "$addr" 7003 --bytes 1048576 ||
		die "no answer after the application's FIN ($addr)"
	e2e_log "server half-closes first ($(url_host "$addr"):7004)"
	py_c 20 close_probe.py half-close-server "$addr" 7004 --bytes 1048576 ||
		die "the server's FIN did not arrive as EOF after its data ($addr)"
done
rc=0
wait_pid_exit "$greeter" 10 || rc=$?
((rc == 0)) || die "the server did not get the answer sent after its FIN (status $rc)"
tunnel_assert_alive
