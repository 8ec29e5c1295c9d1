#!/usr/bin/env bash
# tfunnel --dns with tfunnel-firewall --dns: C's resolvers (its resolv.conf: 203.0.113.53 and
# 2001:db8:3::53, which nothing in C can reach) are answered by the proxy host's resolver (its
# resolv.conf: dnsmasq on the remote network), over UDP and TCP, IPv4 and IPv6, like sshuttle --dns.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
require_progs dig dnsmasq
topo_up
dns_up www.example.test 203.0.113.7 2001:db8:3::7
# C routes the resolvers' network into its sink: without the tunnel, queries go nowhere.
cmd ip -n "$E2E_NS_C" route add 203.0.113.0/24 dev tfnull0 src "$E2E_C_V4"
cmd ip -n "$E2E_NS_C" -6 route add 2001:db8:3::/64 dev tfnull0 src "$E2E_C_V6"
printf 'nameserver 203.0.113.53\nnameserver 2001:db8:3::53\n' >"$E2E_TMP/resolv-c.conf"
printf 'search example.test\nnameserver %s\n' "$E2E_REMOTE_V4" >"$E2E_TMP/resolv-p.conf"


firewall_c up --dns --resolv-conf "$E2E_TMP/resolv-c.conf" -x "$E2E_SSH_V4/32" -x "$E2E_SSH_V6/128" \
	198.51.100.0/24 2001:db8:2::/64
e2e_log "without the tunnel's --dns, nobody answers C's resolvers"
E2E_PROXY_ARGS=(-v --resolv-conf "$E2E_TMP/resolv-p.conf")
tunnel_pipe_up
if got=$(dig_in_c 203.0.113.53 A +notcp) && [[ -n $got ]]; then
	die "203.0.113.53 answered '$got' without --dns"
fi
kill "$E2E_CLIENT_PID" "$E2E_PROXY_PID"
wait_pid_exit "$E2E_CLIENT_PID" 5 >/dev/null || true
wait_pid_exit "$E2E_PROXY_PID" 5 >/dev/null || true
rm -f "$E2E_TMP/c2p" "$E2E_TMP/p2c"

e2e_log "with --dns, the proxy's resolver answers"
tunnel_pipe_up --dns --resolv-conf "$E2E_TMP/resolv-c.conf"
for server in 203.0.113.53 2001:db8:3::53; do
	for proto in notcp tcp; do
		for type in A AAAA; do
			want=203.0.113.7
			[[ $type == A ]] || want=2001:db8:3::7
			got=$(dig_in_c "$server" "$type" "+$proto") || die "dig +$proto @$server $type failed"
			[[ $got == "$want" ]] || die "dig +$proto @$server $type answered '$got', not $want"
		done
	done
done
grep -q "query\[A\] www.example.test from $E2E_REMOTE_V4" "$E2E_TMP/dnsmasq.log" ||
	die "dnsmasq saw no query from the proxy: $(tail -5 "$E2E_TMP/dnsmasq.log")"
tunnel_assert_alive
