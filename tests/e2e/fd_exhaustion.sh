#!/usr/bin/env bash
# Out of file descriptors (prlimit --nofile=64), 300 connections at once: the tunnel end that
# ran out resets what it cannot take (the application sees a refusal or reset, not a hang),
# does not spin while out of descriptors, and serves new connections once descriptors free up.
# First the client runs out, then the proxy.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
require_progs prlimit
topo_up
rules_iptables_up
server_up echo 7000 echo
tunnel_pipe_up

# ticks PID: CPU time (user + system) of PID, in clock ticks.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# exhaust SIDE PID: 300 connections while PID has at most 64 descriptors.
exhaust() {
	local side=$1 pid=$2 i before after spent hz soft
	hz=$(getconf CLK_TCK)
	soft=$(prlimit --pid "$pid" --nofile --noheadings --output SOFT)
	# The soft limit only: raising a hard limit again may need CAP_SYS_RESOURCE.
	prlimit --pid "$pid" --nofile=64:
	rm -f "$E2E_TMP/ready" "$E2E_TMP/release"
	spawn "burst-$side" "$E2E_NS_C" "$E2E_PY" "$E2E_DIR/fd_burst.py" "$E2E_REMOTE_V4" 7000 --count 300 \
		--timeout 8 --hold 30 --ready-file "$E2E_TMP/ready" --release-file "$E2E_TMP/release"
	for ((i = 0; i < 200; i++)); do
		[[ -s "$E2E_TMP/ready" ]] && break
		sleep 0.1
	done
	[[ -s "$E2E_TMP/ready" ]] || die "$side: the burst did not finish: $(cat "$E2E_TMP/burst-$side.log")"
	read -r _ ok _ reset _ hung <"$E2E_TMP/ready"
	e2e_log "$side out of descriptors: ok $ok reset $reset hung $hung"
	((ok > 0 && ok < 64)) || die "$side: $ok connections served with 64 descriptors"
	((hung == 0)) || die "$side: $hung connections hung instead of being reset"
	((ok + reset == 300)) || die "$side: ok $ok + reset $reset != 300"

	# Still out of descriptors (the ok ones are held): new attempts are reset, CPU stays low.
	before=$(ticks "$pid")
	for ((i = 0; i < 20; i++)); do
		! in_c 5 "$E2E_PY" "$E2E_DIR/fd_burst.py" "$E2E_REMOTE_V4" 7000 --count 1 --timeout 3 | grep -q "^ok 1" ||
			die "$side: a connection was served while out of descriptors"
	done
	sleep 2
	after=$(ticks "$pid")
	spent=$((after - before))
	e2e_log "$side: $spent ticks (of $hz per second) over ~3 s while out of descriptors"
	((spent * 4 < hz * 3)) || die "$side spins while out of descriptors: $spent ticks in ~3 s"

	touch "$E2E_TMP/release"
	wait_pid_exit "$E2E_LAST_PID" 10 >/dev/null || true
	prlimit --pid "$pid" --nofile="$soft":
	for ((i = 0; i < 50; i++)); do
		in_c 5 "$E2E_PY" "$E2E_DIR/fd_burst.py" "$E2E_REMOTE_V4" 7000 --count 100 --timeout 5 |
			grep -q "^ok 100 " && break
		sleep 0.2
	done
	((i < 50)) || die "$side: not serving 100 connections again once descriptors were free"
	tunnel_assert_alive
}

exhaust client "$E2E_CLIENT_PID"
exhaust proxy "$E2E_PROXY_PID"
