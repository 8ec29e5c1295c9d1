#!/usr/bin/env bash
# The same policy written as nftables rules (one inet table) instead of iptables, with the
# tunnel joined over ssh on the IPv6 ssh link: curl over IPv4 and IPv6, a closed port resets, UDP
# flows echo and a closed UDP port gives ECONNREFUSED.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
require_progs curl nft socat ssh sshd
topo_up
rules_nft_up
sshd_up
mkdir "$E2E_TMP/www"
echo "hello through nftables $RANDOM" >"$E2E_TMP/www/hello.txt"
http_up "$E2E_TMP/www" 8080
udp_server_up udpecho echo 7001
tunnel_ssh_up proxy6

for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	url="http://$(url_host "$addr"):8080/hello.txt"
	e2e_log "GET $url"
	got=$(in_c 20 curl -sS --max-time 10 "$url") || die "curl $url failed"
	[[ "$got" == "$(cat "$E2E_TMP/www/hello.txt")" ]] || die "curl $url returned '$got'"
	py_c 10 close_probe.py expect-reset "$addr" 9 --within 3 ||
		die "closed port $(url_host "$addr"):9 did not give a reset within 3 s"
	py_c 20 udp_probe.py echo "$addr" 7001 --count 10 --rounds 2 ||
		die "UDP flows to $(url_host "$addr"):7001 did not all echo intact"
	py_c 10 udp_probe.py refused "$addr" 9 --within 2 ||
		die "closed UDP port $(url_host "$addr"):9 did not give ECONNREFUSED within 2 s"
done
tunnel_assert_alive
