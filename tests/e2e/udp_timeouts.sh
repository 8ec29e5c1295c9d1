#!/usr/bin/env bash
# Idle flows expire and free their sockets (counted with ss, per process) on both sides:
# unanswered flows after --udp_timeout (2 s here), answered ones after --udp_timeout_stream (5 s),
# so an answered flow outlives the unanswered timeout. Each end's own timers are checked alone:
# once with the short timeouts on the client only, once on the proxy only (the other end at 60 s);
# the end that expires a flow tells the other, which frees its socket too. The application's
# sockets, still open, then start new flows that work.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

UNANSWERED=2
ANSWERED=5
FLOWS=10 # of each kind, half IPv4 and half IPv6

# sleep_until_ms T: sleep until now_ms reaches T.
sleep_until_ms() {
	local left=$(($1 - $(now_ms)))
	((left > 0)) || return 0
	sleep "$((left / 1000)).$(printf %03d $((left % 1000)))"
}

# counts: "CLIENT PROXY", the UDP sockets of each end beyond the client's own TPROXY socket(s).
counts() {
	echo "$(($(socket_count "$E2E_NS_C" "$E2E_CLIENT_PID" -uan) - base))" \
		"$(socket_count "$E2E_NS_P" "$E2E_PROXY_PID" -uan)"
}

# wait_counts WANT MS: poll until counts is WANT, for up to MS milliseconds.
wait_counts() {
	local want=$1 until=$(($(now_ms) + $2)) i
	for ((i = 0; i < 200; i++)); do
		[[ "$(counts)" == "$want" ]] && return 0
		(($(now_ms) < until)) || return 1
		sleep 0.05
	done
	return 1
}

# expiry SHORT_END: one tunnel whose SHORT_END (client or proxy) has the short timeouts.
expiry() {
	local short=$1 ready gone rc=0 hold
	local fast=(--udp_timeout "$UNANSWERED" --udp_timeout_stream "$ANSWERED")
	local slow=(--udp_timeout 60 --udp_timeout_stream 60) client_args
	if [[ "$short" == client ]]; then
		client_args=("${fast[@]}") E2E_PROXY_ARGS=("${slow[@]}")
	else
		client_args=("${slow[@]}") E2E_PROXY_ARGS=("${fast[@]}")
	fi
	e2e_log "--- short timeouts on the $short only"
	tunnel_pipe_instance_up "-$short" "${client_args[@]}"
	base=$(socket_count "$E2E_NS_C" "$E2E_CLIENT_PID" -uan)
	[[ "$(counts)" == "0 0" ]] || die "UDP sockets before any flow (client, proxy): $(counts)"

	e2e_log "$FLOWS answered and $FLOWS unanswered flows"
	spawn "hold-$short" "$E2E_NS_C" "$E2E_PY" "$E2E_DIR/udp_probe.py" hold \
		"$E2E_REMOTE_V4,$E2E_REMOTE_V6" --echo-port 7001 --echo-count "$FLOWS" \
		--sink-port 7002 --sink-count "$FLOWS" --hold 30 \
		--ready-file "$E2E_TMP/$short.ready" --again-file "$E2E_TMP/$short.again"
	hold=$E2E_LAST_PID
	for ((i = 0; i < 100; i++)); do
		[[ -e "$E2E_TMP/$short.ready" ]] && break
		kill -0 "$hold" 2>/dev/null || break
		sleep 0.1
	done
	[[ -e "$E2E_TMP/$short.ready" ]] || die "the flows did not come up: $(cat "$E2E_TMP/hold-$short.log")"
	ready=$(now_ms)
	# The sink's datagrams may still be crossing: give them a moment to open their flows.
	wait_counts "$((2 * FLOWS)) $((2 * FLOWS))" 1000 ||
		die "expected $((2 * FLOWS)) flow sockets on each side, got (client, proxy): $(counts)"
	e2e_log "all flows up: sockets (client, proxy): $(counts)"

	sleep_until_ms $((ready + UNANSWERED * 1000 + 1500))
	e2e_log "$(($(now_ms) - ready)) ms idle: sockets (client, proxy): $(counts)"
	[[ "$(counts)" == "$FLOWS $FLOWS" ]] ||
		die "after the unanswered timeout, expected the $FLOWS answered flows left on each side," \
			"got (client, proxy): $(counts)"

	wait_counts "0 0" $((ANSWERED * 1000 + 3000 - ($(now_ms) - ready))) || true
	gone=$(($(now_ms) - ready))
	e2e_log "$gone ms idle: sockets (client, proxy): $(counts)"
	[[ "$(counts)" == "0 0" ]] || die "answered flows still hold sockets after $gone ms idle: $(counts)"
	((gone >= ANSWERED * 1000 - 500)) || die "answered flows expired after $gone ms, before ${ANSWERED}s"

	e2e_log "the same application sockets again: new flows"
	touch "$E2E_TMP/$short.again"
	wait_pid_exit "$hold" 15 || rc=$?
	((rc == 0)) || die "the application's sockets do not work after expiry: $(cat "$E2E_TMP/hold-$short.log")"
	wait_counts "$FLOWS $FLOWS" 1000 || die "expected $FLOWS new flows on each side: $(counts)"
	tunnel_assert_alive
	kill -TERM "$E2E_CLIENT_PID" "$E2E_PROXY_PID"
	wait_pid_exit "$E2E_CLIENT_PID" 5 || true
	wait_pid_exit "$E2E_PROXY_PID" 5 || true
}

e2e_begin
topo_up
rules_iptables_up
udp_server_up echo echo 7001
udp_server_up sink sink 7002
expiry client
expiry proxy
