#!/usr/bin/env bash
# --fwmark N: the client marks its own sockets (the listener and every accepted connection) with
# N instead of the default 3, and relays as usual.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
topo_up
rules_iptables_up
server_up echo 7000 echo
tunnel_pipe_up --fwmark 7

ss_c() {
	in_c 5 ss -Htne "$@" 2>/dev/null
}

listener=$(in_c 5 ss -Htlne "sport = :$E2E_PORT" 2>/dev/null)
[[ "$listener" == *fwmark:0x7* ]] || die "the listener is not marked 0x7: $listener"
spawn hold "$E2E_NS_C" "$E2E_PY" "$E2E_DIR/close_probe.py" hold "$E2E_REMOTE_V4" 7000 \
	--ready-file "$E2E_TMP/hold.ready" --within 30
for ((i = 0; i < 100; i++)); do
	[[ -e "$E2E_TMP/hold.ready" ]] && break
	sleep 0.1
done
[[ -e "$E2E_TMP/hold.ready" ]] || die "no echo through the tunnel with --fwmark 7"
accepted=$(ss_c "sport = :7000")
e2e_log "the client's end of the relayed connection: $accepted"
[[ "$accepted" == *fwmark:0x7* ]] || die "the accepted connection is not marked 0x7: $accepted"
[[ "$(ss_c "dport = :7000")" != *fwmark* ]] || die "the application's own socket is marked"
tunnel_assert_alive
