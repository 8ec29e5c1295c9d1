#!/usr/bin/env bash
# scripts/tfunnel-firewall beside other rules: C has firewall rules and policy routing of its own
# (an nft table, iptables and ip6tables chains, an ip rule and routes in table 200). Two setups
# with different --name share the policy routing: tfa (nft, TCP only) and tfb (iptables, UDP
# only). `down --name tfa` stops TCP but leaves UDP and the shared routing to tfb; a setup with
# its own --table and --divert-mark is removed by `down --name` alone; after the last `down`, C's
# state is exactly what it was. Last, C has the very rule and route tfunnel-firewall would add,
# untagged: `up` works with them and `down` leaves them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-firewall.sh"

e2e_begin
require_progs curl nft iptables ip6tables iptables-restore ip6tables-restore
topo_up
fw_www
fw_udp_echo 7001 "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"
tunnel_pipe_up

# user_rules: rules tfunnel-firewall must leave alone, in both backends and in the routing.
user_rules() {
	local ipt
	cmd ip netns exec "$E2E_NS_C" nft -f - <<-'EOF'
		table inet userfw {
			chain out {
				type filter hook output priority 0; policy accept;
				tcp dport 9 counter
			}
		}
	EOF
	for ipt in iptables ip6tables; do
		cmd ip netns exec "$E2E_NS_C" "$ipt" -t mangle -N user-chain
		cmd ip netns exec "$E2E_NS_C" "$ipt" -t mangle -A user-chain -p tcp --dport 9 -j MARK --set-xmark 0x10/0x10
		cmd ip netns exec "$E2E_NS_C" "$ipt" -t mangle -A OUTPUT -j user-chain
		cmd ip netns exec "$E2E_NS_C" "$ipt" -t mangle -A PREROUTING -p udp --dport 9 -j RETURN
	done
	cmd ip -n "$E2E_NS_C" -4 rule add fwmark 0x10 lookup 200
	cmd ip -n "$E2E_NS_C" -6 rule add fwmark 0x10 lookup 200
	cmd ip -n "$E2E_NS_C" -4 route add unreachable default table 200
	cmd ip -n "$E2E_NS_C" -6 route add unreachable default table 200
}

# udp_ok ADDR: UDP flows to P's echo server on ADDR echo; udp_fails ADDR: they do not.
udp_ok() {
	py_c 20 udp_probe.py echo "$1" 7001 --count 2 || die "UDP to $1 port 7001 did not echo: $2"
}
udp_fails() {
	if py_c 10 udp_probe.py echo "$1" 7001 --count 1 --within 1 --tries 1; then
		die "UDP to $1 port 7001 echoed: $2"
	fi
}

remote_nets=(198.51.100.0/24 2001:db8:2::/64)
user_rules
fw_save before
firewall_c up --name tfa --backend nft --tcp-only "${remote_nets[@]}"
firewall_c up --name tfb --backend iptables --udp-only "${remote_nets[@]}"
for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	fw_http_ok "$E2E_NS_C" "$addr" "both-$addr"
	udp_ok "$addr" "with tfa and tfb up"
done

firewall_c down --name tfa
fw_save tfb
fw_grep tfb '^== ip -6 rule' "after down tfa"
[[ $(grep -c 'fwmark 0x1 lookup 100 proto 116' "$E2E_TMP/state.tfb") == 2 ]] ||
	die "down --name tfa removed the policy routing that tfb uses"
[[ $(grep -c 'tfb-prerouting' "$E2E_TMP/state.tfb") -ge 2 ]] || die "down --name tfa removed tfb's chains"
for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	fw_http_fails "$E2E_NS_C" "$addr" "tfb-$addr" "TCP still diverted after down --name tfa"
	udp_ok "$addr" "tfb is still up"
done

e2e_log "a setup with its own mark and table; down finds them in its tag"
firewall_c up --name tfc --table 102 --divert-mark 0x4 --udp-only 203.0.113.0/24
fw_save tfc
fw_grep tfc 'fwmark 0x4 lookup 102 proto 116' "up --name tfc --table 102 --divert-mark 0x4"
firewall_c down --name tfc
fw_expect tfb "down --name tfc"

firewall_c down --name tfb
fw_expect before "down --name tfa, then down --name tfb"
udp_fails "$E2E_REMOTE_V4" "after the last down"

e2e_log "C has the rule and the route tfunnel-firewall would add, untagged"
cmd ip -n "$E2E_NS_C" -4 rule add fwmark 1 lookup 100
cmd ip -n "$E2E_NS_C" -4 route add local default dev lo table 100
fw_save user-routing
firewall_c up "${remote_nets[@]}"
fw_http_ok "$E2E_NS_C" "$E2E_REMOTE_V4" user-routing
firewall_c down
fw_expect user-routing "up and down beside the same routing, untagged"
tunnel_assert_alive
