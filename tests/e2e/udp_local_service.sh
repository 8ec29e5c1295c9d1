#!/usr/bin/env bash
# A local service in C already bound to a port ([::]:7005, IPv4 and IPv6, without SO_REUSEADDR)
# keeps the client from binding a reply socket to a remote address on that port: EADDRINUSE.
# That costs those flows a logged error, never the process: the client stays up and flows to
# other ports still work, over IPv4 and IPv6.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
topo_up
rules_iptables_up
udp_server_up echo echo 7001 7005
spawn local "$E2E_NS_C" "$E2E_PY" "$E2E_DIR/udp_server.py" sink --port 7005 --bind ::
wait_udp_bound "$E2E_NS_C" 7005 10 "$E2E_LAST_PID"
tunnel_pipe_up

for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	e2e_log "a flow to $(url_host "$addr"):7005, a port a local service holds"
	# Whether it is answered is not the point (no reply socket, no way back): the process is.
	out=$(py_c 10 udp_probe.py echo "$addr" 7005 --tries 2 --resend 0.5 --within 2) || true
	e2e_log "the application: ${out#FAIL: }"
	tunnel_assert_alive
	grep -qF -- "-> $(url_host "$addr"):7005: reply socket: Address already in use" \
		"$E2E_TMP/client.log" || die "the client logged no EADDRINUSE for $(url_host "$addr"):7005"
	e2e_log "flows to $(url_host "$addr"):7001 still work"
	py_c 20 udp_probe.py echo "$addr" 7001 --count 4 --rounds 2 ||
		die "flows to $(url_host "$addr"):7001 fail after the EADDRINUSE"
done
tunnel_assert_alive
