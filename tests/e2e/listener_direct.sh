#!/usr/bin/env bash
# A connection made straight to the client's listener port (127.0.0.1, 192.0.2.1, ::1 and
# 2001:db8:1::1 port 12300 in C, not diverted by TPROXY) is refused, reset or closed at once and
# never relayed: a sentinel on the proxy host's 127.0.0.1:12300 and [::1]:12300 sees nothing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
topo_up
rules_iptables_up
server_up sentinel "$E2E_PORT" sentinel --bind 127.0.0.1 --bind ::1
sentinel=$E2E_LAST_PID
server_up echo 7000 echo
tunnel_pipe_up

for addr in 127.0.0.1 "$E2E_C_V4" ::1 "$E2E_C_V6"; do
	e2e_log "connect straight to the listener at $(url_host "$addr"):$E2E_PORT"
	py_c 10 close_probe.py direct "$addr" "$E2E_PORT" --within 3 ||
		die "a direct connection to $(url_host "$addr"):$E2E_PORT was not refused"
done
sleep 0.5
if grep -q CONNECTION "$E2E_TMP/sentinel.log"; then
	die "a direct connection was relayed: $(grep CONNECTION "$E2E_TMP/sentinel.log")"
fi
kill -0 "$sentinel" 2>/dev/null || die "the sentinel ended: $(cat "$E2E_TMP/sentinel.log")"

e2e_log "the tunnel still relays diverted connections"
py_c 30 bulk_echo.py "$E2E_REMOTE_V4" 7000 --mib 1 || die "the tunnel stopped working"
tunnel_assert_alive
