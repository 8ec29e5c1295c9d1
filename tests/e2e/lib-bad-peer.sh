# shellcheck shell=bash
# shellcheck disable=SC2034 # RC, RC_A and RC_B are results for the tests that source this file
# lib-bad-peer.sh: a tfunnel whose channel is joined to something that is not a good peer
# (bad_peer.py, or a tfunnel of the same role), and the check that it then ends as it should: with
# one error line on stderr and an exit status of 1..127, within BAD_WITHIN seconds. Source it after
# lib.sh.

BAD_WITHIN=5 # seconds: far less than --keepalive (20), so an end by silence would fail the test
BAD_PID=""
BAD_PEER_PID=""
BAD_START_MS=0
RC=0
RC_A=0
RC_B=0
ELAPSED_MS=0

# bad_start NAME NS TARGET_OPTION... -- BAD_PEER_ARG...: tfunnel with TARGET_OPTIONs in NS (stderr
# in $E2E_TMP/NAME.log), its stdin and stdout joined by two FIFOs to bad_peer.py BAD_PEER_ARGs
# (stderr in NAME-peer.log). Sets BAD_PID, BAD_PEER_PID and BAD_START_MS.
bad_start() {
	local name=$1 ns=$2 opts=()
	shift 2
	while (($#)) && [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	shift
	mkfifo "$E2E_TMP/$name.in" "$E2E_TMP/$name.out"
	echo "+ [$ns] $TFUNNEL_BIN ${opts[*]} <=> bad_peer.py $* &" >&2
	# Open order matters: each end opens the FIFO the other opens first, so neither blocks.
	ip netns exec "$ns" "$TFUNNEL_BIN" "${opts[@]}" \
		<"$E2E_TMP/$name.in" >"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name.log" &
	BAD_PID=$!
	E2E_PIDS+=("$BAD_PID")
	"$E2E_PY" "$E2E_DIR/bad_peer.py" "$@" \
		>"$E2E_TMP/$name.in" <"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name-peer.log" &
	BAD_PEER_PID=$!
	E2E_PIDS+=("$BAD_PEER_PID")
	BAD_START_MS=$(now_ms)
}

# bad_wait: waits up to BAD_WITHIN s for the tfunnel of bad_start to end, then for bad_peer.py.
# Sets RC (tfunnel's exit status; 124: still running) and ELAPSED_MS.
bad_wait() {
	RC=0
	wait_pid_exit "$BAD_PID" "$BAD_WITHIN" || RC=$?
	ELAPSED_MS=$(($(now_ms) - BAD_START_MS))
	wait_pid_exit "$BAD_PEER_PID" 15 >/dev/null || true
}

# bad_run NAME NS TARGET_OPTION... -- BAD_PEER_ARG...: bad_start, then bad_wait.
bad_run() {
	bad_start "$@"
	bad_wait
}

# same_role_run NAME NS OPTION...: two tfunnels with the same OPTIONs in NS joined to each other
# by two FIFOs (stderr in NAME-a.log and NAME-b.log). Sets RC_A, RC_B and ELAPSED_MS.
same_role_run() {
	local name=$1 ns=$2 a b start
	shift 2
	mkfifo "$E2E_TMP/$name.a2b" "$E2E_TMP/$name.b2a"
	echo "+ [$ns] $TFUNNEL_BIN $* <=> $TFUNNEL_BIN $* &" >&2
	ip netns exec "$ns" "$TFUNNEL_BIN" "$@" \
		<"$E2E_TMP/$name.b2a" >"$E2E_TMP/$name.a2b" 2>"$E2E_TMP/$name-a.log" &
	a=$!
	E2E_PIDS+=("$a")
	ip netns exec "$ns" "$TFUNNEL_BIN" "$@" \
		>"$E2E_TMP/$name.b2a" <"$E2E_TMP/$name.a2b" 2>"$E2E_TMP/$name-b.log" &
	b=$!
	E2E_PIDS+=("$b")
	start=$(now_ms)
	RC_A=0
	wait_pid_exit "$a" "$BAD_WITHIN" || RC_A=$?
	RC_B=0
	wait_pid_exit "$b" "$BAD_WITHIN" || RC_B=$?
	ELAPSED_MS=$(($(now_ms) - start))
}

# expect_one_error NAME STATUS TEXT...: the tfunnel whose stderr is $E2E_TMP/NAME.log ended with
# STATUS (1..127: not by a signal, not by the watchdog) and wrote exactly one error line, which
# holds every TEXT (fixed strings). Any other line may only be the notice that live streams were
# reset, or the session's summary (once the handshake passed).
expect_one_error() {
	local name=$1 rc=$2 log="$E2E_TMP/$1.log" line text others
	shift 2
	((rc != 124)) || die "$name: still running after ${BAD_WITHIN}s: $(cat "$log")"
	((rc > 0 && rc < 128)) || die "$name: exit status $rc, expected 1..127: $(cat "$log")"
	(($(grep -c ' E ' "$log" || true) == 1)) || die "$name: not exactly one error line: $(cat "$log")"
	line=$(grep ' E ' "$log")
	for text in "$@"; do
		[[ "$line" == *"$text"* ]] || die "$name: the error line lacks '$text': $line"
	done
	others=$(grep -v ' E ' "$log" | grep -v ' N summary: ' |
		grep -cv ' N resetting [0-9]* stream(s) and flow(s)$' || true)
	((others == 0)) || die "$name: more than the error on stderr: $(cat "$log")"
	e2e_log "$name: status $rc after ${ELAPSED_MS} ms: ${line#* E }"
}
