#!/usr/bin/env bash
# tfunnel-firewall --dns: C's resolv.conf names the resolvers on the remote network (dnsmasq in P
# on 198.51.100.2 and 2001:db8:2::2), and a resolver of C's own (127.0.0.53).
# Without --dns, with the remote network diverted, HTTP to 198.51.100.2 crosses the tunnel but DNS
# to it does not (port 53 is left alone). With --dns and other SUBNETs (the remote network even
# excluded), DNS over UDP and TCP to both resolvers crosses the tunnel (the proxy opens a flow to
# each) while HTTP to the same host does not; 127.0.0.53 is named in a warning and left alone.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-firewall.sh"

e2e_begin
require_progs curl dig dnsmasq
topo_up
fw_www
dns_up www.example.test 203.0.113.7 2001:db8:3::7
printf 'search example.test\nnameserver %s\nnameserver 127.0.0.53\nnameserver %s\n' \
	"$E2E_REMOTE_V4" "$E2E_REMOTE_V6" >"$E2E_TMP/resolv.conf"
E2E_PROXY_ARGS=(-v)
tunnel_pipe_up
fw_save before


e2e_log "without --dns: DNS to the diverted remote network is left alone"
firewall_c up 198.51.100.0/24 2001:db8:2::/64
fw_http_ok "$E2E_NS_C" "$E2E_REMOTE_V4" no-dns
if got=$(dig_in_c "$E2E_REMOTE_V4" A +notcp) && [[ -n $got ]]; then
	die "DNS to $E2E_REMOTE_V4 crossed the tunnel without --dns (answer '$got')"
fi
fw_proxy_opened "$E2E_REMOTE_V4" 53 && die "the proxy opened a flow to port 53 without --dns"
firewall_c down
fw_expect before "down after up without --dns"

e2e_log "--dns: DNS to the resolvers crosses the tunnel, whatever the SUBNETs"
firewall_c up --dns --resolv-conf "$E2E_TMP/resolv.conf" -x 198.51.100.0/24 -x 2001:db8:2::/64 \
	203.0.113.0/24 2001:db8:3::/64 2>"$E2E_TMP/up-dns.log" || { cat "$E2E_TMP/up-dns.log" >&2; die "up --dns"; }
cat "$E2E_TMP/up-dns.log" >&2
grep -q 'warning: --dns: resolver 127.0.0.53 .* not diverted' "$E2E_TMP/up-dns.log" ||
	die "up --dns did not warn that 127.0.0.53 is left alone"
for server in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	for proto in notcp tcp; do
		for type in A AAAA; do
			want=203.0.113.7
			[[ $type == A ]] || want=2001:db8:3::7
			got=$(dig_in_c "$server" "$type" "+$proto") || die "dig +$proto @$server $type failed"
			[[ $got == "$want" ]] || die "dig +$proto @$server $type answered '$got', not $want"
		done
	done
	fw_proxy_opened "$server" 53 || die "the proxy's log shows no flow or stream to $server port 53"
done
fw_http_fails "$E2E_NS_C" "$E2E_REMOTE_V4" dns-http "--dns diverted more than DNS"
firewall_c down
fw_expect before "down after up --dns"
tunnel_assert_alive
