# shellcheck shell=bash
# lib.sh: shared helpers for tfunnel's end-to-end tests. Source it from a test; never run it.
#
# Topology (two network namespaces, names unique per run, removed on exit even on failure):
#
#   C (client host)                             P (proxy host, "remote network")
#   tfc0 192.0.2.1/24 2001:db8:1::1/64  <veth>  tfp0 192.0.2.2/24 2001:db8:1::2/64  ("ssh link")
#   tfnull0: routes 198.51.100.0/24,            tfrem0: 198.51.100.2/24 2001:db8:2::2/64 (servers)
#            2001:db8:2::/64; goes nowhere
#
# C reaches the servers only through the tunnel: TPROXY rules (iptables or nftables) divert the
# traffic to the client on port E2E_PORT, policy routing loops marked packets to lo.
# Exit status of a test: 0 pass, 1 fail, 77 skip (not root, a program missing).

set -euo pipefail
set -E
export PYTHONDONTWRITEBYTECODE=1   # keep the source tree clean of __pycache__

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_NAME=$(basename "${0%.sh}")
E2E_PORT=12300
E2E_DEADLINE=${E2E_DEADLINE:-120}   # seconds before the watchdog ends a test
E2E_C_V4=192.0.2.1
E2E_C_V6=2001:db8:1::1
E2E_SSH_V4=192.0.2.2
E2E_SSH_V6=2001:db8:1::2
E2E_REMOTE_V4=198.51.100.2
E2E_REMOTE_V6=2001:db8:2::2
E2E_NS_C=""
E2E_NS_P=""
E2E_TMP=""
E2E_PIDS=()
E2E_LAST_PID=""
E2E_SKIPPING=0
E2E_CLIENT_PID=""
E2E_PROXY_PID=""

# --- messages and exits -----------------------------------------------------------------------

e2e_log() { printf '[%s %s] %s\n' "$E2E_NAME" "$(date +%T.%3N)" "$*" >&2; }

cmd() {
	echo "+ $*" >&2
	"$@"
}

die() {
	echo "FAIL [$E2E_NAME]: $*" >&2
	exit 1
}

skip() {
	echo "SKIP [$E2E_NAME]: $*" >&2
	E2E_SKIPPING=1
	exit 77
}

e2e_on_err() {
	local rc=$1 line=$2 command=$3
	echo "FAIL [$E2E_NAME]: status $rc at line $line: $command" >&2
}

e2e_on_exit() {
	local rc=$?
	set +e
	trap - ERR EXIT INT TERM HUP
	trap '' PIPE # a closed stderr must not stop the cleanup
	if ((rc != 0 && E2E_SKIPPING == 0)); then
		e2e_dump_logs
	fi
	e2e_teardown
	if ((E2E_SKIPPING)); then exit 77; fi
	if ((rc == 0)); then
		echo "PASS [$E2E_NAME]" >&2
		exit 0
	fi
	exit 1
}

