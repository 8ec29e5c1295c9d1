# shellcheck shell=bash
# Namespace topology for scripts/bench. Sourced, not run.
#
#   ns C (client)                          ns P (proxy host)
#   veth 192.0.2.1/24, 2001:db8:1::1/64 -- veth 192.0.2.2/24, 2001:db8:1::2/64   sshd on 192.0.2.2:22
#   route 198.51.100.0/24 via 192.0.2.2     dummy (or lo) 198.51.100.2, 2001:db8:2::2  (the servers)
#   route 2001:db8:2::/64 via 2001:db8:1::2
#   TPROXY rules and policy routing (scripts/tfunnel-firewall, iptables, v4 and v6) only
#   between topo_tproxy_on and topo_tproxy_off
#
# Only documentation addresses and loopback are used. Every function tolerates
# what it removes being gone already, so the caller's cleanup can always run.

TOPO_C_ADDR4=192.0.2.1
TOPO_P_ADDR4=192.0.2.2
TOPO_C_ADDR6=2001:db8:1::1
TOPO_P_ADDR6=2001:db8:1::2
TOPO_SRV_ADDR4=198.51.100.2
TOPO_SRV_ADDR6=2001:db8:2::2
TOPO_SSH_PORT=22
TOPO_FIREWALL=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tfunnel-firewall

if ! declare -F cmd >/dev/null; then
	cmd() { echo "[#] $*" >&2; "$@"; }
fi
if ! declare -F die >/dev/null; then
	die() { echo "${0##*/}: $*" >&2; exit 1; }
fi

# topo_in NS CMD...: run CMD inside namespace NS.
topo_in() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# topo_up C P: create both namespaces, the veth between them and the servers' dummy.
topo_up() {
	local c=$1 p=$2 ns
	cmd ip netns add "$c"
	cmd ip netns add "$p"
	for ns in "$c" "$p"; do
		cmd ip -n "$ns" link set lo up
		# wrk -H 'Connection: close' opens tens of thousands of connections per run;
		# listening ports stay below 20000 (or are reserved with topo_reserve_ports).
		topo_in "$ns" sysctl -qw net.ipv4.ip_local_port_range="20000 64999" net.ipv4.tcp_tw_reuse=1
	done
	cmd ip link add veth-c netns "$c" type veth peer name veth-p netns "$p"
	cmd ip -n "$c" addr add "$TOPO_C_ADDR4/24" dev veth-c
	cmd ip -n "$c" addr add "$TOPO_C_ADDR6/64" dev veth-c nodad
	cmd ip -n "$p" addr add "$TOPO_P_ADDR4/24" dev veth-p
	cmd ip -n "$p" addr add "$TOPO_P_ADDR6/64" dev veth-p nodad
	cmd ip -n "$c" link set veth-c up
	cmd ip -n "$p" link set veth-p up
	topo_srv_addrs "$p"
	cmd ip -n "$c" route add 198.51.100.0/24 via "$TOPO_P_ADDR4"
	cmd ip -n "$c" -6 route add 2001:db8:2::/64 via "$TOPO_P_ADDR6"
}

# topo_reserve_ports NS PORT...: keep PORTs out of NS's ephemeral ports, so a burst of
# client connections cannot hold a port a listener binds later.
topo_reserve_ports() {
	local ns=$1 IFS=,
	shift
	topo_in "$ns" sysctl -qw net.ipv4.ip_local_reserved_ports="$*"
}

# topo_srv_addrs P: the servers' addresses on a dummy interface, or on lo where
# the kernel has no dummy driver (the servers see no difference).
topo_srv_addrs() {
	local p=$1
	if ip -n "$p" link add srv0 type dummy 2>/dev/null; then
		cmd ip -n "$p" addr add "$TOPO_SRV_ADDR4/24" dev srv0
		cmd ip -n "$p" addr add "$TOPO_SRV_ADDR6/64" dev srv0 nodad
		cmd ip -n "$p" link set srv0 up
	else
		echo "[#] (no dummy driver: the servers' addresses go on lo)" >&2
		cmd ip -n "$p" addr add "$TOPO_SRV_ADDR4/32" dev lo
		cmd ip -n "$p" addr add "$TOPO_SRV_ADDR6/128" dev lo nodad
	fi
}

# topo_kill_all NS: end every process left inside NS (all of them were started
# by this run: the namespace's name is unique to it), TERM first, then KILL.
topo_kill_all() {
	local ns=$1 pids i
	ip netns list 2>/dev/null | grep -qw -- "$ns" || return 0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
		[[ -n ${pids// /} ]] || return 0
		if ((i < 10)); then
			# shellcheck disable=SC2086 # a list of pids
			kill -TERM $pids 2>/dev/null || true
			sleep 0.2
		else
			# shellcheck disable=SC2086
			kill -KILL $pids 2>/dev/null || true
		fi
	done
}

# topo_down C P: mirror of topo_up; deleting a namespace removes its links.
topo_down() {
	local ns
	for ns in "$@"; do
		topo_kill_all "$ns"
		if ip netns list 2>/dev/null | grep -qw -- "$ns"; then
			cmd ip netns del "$ns" || true
		fi
	done
}

# topo_tproxy_on C PORT: tfunnel-firewall's rules in C, TCP and UDP to everything diverted to
# PORT but the sshd in P; iptables, whose counters lib/bench-udp.sh reads.
topo_tproxy_on() {
	local c=$1 port=$2
	topo_in "$c" "$TOPO_FIREWALL" up --backend iptables --port "$port" \
		--ssh-server "$TOPO_P_ADDR4:$TOPO_SSH_PORT" --ssh-server "[$TOPO_P_ADDR6]:$TOPO_SSH_PORT" 0/0 ::/0
}

# topo_tproxy_off C: mirror of topo_tproxy_on; removes exactly what it added.
topo_tproxy_off() {
	topo_in "$1" "$TOPO_FIREWALL" down || true
}

# topo_sshd_config DIR: throw-away host and user keys, sshd_config and a client
# ssh_config (host alias "p") in DIR.
topo_sshd_config() {
	local dir=$1
	ssh-keygen -q -t ed25519 -N '' -f "$dir/host_ed25519" -C bench-host
	ssh-keygen -q -t ed25519 -N '' -f "$dir/id_ed25519" -C bench-user
	cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
	cat >"$dir/sshd_config" <<EOF
ListenAddress $TOPO_P_ADDR4:$TOPO_SSH_PORT
HostKey $dir/host_ed25519
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowTcpForwarding yes
PrintMotd no
PrintLastLog no
PidFile $dir/sshd.pid
MaxStartups 100
MaxSessions 100
EOF
	cat >"$dir/ssh_config" <<EOF
Host p
	HostName $TOPO_P_ADDR4
	Port $TOPO_SSH_PORT
	User root
	IdentityFile $dir/id_ed25519
	IdentitiesOnly yes
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	GlobalKnownHostsFile /dev/null
	BatchMode yes
	LogLevel ERROR
	ConnectTimeout 5
	ExitOnForwardFailure yes
EOF
}
