# shellcheck shell=bash
# lib-net.sh: the namespaces, addresses, routes and TPROXY firewall rules. Sourced by lib.sh.

# --- topology -----------------------------------------------------------------------------------

# topo_up: both namespaces, the ssh link, the remote network in P, routes in C (the policy
# routing comes with the firewall rules, below).
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

# --- firewall rules: scripts/tfunnel-firewall ----------------------------------------------------

E2E_FIREWALL=$(cd "$E2E_DIR/../../scripts" && pwd)/tfunnel-firewall

# E2E_DNS_EXEMPT: 1 (default) leaves DNS (UDP port 53) alone, as the seed's rules do; a test that
# sends DNS through the tunnel sets it to 0 before rules_iptables_up or rules_nft_up: the remote
# network's resolvers are then diverted with --dns.
E2E_DNS_EXEMPT=1

# firewall_c ARG...: tfunnel-firewall in C.
firewall_c() {
	cmd ip netns exec "$E2E_NS_C" "$E2E_FIREWALL" "$@"
}

# rules_iptables_up: the tests' usual rules in C with iptables and ip6tables: TCP and UDP to
# everything diverted to E2E_PORT, but the sshd on the ssh link (both families).
rules_iptables_up() {
	require_progs iptables-restore ip6tables-restore
	rules_up iptables
}

# rules_nft_up: the same with nftables (one inet table).
rules_nft_up() {
	require_progs nft
	rules_up nft
}

# rules_up BACKEND: tfunnel-firewall up in C with the tests' usual options.
rules_up() {
	local args=(up --backend "$1" --port "$E2E_PORT" --ssh-server "$E2E_SSH_V4" --ssh-server "$E2E_SSH_V6")
	if ((E2E_DNS_EXEMPT == 0)); then
		printf 'nameserver %s\n' "$E2E_REMOTE_V4" "$E2E_REMOTE_V6" >"$E2E_TMP/resolv.conf"
		args+=(--dns --resolv-conf "$E2E_TMP/resolv.conf")
	fi
	firewall_c "${args[@]}" 0/0 ::/0
}

# --- a lone namespace -----------------------------------------------------------------------------

# E2E_DEAD_END: an address in P (after topo_dead_end_up) where a TCP connect neither completes nor
# fails until --connect-timeout: its SYNs leave on a sink and nothing answers.
E2E_DEAD_END=203.0.113.9

# topo_dead_end_up: P alone, for a proxy that must reach nothing: loopback, and 203.0.113.0/24 on a
# sink where E2E_DEAD_END has a fixed neighbour (no ARP to fail).
topo_dead_end_up() {
	local tag
	tag=$(basename "$E2E_TMP" | tr -cd 'A-Za-z0-9')
	E2E_NS_P="tf$$${tag: -6}p"
	cmd ip netns add "$E2E_NS_P"
	cmd ip -n "$E2E_NS_P" link set lo up
	link_add_sink "$E2E_NS_P" tfsink0
	cmd ip -n "$E2E_NS_P" addr add 203.0.113.1/24 dev tfsink0
	cmd ip -n "$E2E_NS_P" neigh replace "$E2E_DEAD_END" lladdr 02:00:00:00:00:09 dev tfsink0 nud permanent
}
