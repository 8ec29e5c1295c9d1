#!/usr/bin/env bash
# dig in C asks a real DNS server (dnsmasq) in P through the tunnel, over IPv4 and IPv6, for an
# A and an AAAA record. DNS on port 53 goes through the tunnel here: the rules leave out the seed's
# exemption of UDP port 53 (E2E_DNS_EXEMPT=0), and the proxy's log shows each query as a UDP flow.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
require_progs dig dnsmasq
topo_up
E2E_DNS_EXEMPT=0
rules_iptables_up
dns_up www.example.test 203.0.113.7 2001:db8:3::7
e2e_log "without the tunnel, C gets no answer"
if in_c 10 dig +tries=1 +time=1 +short "@$E2E_REMOTE_V4" www.example.test A >/dev/null; then
	die "C got a DNS answer from $E2E_REMOTE_V4 without the tunnel: the topology leaks"
fi
E2E_PROXY_ARGS=(-v)
tunnel_pipe_up

for server in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	for type in A AAAA; do
		e2e_log "dig @$server www.example.test $type"
		got=$(in_c 15 dig +tries=2 +time=3 +short +notcp "@$server" www.example.test "$type") ||
			die "dig @$server www.example.test $type failed"
		want=203.0.113.7
		[[ "$type" == A ]] || want=2001:db8:3::7
		[[ "$got" == "$want" ]] || die "dig @$server www.example.test $type answered '$got', not $want"
	done
	awk -v to="$(url_host "$server"):53" '/ flow [0-9]+: open / && $NF == to { found = 1 }
		END { exit !found }' "$E2E_TMP/proxy.log" ||
		die "the proxy's log shows no UDP flow to $(url_host "$server"):53"
done
tunnel_assert_alive
