#!/usr/bin/env bash
# `tfunnel -p PORT -- COMMAND` runs the transport itself: the tunnel works without socat; when
# the command dies, local connections are reset and the exit status tells how it ended (128 +
# signal, its own status when it fails, 127 when it cannot start, else 1) and its stderr is the
# client's; SIGTERM ends client and command with status 0; with
# --reconnect the command is restarted and new connections work again.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
require_progs curl
topo_up
rules_iptables_up
mkdir "$E2E_TMP/www"
echo "through the transport $RANDOM" >"$E2E_TMP/www/hello.txt"
http_up "$E2E_TMP/www" 8080
server_up echo 7000 echo
url="http://$E2E_REMOTE_V4:8080/hello.txt"

# proxy_pid: the tfunnel proxy running in P (the transport command execs into it).
proxy_pid() {
	local pid exe
	exe=$(readlink -f "$TFUNNEL_BIN")
	for pid in $(ip netns pids "$E2E_NS_P"); do
		[[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$exe" ]] && echo "$pid"
	done
}

# fetch SECONDS: GET $url through the tunnel, retried for up to SECONDS.
fetch() {
	local i
	for ((i = 0; i < $1 * 4; i++)); do
		[[ $(in_c 5 curl -sS --max-time 2 "$url" 2>/dev/null) == "$(cat "$E2E_TMP/www/hello.txt")" ]] && return 0
		sleep 0.25
	done
	return 1
}

# client_up NAME OPTION...: the client in C, its transport the proxy in P.
client_up() {
	local name=$1
	shift
	spawn "$name" "$E2E_NS_C" "$TFUNNEL_BIN" -p "$E2E_PORT" "${E2E_OPTS[@]}" "$@" \
		-- ip netns exec "$E2E_NS_P" "$TFUNNEL_BIN" "${E2E_OPTS[@]}"
	E2E_CLIENT_PID=$E2E_LAST_PID
	tunnel_wait_up
}

e2e_log "the command's death: status 128 + signal, connections reset"
client_up plain
fetch 10 || die "no HTTP through -- COMMAND: $(cat "$E2E_TMP/plain.log")"
spawn hold "$E2E_NS_C" "$E2E_PY" "$E2E_DIR/close_probe.py" hold "$E2E_REMOTE_V4" 7000 \
	--ready-file "$E2E_TMP/hold.ready" --within 10
hold=$E2E_LAST_PID
for ((i = 0; i < 100; i++)); do
	[[ -e "$E2E_TMP/hold.ready" ]] && break
	sleep 0.1
done
[[ -e "$E2E_TMP/hold.ready" ]] || die "the held connection did not come up: $(cat "$E2E_TMP/hold.log")"
pid=$(proxy_pid)
[[ -n $pid ]] || die "no proxy running in P"
kill -KILL "$pid"
rc=0
wait_pid_exit "$hold" 15 || rc=$?
((rc == 0)) || die "the held connection was not reset (status $rc): $(cat "$E2E_TMP/hold.log")"
rc=0
wait_pid_exit "$E2E_CLIENT_PID" 10 || rc=$?
((rc == 137)) || die "client status $rc after its command was killed (want 137): $(cat "$E2E_TMP/plain.log")"
grep -q "killed by signal 9" "$E2E_TMP/plain.log" || die "the client did not say how the command ended"

e2e_log "SIGTERM: client and command end, status 0"
client_up term
fetch 10 || die "no HTTP through -- COMMAND (second run)"
pid=$(proxy_pid)
kill -TERM "$E2E_CLIENT_PID"
rc=0
wait_pid_exit "$E2E_CLIENT_PID" 10 || rc=$?
((rc == 0)) || die "client status $rc after SIGTERM (want 0): $(cat "$E2E_TMP/term.log")"
for ((i = 0; i < 50; i++)); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
! kill -0 "$pid" 2>/dev/null || die "the transport command outlived the client by 5 s"

e2e_log "a command that cannot start: status 127"
rc=0
in_c 10 "$TFUNNEL_BIN" -p "$E2E_PORT" -- /nonexistent/tfunnel-transport 2>"$E2E_TMP/nocmd.log" || rc=$?
((rc == 127)) || die "status $rc for a missing command (want 127): $(cat "$E2E_TMP/nocmd.log")"
grep -q "/nonexistent/tfunnel-transport" "$E2E_TMP/nocmd.log" || die "the error does not name the command"

e2e_log "the command's stderr passes through; its failure is the client's status, else 1"
rc=0
# shellcheck disable=SC2016 # the command's sh expands $0
in_c 10 "$TFUNNEL_BIN" -p "$E2E_PORT" -- sh -c 'echo "transport stderr $0" >&2; exit 3' marker \
	2>"$E2E_TMP/status3.log" || rc=$?
((rc == 3)) || die "status $rc for a command that exits 3 (want 3): $(cat "$E2E_TMP/status3.log")"
grep -qx "transport stderr marker" "$E2E_TMP/status3.log" ||
	die "the command's stderr did not pass through: $(cat "$E2E_TMP/status3.log")"
rc=0
in_c 10 "$TFUNNEL_BIN" -p "$E2E_PORT" -- true 2>"$E2E_TMP/status0.log" || rc=$?
((rc == 1)) || die "status $rc for a command that exits 0 without a session (want 1): $(cat "$E2E_TMP/status0.log")"

e2e_log "--reconnect: the command is restarted, new connections work again"
client_up again --reconnect
fetch 10 || die "no HTTP through --reconnect"
for round in 1 2; do
	pid=$(proxy_pid)
	[[ -n $pid ]] || die "no proxy running in P (round $round)"
	kill -KILL "$pid"
	fetch 15 || die "no HTTP after the transport was killed (round $round): $(tail -5 "$E2E_TMP/again.log")"
	kill -0 "$E2E_CLIENT_PID" 2>/dev/null || die "the --reconnect client exited"
	[[ $(proxy_pid) != "$pid" ]] || die "the same proxy still runs"
done
(($(grep -c "restarting in" "$E2E_TMP/again.log") == 2)) || die "want two restarts: $(cat "$E2E_TMP/again.log")"
