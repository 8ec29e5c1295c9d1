#!/usr/bin/env bash
# A client whose channel carries something other than a good proxy ends with one error line on
# stderr and an exit status of 1..127, within 5 s, and resets its application's connection: a
# login banner before the handshake (what a remote shell may print), another client, and a proxy
# that breaks a frame rule once the client opened a stream (bad_peer.py --role proxy).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$E2E_DIR/lib-bad-peer.sh"

e2e_begin
topo_up
rules_iptables_up

# client_case CASE TEXT...: the client against bad_peer.py --role proxy CASE, with an application
# connected through it; the client's error line holds every TEXT and the application sees a reset.
client_case() {
	local case=$1 app
	shift
	bad_start "$case" "$E2E_NS_C" -p "$E2E_PORT" -- --role proxy "$case"
	if [[ $case != banner ]]; then
		wait_bound "$E2E_NS_C" -Hltnp "$E2E_PORT" 10 "$BAD_PID" "$BAD_PID"
		spawn "$case-app" "$E2E_NS_C" "$E2E_PY" "$E2E_DIR/close_probe.py" expect-reset \
			"$E2E_REMOTE_V4" 7000 --within "$BAD_WITHIN"
		app=$E2E_LAST_PID
		BAD_START_MS=$(now_ms)
	fi
	bad_wait
	expect_one_error "$case" "$RC" "$@"
	if [[ $case != banner ]]; then
		wait_pid_exit "$app" 10 || die "$case: the application's connection was not reset: $(cat "$E2E_TMP/$case-app.log")"
	fi
}

client_case banner 'exiting: channel: not a tfunnel handshake; received "Last login: Sun Nov 22 08:12:43 2026 from 192.0.2.7\r\n'
client_case repeated-opened 'protocol violation: opened twice' '(opened frame, stream 1, length 0)'
client_case unknown-stream 'protocol violation: frame for a stream never opened (data frame, stream 99, length 5)'

same_role_run two-clients "$E2E_NS_C" -p "$E2E_PORT"
for end in a b; do
	rc_var=RC_${end^^}
	expect_one_error "two-clients-$end" "${!rc_var}" \
		'channel: peer has the same role (two clients or two proxies joined); received "TFNL\x00\x01\x01\x00"'
done
