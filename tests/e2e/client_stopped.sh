#!/usr/bin/env bash
# A stuck client (SIGSTOP) is found dead by the proxy's --keepalive 3: the proxy exits with a
# non-zero status within keepalive + 3 s of the stop, and not before half the keepalive, and
# resets its connections to the servers in P: the servers see ECONNRESET and `ss` in P lists
# none of those connections any more.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
topo_up
rules_iptables_up
server_up echo 7000 echo
server_up push 7005 push
keepalive=3
E2E_PROXY_ARGS=(--keepalive "$keepalive")
tunnel_pipe_up

# server_conns: the servers' connections in P (any state but listening), one a line.
server_conns() {
	ip netns exec "$E2E_NS_P" ss -Htan '( sport = :7000 or sport = :7005 )' | grep -v '^LISTEN' || true
}

spawn hold "$E2E_NS_C" "$E2E_PY" "$E2E_DIR/close_probe.py" hold "$E2E_REMOTE_V4,$E2E_REMOTE_V6" 7000 \
	--ready-file "$E2E_TMP/hold.ready" --within 60
spawn dl "$E2E_NS_C" "$E2E_PY" "$E2E_DIR/close_probe.py" download "$E2E_REMOTE_V4" 7005 \
	--bytes $((4 << 20)) --ready-file "$E2E_TMP/dl.ready" --within 60
wait_ready "$E2E_TMP/hold.ready" 15
wait_ready "$E2E_TMP/dl.ready" 15
n=$(server_conns | grep -c '^ESTAB' || true)
((n == 3)) || die "want 3 established server connections in P, found $n: $(server_conns)"

e2e_log "kill -STOP the client (pid $E2E_CLIENT_PID)"
stopped_ms=$(now_ms)
kill -STOP "$E2E_CLIENT_PID"
rc=0
wait_pid_exit "$E2E_PROXY_PID" $((keepalive + 5)) || rc=$?
took_ms=$(($(now_ms) - stopped_ms))
((rc != 124)) || die "the proxy still runs $((keepalive + 5)) s after the client stopped"
((rc != 0)) || die "the proxy exited with status 0 when the client stopped"
e2e_log "proxy exited with status $rc, ${took_ms} ms after the stop: $(tail -n 1 "$E2E_TMP/proxy.log")"
((took_ms <= (keepalive + 3) * 1000)) || die "the proxy took ${took_ms} ms > keepalive + 3 s"
((took_ms >= keepalive * 500)) || die "the proxy gave up after ${took_ms} ms < keepalive / 2"
grep -q "channel silent" "$E2E_TMP/proxy.log" || die "the proxy did not say the channel was silent"

for ((i = 0; i < 40; i++)); do
	[[ -z $(server_conns) ]] && break
	sleep 0.05
done
[[ -z $(server_conns) ]] || die "server connections left in P after the proxy exited: $(server_conns)"
for ((i = 0; i < 40; i++)); do
	(($(grep -c ConnectionResetError "$E2E_TMP/echo.log") == 2)) && break
	sleep 0.05
done
(($(grep -c ConnectionResetError "$E2E_TMP/echo.log") == 2)) ||
	die "the echo server did not see both connections reset: $(cat "$E2E_TMP/echo.log")"
grep -qE "push ended .*(ConnectionResetError|BrokenPipeError)" "$E2E_TMP/push.log" ||
	die "the push server did not see its connection reset: $(cat "$E2E_TMP/push.log")"
e2e_log "every server connection in P was reset"
kill -CONT "$E2E_CLIENT_PID"
