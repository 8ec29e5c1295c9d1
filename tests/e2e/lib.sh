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
# traffic to the client on port E2E_PORT, policy routing loops marked packets to lo; both come
# from scripts/tfunnel-firewall (rules_iptables_up, rules_nft_up in lib-net.sh).
# Exit status of a test: 0 pass, 1 fail, 77 skip (not root, a program missing).
# This file: messages, exits, requirements, processes and waits; lib-net.sh builds the network,
# lib-tunnel.sh starts the tunnel and the servers.
# Environment: TFUNNEL_BIN (required), E2E_DEADLINE (seconds, default 120), E2E_TFUNNEL_OPTS
# (extra options for both tunnel ends, e.g. -v), E2E_KEEP (1: keep the temp dir and its logs).

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
E2E_NS_MORE=() # namespaces beyond C and P that a test made; removed like them
E2E_TMP=""
E2E_PIDS=()
E2E_LAST_PID=""
E2E_SKIPPING=0
E2E_CLIENT_PID=""
E2E_PROXY_PID=""
E2E_KEEP=${E2E_KEEP:-0}

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

# pid_running PID: PID exists and has not ended (a zombie, not yet reaped by its parent, has).
pid_running() {
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n "$state" && "$state" != Z ]]
}

# wait_ready FILE SECONDS [PID]: wait until FILE exists (a helper's "ready" mark); fail after
# SECONDS, or at once if PID (the helper) has ended.
wait_ready() {
	local file=$1 secs=$2 pid=${3:-} i
	for ((i = 0; i < secs * 20; i++)); do
		[[ -e "$file" ]] && return 0
		if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
			[[ -e "$file" ]] && return 0
			die "process $pid ended before $(basename "$file") appeared"
		fi
		sleep 0.05
	done
	die "$(basename "$file") did not appear within ${secs}s"
}

# e2e_kill_ns_pids NS SIGNAL: signal every process left in namespace NS (all started by this test).
e2e_kill_ns_pids() {
	local ns=$1 sig=$2 pid
	[[ -n "$ns" ]] || return 0
	for pid in $(ip netns pids "$ns" 2>/dev/null); do
		kill "-$sig" "$pid" 2>/dev/null || true
	done
}

# e2e_live_pids: set E2E_LIVE to the processes of E2E_PIDS still running as this shell's jobs.
# One that has ended may already have its pid reused by an unrelated process (pid_max can be
# 32768): never signal it by number. (`$(jobs -pr)` on its own sees this shell's jobs; in a
# pipeline or a nested subshell, jobs would see an empty table.)
E2E_LIVE=()
e2e_live_pids() {
	local running pid
	running=" $(jobs -pr) "
	running=${running//$'\n'/ }
	E2E_LIVE=()
	for pid in "${E2E_PIDS[@]}"; do
		if [[ "$running" == *" $pid "* ]]; then E2E_LIVE+=("$pid"); fi
	done
	return 0
}

# e2e_teardown: end every process this test started, remove the namespaces and the temp dir.
e2e_teardown() {
	local pid ns i
	e2e_live_pids
	# CONT after TERM: a process a test stopped (SIGSTOP) must run to see the TERM.
	for pid in "${E2E_LIVE[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${E2E_LIVE[@]}"; do kill -CONT "$pid" 2>/dev/null; done
	for ns in "$E2E_NS_C" "$E2E_NS_P" "${E2E_NS_MORE[@]}"; do
		e2e_kill_ns_pids "$ns" TERM
		e2e_kill_ns_pids "$ns" CONT
	done
	for ((i = 0; i < 20; i++)); do
		e2e_any_alive || break
		sleep 0.1
	done
	e2e_live_pids
	for pid in "${E2E_LIVE[@]}"; do kill -KILL "$pid" 2>/dev/null; done
	for ns in "$E2E_NS_C" "$E2E_NS_P" "${E2E_NS_MORE[@]}"; do e2e_kill_ns_pids "$ns" KILL; done
	wait 2>/dev/null
	for ns in "$E2E_NS_C" "$E2E_NS_P" "${E2E_NS_MORE[@]}"; do
		[[ -n "$ns" ]] && ip netns del "$ns" 2>/dev/null
	done
	if [[ -n "$E2E_TMP" ]]; then
		if ((E2E_KEEP)); then echo "kept $E2E_TMP" >&2; else rm -rf "$E2E_TMP"; fi
	fi
	return 0
}

e2e_any_alive() {
	local ns
	e2e_live_pids
	((${#E2E_LIVE[@]} == 0)) || return 0
	for ns in "$E2E_NS_C" "$E2E_NS_P" "${E2E_NS_MORE[@]}"; do
		[[ -n "$ns" && -n "$(ip netns pids "$ns" 2>/dev/null)" ]] && return 0
	done
	return 1
}

# wait_listening NS PORT [SECONDS [PID]]: wait until a TCP socket listens on PORT in NS; fail
# at once if PID (the process expected to listen) has ended.
wait_listening() {
	wait_bound "$1" -Hltn "$2" "${3:-10}" "${4:-}" ""
}

# wait_udp_bound NS PORT [SECONDS [PID]]: the same for a UDP socket bound to PORT.
wait_udp_bound() {
	wait_bound "$1" -Hlun "$2" "${3:-10}" "${4:-}" ""
}

# wait_bound NS SS_OPTIONS PORT SECONDS PID OWNER: wait until `ss SS_OPTIONS` lists a socket on
# local PORT in NS (one of process OWNER's, when OWNER is set, with -p in SS_OPTIONS).
wait_bound() {
	local ns=$1 opts=$2 port=$3 secs=$4 pid=$5 owner=$6 deadline i out
	deadline=$(($(now_ms) + secs * 1000))
	for ((i = 0; i < secs * 20 + 20; i++)); do
		out=$(ip netns exec "$ns" ss "$opts" "sport = :$port")
		if [[ -n "$out" && (-z "$owner" || "$out" == *"pid=$owner,"*) ]]; then
			return 0
		fi
		if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
			die "process $pid ended before listening on port $port in $ns"
		fi
		(($(now_ms) < deadline)) || break
		sleep 0.05
	done
	die "nothing listens on port $port in $ns after ${secs}s (ss $opts${owner:+, owner $owner})"
}

# socket_count NS PID SS_OPTIONS [FILTER...]: how many of the sockets `ss -H SS_OPTIONS -p FILTER`
# lists in NS belong to process PID.
socket_count() {
	local ns=$1 pid=$2 opts=$3
	shift 3
	ip netns exec "$ns" ss -H "$opts" -p "$@" | grep -c "pid=$pid," || true
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

# shellcheck source=lib-net.sh
source "$E2E_DIR/lib-net.sh"
# shellcheck source=lib-tunnel.sh
source "$E2E_DIR/lib-tunnel.sh"
