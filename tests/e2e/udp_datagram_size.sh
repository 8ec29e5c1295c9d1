#!/usr/bin/env bash
# Datagrams cross whole, one datagram one datagram, at any size the IP layer allows: 60000 bytes
# and the IPv4 maximum of 65507 over IPv4, the IPv6 maximum of 65527 over IPv6; a 20 KB datagram
# (the seed dies on 16 KiB) harms nothing: it echoes too, both ends stay up, small ones still work.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
topo_up
rules_iptables_up
udp_server_up echo echo 7001
tunnel_pipe_up

big_echo() {
	local addr=$1 size=$2
	e2e_log "one datagram of $size bytes to $(url_host "$addr"):7001 and back"
	py_c 20 udp_probe.py echo "$addr" 7001 --size "$size" --within 10 ||
		die "a $size-byte datagram did not come back whole from $(url_host "$addr"):7001"
	tunnel_assert_alive
}

for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	big_echo "$addr" 20480
	e2e_log "small datagrams after it, over a new flow and the same one"
	py_c 20 udp_probe.py echo "$addr" 7001 --count 4 --rounds 3 --within 10 ||
		die "small datagrams to $(url_host "$addr") fail after a 20 KB one"
done
big_echo "$E2E_REMOTE_V4" 60000
big_echo "$E2E_REMOTE_V4" 65507
big_echo "$E2E_REMOTE_V6" 60000
big_echo "$E2E_REMOTE_V6" 65527
e2e_log "three 65507-byte datagrams on one flow (its reply socket carries the later ones)"
py_c 20 udp_probe.py echo "$E2E_REMOTE_V4" 7001 --size 65507 --rounds 3 --within 10 ||
	die "three 65507-byte datagrams on one flow did not all come back whole"
tunnel_assert_alive
