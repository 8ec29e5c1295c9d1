#!/usr/bin/env bash
# tfunnel-firewall --router: a third namespace L (a host on C's LAN, 203.0.113.2 and
# 2001:db8:4::2, default routes via C) reaches the remote network through C's tunnel only with
# --router. Without it, C's own traffic is diverted and L's is not; with it, L's TCP (IPv4 and
# IPv6) and UDP cross the tunnel (the proxy opens them from L's address) and C's still do.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-firewall.sh"

E2E_L_V4=203.0.113.2
E2E_L_V6=2001:db8:4::2

# lan_up: namespace L and its link to C; C forwards nothing (the namespaces' default).
lan_up() {
	E2E_NS_L="${E2E_NS_C%c}l"
	E2E_NS_MORE+=("$E2E_NS_L")
	cmd ip netns add "$E2E_NS_L"
	cmd ip -n "$E2E_NS_L" link set lo up
	cmd ip -n "$E2E_NS_C" link add tfc1 type veth peer name tfl0 netns "$E2E_NS_L"
	cmd ip -n "$E2E_NS_C" addr add 203.0.113.1/24 dev tfc1
	cmd ip -n "$E2E_NS_C" addr add 2001:db8:4::1/64 dev tfc1 nodad
	cmd ip -n "$E2E_NS_L" addr add "$E2E_L_V4/24" dev tfl0
	cmd ip -n "$E2E_NS_L" addr add "$E2E_L_V6/64" dev tfl0 nodad
	cmd ip -n "$E2E_NS_C" link set tfc1 up
	cmd ip -n "$E2E_NS_L" link set tfl0 up
	cmd ip -n "$E2E_NS_L" route add default via 203.0.113.1
	cmd ip -n "$E2E_NS_L" -6 route add default via 2001:db8:4::1
}

e2e_begin
require_progs curl
topo_up
lan_up
fw_www
fw_udp_echo 7001 "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"
E2E_PROXY_ARGS=(-v)
tunnel_pipe_up
fw_save before

e2e_log "without --router: C's traffic is diverted, L's is not"
firewall_c up 0/0 ::/0
fw_http_ok "$E2E_NS_C" "$E2E_REMOTE_V4" c-local
fw_http_fails "$E2E_NS_L" "$E2E_REMOTE_V4" l-local "L's traffic diverted without --router"

e2e_log "--router: L's traffic crosses the tunnel too"
firewall_c up --router 0/0 ::/0
for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	fw_http_ok "$E2E_NS_L" "$addr" "l-router-$addr"
	ip netns exec "$E2E_NS_L" timeout -k 2 20 "$E2E_PY" "$E2E_DIR/udp_probe.py" echo "$addr" 7001 \
		--count 2 || die "UDP from L to $addr port 7001 did not echo"
	fw_http_ok "$E2E_NS_C" "$addr" "c-router-$addr"
done
for from in "$E2E_L_V4:" "[$E2E_L_V6]:"; do
	grep -qF " open $from" "$E2E_TMP/proxy.log" || die "the proxy opened nothing from L's $from"
done
firewall_c down
fw_expect before "down after up --router"
tunnel_assert_alive
