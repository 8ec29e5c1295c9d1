# shellcheck shell=bash
# lib-net.sh: the namespaces, addresses, routes and TPROXY firewall rules. Sourced by lib.sh.

# --- topology -----------------------------------------------------------------------------------

# topo_up: both namespaces, the ssh link, the remote network in P, routes and policy routing in C.
topo_up() {
	local tag
	tag=$(basename "$E2E_TMP" | tr -cd 'A-Za-z0-9')
	E2E_NS_C="tf$$${tag: -6}c"
	E2E_NS_P="tf$$${tag: -6}p"
	cmd ip netns add "$E2E_NS_C"
	cmd ip netns add "$E2E_NS_P"
	topo_ssh_link
	topo_remote_net
	topo_client_routes
	topo_policy_routing
}

# topo_ssh_link: loopbacks up, and the veth between C and P.
topo_ssh_link() {
	cmd ip -n "$E2E_NS_C" link set lo up
	cmd ip -n "$E2E_NS_P" link set lo up
	cmd ip -n "$E2E_NS_C" link add tfc0 type veth peer name tfp0 netns "$E2E_NS_P"
	cmd ip -n "$E2E_NS_C" addr add "$E2E_C_V4/24" dev tfc0
	cmd ip -n "$E2E_NS_C" addr add "$E2E_C_V6/64" dev tfc0 nodad
	cmd ip -n "$E2E_NS_P" addr add "$E2E_SSH_V4/24" dev tfp0
	cmd ip -n "$E2E_NS_P" addr add "$E2E_SSH_V6/64" dev tfp0 nodad
	cmd ip -n "$E2E_NS_C" link set tfc0 up
	cmd ip -n "$E2E_NS_P" link set tfp0 up
}

# link_add_sink NS NAME: an interface that goes nowhere: a dummy, or where the kernel has no
# dummy driver, one end of a veth pair whose other end (NAME-x) stays in the same namespace.
link_add_sink() {
	local ns=$1 name=$2
	if ! ip -n "$ns" link add "$name" type dummy 2>/dev/null; then
		cmd ip -n "$ns" link add "$name" type veth peer name "${name}x"
		cmd ip -n "$ns" link set "${name}x" up
	fi
	cmd ip -n "$ns" link set "$name" up
}

# topo_remote_net: the servers' addresses in P.
topo_remote_net() {
	link_add_sink "$E2E_NS_P" tfrem0
	cmd ip -n "$E2E_NS_P" addr add "$E2E_REMOTE_V4/24" dev tfrem0
	cmd ip -n "$E2E_NS_P" addr add "$E2E_REMOTE_V6/64" dev tfrem0 nodad
}

# topo_client_routes: C routes the remote network into a sink, so only the tunnel reaches it.
topo_client_routes() {
	link_add_sink "$E2E_NS_C" tfnull0
	cmd ip -n "$E2E_NS_C" route add 198.51.100.0/24 dev tfnull0 src "$E2E_C_V4"
	cmd ip -n "$E2E_NS_C" -6 route add 2001:db8:2::/64 dev tfnull0 src "$E2E_C_V6"
}

# topo_policy_routing: packets marked 1 are delivered locally (to the TPROXY listener).
topo_policy_routing() {
	cmd ip -n "$E2E_NS_C" rule add fwmark 1 lookup 100
	cmd ip -n "$E2E_NS_C" route add local default dev lo table 100
	cmd ip -n "$E2E_NS_C" -6 rule add fwmark 1 lookup 100
	cmd ip -n "$E2E_NS_C" -6 route add local default dev lo table 100
}

# --- firewall rules -----------------------------------------------------------------------------

# E2E_DNS_EXEMPT: 1 (default) keeps the seed's exemption of UDP port 53 (DNS goes direct); a test
# that sends DNS through the tunnel sets it to 0 before rules_iptables_up or rules_nft_up.
E2E_DNS_EXEMPT=1

# rules_iptables_up: the seed README's rules in C, IPv4 and the ip6tables twin: TCP and UDP are
# diverted, the tunnel's own packets (mark 0x2/0x2) exempted in OUTPUT and PREROUTING.
rules_iptables_up() {
	require_progs iptables-restore ip6tables-restore
	rules_iptables_text "$E2E_SSH_V4/32" BROADCAST >"$E2E_TMP/iptables.rules"
	rules_iptables_text "$E2E_SSH_V6/128" "" >"$E2E_TMP/ip6tables.rules"
	cmd ip netns exec "$E2E_NS_C" iptables-restore <"$E2E_TMP/iptables.rules"
	cmd ip netns exec "$E2E_NS_C" ip6tables-restore <"$E2E_TMP/ip6tables.rules"
}

