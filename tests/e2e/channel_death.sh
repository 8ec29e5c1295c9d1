#!/usr/bin/env bash
# When the channel dies (the proxy is killed), every local connection is reset (ECONNRESET, not
# a FIN) and the client exits with a non-zero status.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
topo_up
rules_iptables_up
server_up echo 7000 echo
tunnel_pipe_up

spawn hold "$E2E_NS_C" "$E2E_PY" "$E2E_DIR/close_probe.py" hold \
	"$E2E_REMOTE_V4,$E2E_REMOTE_V6,$E2E_REMOTE_V4" 7000 --ready-file "$E2E_TMP/hold.ready" --within 10
hold=$E2E_LAST_PID
for ((i = 0; i < 100; i++)); do
	[[ -e "$E2E_TMP/hold.ready" ]] && break
	kill -0 "$hold" 2>/dev/null || break
	sleep 0.1
done
[[ -e "$E2E_TMP/hold.ready" ]] || die "the connections did not come up: $(cat "$E2E_TMP/hold.log")"

e2e_log "kill the proxy (pid $E2E_PROXY_PID)"
kill -KILL "$E2E_PROXY_PID"
rc=0
wait_pid_exit "$hold" 15 || rc=$?
((rc == 0)) || die "the local connections were not all reset (status $rc): $(cat "$E2E_TMP/hold.log")"
rc=0
wait_pid_exit "$E2E_CLIENT_PID" 10 || rc=$?
((rc != 124)) || die "the client still runs 10 s after the channel died"
((rc != 0)) || die "the client exited with status 0 after the channel died"
e2e_log "client exited with status $rc"
