#!/usr/bin/env bash
# chanem, the channel emulator of scripts/bench's WAN row (tests/tools/chanem.cpp): a round trip
# through it takes twice its delay, bulk goes at its rate and arrives intact, a reader that stops
# stops the writer after a bounded amount (nothing lost), EOF and the exit status pass through,
# and it works with sockets on its stdio (socat EXEC) and as ssh's ProxyCommand.
# Bounds are loose: they catch a missing delay or rate, not a few milliseconds.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[[ -n "${CHANEM_BIN:-}" && -x "${CHANEM_BIN:-}" ]] || skip "CHANEM_BIN is not set to the chanem binary"
e2e_begin
require_progs socat
C=$CHANEM_BIN

# probe SECONDS MODE ARGS...: chanem_probe.py beside this file (not in a namespace).
probe() {
	local secs=$1
	shift
	timeout -k 2 "$secs" "$E2E_PY" "$E2E_DIR/chanem_probe.py" "$@"
}

# check_rtt LABEL "MIN P50 MAX" LOW HIGH: the fastest round trip is at least LOW ms and the
# median at most HIGH ms.
check_rtt() {
	local label=$1 min p50 max
	read -r min p50 max <<<"$2"
	e2e_log "$label: round trip min $min ms, p50 $p50 ms, max $max ms"
	awk -v m="$min" -v lo="$3" 'BEGIN { exit !(m >= lo) }' || die "$label: a round trip of $min ms (want >= $3)"
	awk -v p="$p50" -v hi="$4" 'BEGIN { exit !(p <= hi) }' || die "$label: median round trip $p50 ms (want <= $4)"
}

# check_bulk LABEL RESULT MIB RATE DELAY_MS: the bytes came back intact, COMMAND exited 0, and
# MIB MiB took what RATE Mbit/s allows (75% to 103% of the rate, the round trip's delay aside).
check_bulk() {
	local label=$1 secs sent got status stalled mbit
	read -r secs sent got status stalled <<<"$2"
	[[ $sent == "$got" ]] || die "$label: the bytes came back different"
	((status == 0)) || die "$label: exit status $status"
	mbit=$(awk -v s="$secs" -v m="$3" -v d="$5" 'BEGIN { printf "%.1f", m * 8388608 / (s - 2 * d / 1000) / 1e6 }')
	e2e_log "$label: $3 MiB intact in $secs s: $mbit Mbit/s at --rate $4"
	awk -v x="$mbit" -v r="$4" 'BEGIN { exit !(x >= 0.75 * r && x <= 1.03 * r) }' ||
		die "$label: $mbit Mbit/s through --rate $4"
}

e2e_log "exit status: the command's, 127 when it cannot start, 2 for a bad option"
rc=0
timeout 10 "$C" --delay 5 --rate 10 -- sh -c 'exit 3' </dev/null || rc=$?
((rc == 3)) || die "status $rc for a command that exits 3"
rc=0
timeout 10 "$C" --delay 5 --rate 10 -- /nonexistent/chanem-command </dev/null 2>/dev/null || rc=$?
((rc == 127)) || die "status $rc for a missing command (want 127)"
rc=0
timeout 10 "$C" --delay x --rate 10 -- cat </dev/null 2>/dev/null || rc=$?
((rc == 2)) || die "status $rc for a bad --delay (want 2)"
out=$(printf 'hello\n' | timeout 10 "$C" --delay 10 --rate 1 -- cat) || die "EOF through cat: status $?"
[[ $out == hello ]] || die "EOF through cat: got '$out'"

out=$(probe 20 rtt --count 10 -- "$C" --delay 20 --rate 10 -- cat) || die "round trips through cat failed"
check_rtt "pipes, --delay 20" "$out" 40 70

out=$(probe 30 bulk --mib 4 -- "$C" --delay 20 --rate 40 -- cat) || die "bulk through cat failed"
check_bulk "pipes, --rate 40" "$out" 4 40 20

# A reader that stops: chanem stops reading too, after at most its queue, what is on its wire
# and the pipes (about 1 MiB here); the rest waits, and every byte arrives once reading resumes.
out=$(probe 30 bulk --mib 4 --stall 1.5 -- "$C" --delay 5 --rate 100 --buffer 100000 -- cat) ||
	die "bulk with a stalled reader failed"
read -r _ sent got status stalled <<<"$out"
e2e_log "a stalled reader: the writer got $stalled bytes in before reading began"
[[ $sent == "$got" && $status == 0 ]] || die "stalled reader: the bytes came back different, or status $status"
((stalled <= 2 * 1024 * 1024)) || die "stalled reader: $stalled bytes taken in (want <= 2 MiB)"

# socat EXEC gives chanem one socket as stdin and stdout: EOF must be a shutdown, not a close.
out=$(probe 30 bulk --mib 4 -- socat STDIO "EXEC:$C --delay 20 --rate 40 -- cat") ||
	die "bulk through socat EXEC failed"
check_bulk "socket stdio (socat EXEC), --rate 40" "$out" 4 40 20

topo_up
server_up echo 7000 echo
out=$(probe 20 rtt --count 10 -- ip netns exec "$E2E_NS_C" "$C" --delay 20 --rate 10 -- \
	socat - "TCP:$E2E_SSH_V4:7000") || die "round trips to an echo server through chanem failed"
check_rtt "chanem -- socat - TCP:$E2E_SSH_V4:7000" "$out" 40 70

sshd_up
out=$(probe 40 rtt --count 10 -- ip netns exec "$E2E_NS_C" ssh -F "$E2E_TMP/ssh_config" \
	-o "ProxyCommand=$C --delay 20 --rate 10 -- socat - TCP:%h:%p" "$E2E_SSH_V4" cat) ||
	die "round trips through ssh with chanem as ProxyCommand failed"
check_rtt "ssh -o ProxyCommand='chanem --delay 20 ...'" "$out" 40 80