# rules_iptables_text SSH_HOST_PREFIX BROADCAST: the seed ruleset, SSH_PORT 22, port E2E_PORT;
# BROADCAST empty drops the broadcast line (not valid in ip6tables).
rules_iptables_text() {
	local ssh_host=$1 broadcast=$2 ssh_port=22
	cat <<EOF
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:tfunnel-mark-proxied - [0:0]
:tfunnel-output - [0:0]
:tfunnel-prerouting - [0:0]
-A PREROUTING -j tfunnel-prerouting
-A OUTPUT -j tfunnel-output
-A tfunnel-mark-proxied -d $ssh_host -p tcp -m tcp --dport $ssh_port -j RETURN
-A tfunnel-mark-proxied -s $ssh_host -p tcp -m tcp --sport $ssh_port -j RETURN
$(rules_iptables_dns)
-A tfunnel-mark-proxied -m addrtype --dst-type LOCAL -j RETURN
-A tfunnel-mark-proxied -p udp -m addrtype --dst-type MULTICAST -j RETURN
${broadcast:+-A tfunnel-mark-proxied -p udp -m addrtype --dst-type BROADCAST -j RETURN}
-A tfunnel-mark-proxied -p tcp -m tcp -j MARK --set-xmark 0x1/0x1
-A tfunnel-mark-proxied -p udp -m udp -j MARK --set-xmark 0x1/0x1
-A tfunnel-output -m mark --mark 0x2/0x2 -j RETURN
-A tfunnel-output -j tfunnel-mark-proxied
-A tfunnel-prerouting -m mark --mark 0x2/0x2 -j RETURN
-A tfunnel-prerouting -j tfunnel-mark-proxied
-A tfunnel-prerouting -m mark ! --mark 0x1/0x1 -j RETURN
-A tfunnel-prerouting -p tcp -m tcp -j TPROXY --on-port $E2E_PORT
-A tfunnel-prerouting -p udp -m udp -j TPROXY --on-port $E2E_PORT
COMMIT
EOF
}

# rules_iptables_dns: the seed's DNS exemption lines, none when E2E_DNS_EXEMPT is 0.
rules_iptables_dns() {
	((E2E_DNS_EXEMPT)) || return 0
	echo "-A tfunnel-mark-proxied -p udp -m udp --dport 53 -j RETURN"
	echo "-A tfunnel-mark-proxied -p udp -m udp --sport 53 -j RETURN"
}

# rules_nft_up: the same policy as nftables rules, one inet table for IPv4 and IPv6.
rules_nft_up() {
	require_progs nft
	rules_nft_text >"$E2E_TMP/tfunnel.nft"
	cmd ip netns exec "$E2E_NS_C" nft -f "$E2E_TMP/tfunnel.nft"
}

rules_nft_text() {
	cat <<EOF
table inet tfunnel {
	chain mark_proxied {
		ip daddr $E2E_SSH_V4 tcp dport 22 return
		ip saddr $E2E_SSH_V4 tcp sport 22 return
		ip6 daddr $E2E_SSH_V6 tcp dport 22 return
		ip6 saddr $E2E_SSH_V6 tcp sport 22 return
$(rules_nft_dns)
		fib daddr type local return
		meta l4proto udp fib daddr type { multicast, broadcast } return
		meta l4proto { tcp, udp } meta mark set meta mark | 0x1
	}
	chain output {
		type route hook output priority mangle; policy accept;
		meta mark & 0x2 == 0x2 return
		jump mark_proxied
	}
	chain prerouting {
		type filter hook prerouting priority mangle; policy accept;
		meta mark & 0x2 == 0x2 return
		jump mark_proxied
		meta mark & 0x1 == 0 return
		meta nfproto ipv4 meta l4proto { tcp, udp } tproxy ip to :$E2E_PORT
		meta nfproto ipv6 meta l4proto { tcp, udp } tproxy ip6 to :$E2E_PORT
	}
}
EOF
}

# rules_nft_dns: the same exemption as nftables rules.
rules_nft_dns() {
	((E2E_DNS_EXEMPT)) || return 0
	printf '\t\tudp dport 53 return\n\t\tudp sport 53 return\n'
}