e2e_dump_logs() {
	local f
	[[ -n "$E2E_TMP" && -d "$E2E_TMP" ]] || return 0
	for f in "$E2E_TMP"/*.log; do
		[[ -s "$f" ]] || continue
		echo "----- $(basename "$f") (last 40 lines) -----" >&2
		tail -n 40 "$f" >&2
	done
}

# --- requirements -------------------------------------------------------------------------------

# require_root: skip unless running as root.
require_root() {
	((EUID == 0)) || skip "needs root"
}

# require_progs PROG...: skip unless every program is on PATH.
require_progs() {
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 || skip "needs $p"
	done
}

# require_tfunnel: skip unless TFUNNEL_BIN names an executable.
require_tfunnel() {
	[[ -n "${TFUNNEL_BIN:-}" ]] || skip "TFUNNEL_BIN is not set"
	[[ -x "$TFUNNEL_BIN" ]] || skip "TFUNNEL_BIN=$TFUNNEL_BIN is not executable"
}

# e2e_begin: the common prologue of every test: checks, traps, temp dir, watchdog, fd limit.
e2e_begin() {
	require_root
	require_progs ip ss timeout python3
	require_tfunnel
	trap 'e2e_on_err $? $LINENO "$BASH_COMMAND"' ERR
	trap e2e_on_exit EXIT
	trap 'exit 1' INT TERM HUP PIPE
	E2E_TMP=$(mktemp -d /tmp/tfunnel-e2e.XXXXXX)
	E2E_PY=$(python3 -c 'import sys; print(sys.executable)')
	ulimit -n "$(ulimit -Hn)"
	e2e_watchdog_start
}

# e2e_watchdog_start: TERM this test after E2E_DEADLINE seconds so the EXIT trap still cleans up.
e2e_watchdog_start() {
	local self=$$
	(
		sleep "$E2E_DEADLINE" >/dev/null 2>&1 &
		nap=$!
		trap 'kill "$nap"; exit 0' TERM
		wait "$nap"
		echo "FAIL [$E2E_NAME]: watchdog: test exceeded ${E2E_DEADLINE}s" >&2
		kill -TERM "$self"
	) </dev/null >/dev/null &
	E2E_PIDS+=("$!")
}

# --- processes ----------------------------------------------------------------------------------

# spawn NAME NS CMD...: run CMD in namespace NS in the background, output to $E2E_TMP/NAME.log.
# Sets E2E_LAST_PID; the process is killed at teardown.
spawn() {
	local name=$1 ns=$2
	shift 2
	echo "+ [$ns] $* &" >&2
	ip netns exec "$ns" "$@" </dev/null >"$E2E_TMP/$name.log" 2>&1 &
	E2E_LAST_PID=$!
	E2E_PIDS+=("$E2E_LAST_PID")
}

# in_c SECONDS CMD...: run CMD in the client namespace, killed after SECONDS.
in_c() {
	local secs=$1
	shift
	ip netns exec "$E2E_NS_C" timeout -k 2 "$secs" "$@"
}

# in_p SECONDS CMD...: run CMD in the proxy namespace, killed after SECONDS.
in_p() {
	local secs=$1
	shift
	ip netns exec "$E2E_NS_P" timeout -k 2 "$secs" "$@"
}

# py_c SECONDS SCRIPT ARGS...: run one of the python helpers beside this file in C.
py_c() {
	local secs=$1 script=$2
	shift 2
	in_c "$secs" "$E2E_PY" "$E2E_DIR/$script" "$@"
}

# now_ms: milliseconds since the epoch (bash 5's EPOCHREALTIME, no fork).
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# wait_pid_exit PID SECONDS: wait up to SECONDS for PID to end; return its status, 124 on timeout.
wait_pid_exit() {
	local pid=$1 deadline i rc=0
	deadline=$(($(now_ms) + $2 * 1000))
	for ((i = 0; i < $2 * 20 + 20; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" || rc=$?
			return "$rc"
		fi
		(($(now_ms) < deadline)) || return 124
		sleep 0.05
	done
	return 124
}

# e2e_kill_ns_pids NS SIGNAL: signal every process left in namespace NS (all started by this test).
e2e_kill_ns_pids() {
	local ns=$1 sig=$2 pid
	[[ -n "$ns" ]] || return 0
	for pid in $(ip netns pids "$ns" 2>/dev/null); do
		kill "-$sig" "$pid" 2>/dev/null || true
	done
}

# e2e_teardown: end every process this test started, remove the namespaces and the temp dir.
e2e_teardown() {
	local pid ns i
	for pid in "${E2E_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for ns in "$E2E_NS_C" "$E2E_NS_P"; do e2e_kill_ns_pids "$ns" TERM; done
	for ((i = 0; i < 20; i++)); do
		e2e_any_alive || break
		sleep 0.1
	done
	for pid in "${E2E_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
	for ns in "$E2E_NS_C" "$E2E_NS_P"; do e2e_kill_ns_pids "$ns" KILL; done
	wait 2>/dev/null
	for ns in "$E2E_NS_C" "$E2E_NS_P"; do
		[[ -n "$ns" ]] && ip netns del "$ns" 2>/dev/null
	done
	[[ -n "$E2E_TMP" ]] && rm -rf "$E2E_TMP"
	return 0
}

e2e_any_alive() {
	local pid ns
	for pid in "${E2E_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done
	for ns in "$E2E_NS_C" "$E2E_NS_P"; do
		[[ -n "$ns" && -n "$(ip netns pids "$ns" 2>/dev/null)" ]] && return 0
	done
	return 1
}

# wait_listening NS PORT [SECONDS [PID]]: wait until a TCP socket listens on PORT in NS; fail
# at once if PID (the process expected to listen) has ended.
wait_listening() {
	local ns=$1 port=$2 secs=${3:-10} pid=${4:-} deadline i
	deadline=$(($(now_ms) + secs * 1000))
	for ((i = 0; i < secs * 20 + 20; i++)); do
		if [[ -n "$(ip netns exec "$ns" ss -Hltn "sport = :$port")" ]]; then
			return 0
		fi
		if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
			die "process $pid ended before listening on port $port in $ns"
		fi
		(($(now_ms) < deadline)) || break
		sleep 0.05
	done
	die "nothing listens on port $port in $ns after ${secs}s"
}

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

# rules_iptables_up: the seed README's rules in C, IPv4 and the ip6tables twin.
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
-A tfunnel-mark-proxied -p udp -m udp --dport 53 -j RETURN
-A tfunnel-mark-proxied -p udp -m udp --sport 53 -j RETURN
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
		udp dport 53 return
		udp sport 53 return
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

# --- the tunnel ---------------------------------------------------------------------------------

# E2E_TFUNNEL_OPTS (environment) adds options to both ends, e.g. -v when debugging.
read -r -a E2E_OPTS <<<"${E2E_TFUNNEL_OPTS:-}"

# tunnel_pipe_up [CLIENT_OPTION...]: client in C and proxy in P joined by two FIFOs (a raw pipe);
# sets E2E_CLIENT_PID and E2E_PROXY_PID so a test can wait for or kill either end.
# shellcheck disable=SC2120 # the client options are optional
tunnel_pipe_up() {
	mkfifo "$E2E_TMP/c2p" "$E2E_TMP/p2c"
	echo "+ [$E2E_NS_C] $TFUNNEL_BIN -p $E2E_PORT ${E2E_OPTS[*]} $* | [$E2E_NS_P] $TFUNNEL_BIN &" >&2
	# Open order matters: each end opens the FIFO the other opens first, so neither blocks.
	ip netns exec "$E2E_NS_C" "$TFUNNEL_BIN" -p "$E2E_PORT" "${E2E_OPTS[@]}" "$@" \
		2>"$E2E_TMP/client.log" >"$E2E_TMP/c2p" <"$E2E_TMP/p2c" &
	E2E_CLIENT_PID=$!
	E2E_PIDS+=("$E2E_CLIENT_PID")
	ip netns exec "$E2E_NS_P" "$TFUNNEL_BIN" "${E2E_OPTS[@]}" \
		2>"$E2E_TMP/proxy.log" <"$E2E_TMP/c2p" >"$E2E_TMP/p2c" &
	E2E_PROXY_PID=$!
	E2E_PIDS+=("$E2E_PROXY_PID")
	tunnel_wait_up
}

# tunnel_socat_pipe_up: client and proxy joined by socat's EXEC addresses, no ssh.
tunnel_socat_pipe_up() {
	require_progs socat
	tunnel_check_socat_safe "$TFUNNEL_BIN ${E2E_OPTS[*]}"
	spawn tunnel "$E2E_NS_C" socat \
		"EXEC:$(words "$TFUNNEL_BIN" -p "$E2E_PORT" "${E2E_OPTS[@]}")" \
		"EXEC:$(words ip netns exec "$E2E_NS_P" "$TFUNNEL_BIN" "${E2E_OPTS[@]}")"
	E2E_CLIENT_PID=$E2E_LAST_PID
	tunnel_wait_up
}

# tunnel_ssh_up [SSH_HOST]: joined exactly as the seed README does, over the real sshd in P:
# socat EXEC:'tfunnel -p PORT' EXEC:'ssh HOST tfunnel'. Needs sshd_up first.
tunnel_ssh_up() {
	local host=${1:-$E2E_SSH_V4}
	require_progs socat ssh
	tunnel_check_socat_safe "$TFUNNEL_BIN ${E2E_OPTS[*]} $E2E_TMP $host"
	spawn tunnel "$E2E_NS_C" socat \
		"EXEC:$(words "$TFUNNEL_BIN" -p "$E2E_PORT" "${E2E_OPTS[@]}")" \
		"EXEC:$(words ssh -F "$E2E_TMP/ssh_config" "$host" "$TFUNNEL_BIN" "${E2E_OPTS[@]}")"
	E2E_CLIENT_PID=$E2E_LAST_PID
	tunnel_wait_up
}

# words WORD...: the words joined by single spaces (a command line for socat's EXEC).
words() {
	local IFS=' '
	echo "$*"
}

# tunnel_check_socat_safe TEXT: socat gives ',' ':' '!' and quotes a meaning inside an address.
tunnel_check_socat_safe() {
	[[ "$1" != *[,:!\'\"]* ]] || skip "path or option has a character socat would parse: $1"
}

# tunnel_wait_up: the client listens on E2E_PORT in C and is still running.
tunnel_wait_up() {
	wait_listening "$E2E_NS_C" "$E2E_PORT" 10 "$E2E_CLIENT_PID"
	tunnel_assert_alive
}

tunnel_assert_alive() {
	kill -0 "$E2E_CLIENT_PID" 2>/dev/null || die "the tunnel's client end exited"
	if [[ -n "$E2E_PROXY_PID" ]]; then
		kill -0 "$E2E_PROXY_PID" 2>/dev/null || die "the tunnel's proxy end exited"
	fi
}

# --- servers in P -------------------------------------------------------------------------------

# http_up DIR PORT: a real HTTP server serving DIR on [::]:PORT (IPv4 and IPv6) in P.
http_up() {
	local dir=$1 port=$2
	spawn "http$port" "$E2E_NS_P" "$E2E_PY" -m http.server --bind :: --directory "$dir" "$port"
	wait_listening "$E2E_NS_P" "$port" 10 "$E2E_LAST_PID"
}

# server_up NAME PORT ARGS...: tcp_server.py (beside this file) in P on [::]:PORT; E2E_LAST_PID.
server_up() {
	local name=$1 port=$2
	shift 2
	spawn "$name" "$E2E_NS_P" "$E2E_PY" "$E2E_DIR/tcp_server.py" --port "$port" "$@"
	wait_listening "$E2E_NS_P" "$port" 10 "$E2E_LAST_PID"
}

# sshd_up: a throw-away sshd in P on the ssh link and the remote network, port 22, root login
# with a throw-away key; writes $E2E_TMP/ssh_config for the client side.
sshd_up() {
	require_progs sshd ssh ssh-keygen
	mkdir -p /run/sshd
	ssh-keygen -q -t ed25519 -N '' -C tfunnel-e2e-host -f "$E2E_TMP/ssh_host_ed25519_key"
	ssh-keygen -q -t ed25519 -N '' -C tfunnel-e2e-user -f "$E2E_TMP/id_ed25519"
	cp "$E2E_TMP/id_ed25519.pub" "$E2E_TMP/authorized_keys"
	sshd_config_text >"$E2E_TMP/sshd_config"
	ssh_config_text >"$E2E_TMP/ssh_config"
	spawn sshd "$E2E_NS_P" "$(command -v sshd)" -D -e -f "$E2E_TMP/sshd_config"
	wait_listening "$E2E_NS_P" 22 10 "$E2E_LAST_PID"
}

sshd_config_text() {
	cat <<EOF
ListenAddress $E2E_SSH_V4:22
ListenAddress [$E2E_SSH_V6]:22
ListenAddress $E2E_REMOTE_V4:22
ListenAddress [$E2E_REMOTE_V6]:22
HostKey $E2E_TMP/ssh_host_ed25519_key
PidFile $E2E_TMP/sshd.pid
AuthorizedKeysFile $E2E_TMP/authorized_keys
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
PrintMotd no
MaxStartups 50
EOF
}

# ssh_config_text: client settings; "proxy6" names the proxy host over the IPv6 ssh link
# (socat's EXEC cannot carry the colons of an IPv6 address).
ssh_config_text() {
	cat <<EOF
Host proxy6
	HostName $E2E_SSH_V6
Host *
	User root
	IdentityFile $E2E_TMP/id_ed25519
	IdentitiesOnly yes
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	GlobalKnownHostsFile /dev/null
	BatchMode yes
	LogLevel ERROR
	ConnectTimeout 10
EOF
}

# --- data ---------------------------------------------------------------------------------------

# make_random_file PATH MEBIBYTES
make_random_file() {
	head -c "$(($2 * 1024 * 1024))" /dev/urandom >"$1"
}

# sha256_of PATH: the hex digest alone.
sha256_of() {
	sha256sum "$1" | cut -d' ' -f1
}

# url_host ADDR: ADDR as the host part of a URL (IPv6 in brackets).
url_host() {
	if [[ "$1" == *:* ]]; then echo "[$1]"; else echo "$1"; fi
}
