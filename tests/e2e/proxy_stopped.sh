#!/usr/bin/env bash
# A stuck proxy (SIGSTOP: the pipe stays open, nothing comes out) is found dead by the client's
# --keepalive 3: it resets every local connection (idle ones over IPv4 and IPv6, and a download
# under way) and exits with a non-zero status within keepalive + 3 s of the stop, and not before
# half the keepalive (silence is measured from the last frame received, checked every 1/4 of it).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
topo_up
rules_iptables_up
server_up echo 7000 echo
server_up push 7005 push
keepalive=3
tunnel_pipe_up --keepalive "$keepalive"

spawn hold "$E2E_NS_C" "$E2E_PY" "$E2E_DIR/close_probe.py" hold "$E2E_REMOTE_V4,$E2E_REMOTE_V6" 7000 \
	--ready-file "$E2E_TMP/hold.ready" --within 20
hold=$E2E_LAST_PID
spawn dl "$E2E_NS_C" "$E2E_PY" "$E2E_DIR/close_probe.py" download "$E2E_REMOTE_V6" 7005 \
	--bytes $((4 << 20)) --ready-file "$E2E_TMP/dl.ready" --within 20
dl=$E2E_LAST_PID
wait_ready "$E2E_TMP/hold.ready" 15 "$hold"
wait_ready "$E2E_TMP/dl.ready" 15 "$dl"

e2e_log "kill -STOP the proxy (pid $E2E_PROXY_PID)"
stopped_ms=$(now_ms)
kill -STOP "$E2E_PROXY_PID"
rc=0
wait_pid_exit "$E2E_CLIENT_PID" $((keepalive + 5)) || rc=$?
took_ms=$(($(now_ms) - stopped_ms))
((rc != 124)) || die "the client still runs $((keepalive + 5)) s after the proxy stopped"
((rc != 0)) || die "the client exited with status 0 when the proxy stopped"
e2e_log "client exited with status $rc, ${took_ms} ms after the stop: $(tail -n 1 "$E2E_TMP/client.log")"
((took_ms <= (keepalive + 3) * 1000)) || die "the client took ${took_ms} ms > keepalive + 3 s"
((took_ms >= keepalive * 500)) || die "the client gave up after ${took_ms} ms < keepalive / 2"
grep -q "channel silent" "$E2E_TMP/client.log" || die "the client did not say the channel was silent"

for probe in hold dl; do
	rc=0
	pid_var=$probe
	wait_pid_exit "${!pid_var}" 5 || rc=$?
	((rc == 0)) || die "$probe: the connection(s) were not reset (status $rc): $(cat "$E2E_TMP/$probe.log")"
	e2e_log "$probe: $(tail -n 1 "$E2E_TMP/$probe.log")"
done
kill -CONT "$E2E_PROXY_PID"
