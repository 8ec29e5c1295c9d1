#!/usr/bin/env bash
# The ssh carrying the tunnel is killed (SIGKILL) in the middle of a download through it: the
# application's connection is reset (ECONNRESET, never a clean EOF that would pass a truncated
# download off as complete) and the client exits, both within 5 s. Twice over the real sshd in
# P: the client running ssh itself (tfunnel -p PORT -- ssh HOST tfunnel), where its status must
# be non-zero; then the seed's socat EXEC:'tfunnel -p PORT' EXEC:'ssh HOST tfunnel', where socat
# decides the status (below).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
require_progs ssh sshd socat pgrep
topo_up
rules_iptables_up
sshd_up
server_up push 7005 push
limit_ms=5000

# download_under_way NAME: an endless download through the tunnel, at least 8 MiB in; its pid
# in DL_PID.
download_under_way() {
	spawn "$1" "$E2E_NS_C" "$E2E_PY" "$E2E_DIR/close_probe.py" download "$E2E_REMOTE_V4" 7005 \
		--bytes $((8 << 20)) --ready-file "$E2E_TMP/$1.ready" --within 10
	DL_PID=$E2E_LAST_PID
	wait_ready "$E2E_TMP/$1.ready" 15 "$DL_PID"
}

# kill_ssh PARENT: SIGKILL the ssh that PARENT started; KILLED_MS = when.
kill_ssh() {
	local ssh
	ssh=$(pgrep -P "$1" -x ssh) || die "no ssh child of process $1"
	e2e_log "kill -KILL ssh (pid $ssh) mid-download"
	KILLED_MS=$(now_ms)
	kill -KILL "$ssh"
}

# expect_download_reset NAME: the download ended with ECONNRESET within limit_ms of the kill.
expect_download_reset() {
	local rc=0
	wait_pid_exit "$DL_PID" 10 || rc=$?
	((rc == 0)) || die "the download was not reset (status $rc): $(cat "$E2E_TMP/$1.log")"
	e2e_log "download: $(tail -n 1 "$E2E_TMP/$1.log"), $(($(now_ms) - KILLED_MS)) ms after the kill"
	(($(now_ms) - KILLED_MS <= limit_ms)) || die "the reset came over ${limit_ms} ms after the kill"
}

e2e_log "the client runs ssh itself"
spawn client "$E2E_NS_C" "$TFUNNEL_BIN" -p "$E2E_PORT" "${E2E_OPTS[@]}" \
	-- ssh -F "$E2E_TMP/ssh_config" "$E2E_SSH_V4" "$TFUNNEL_BIN" "${E2E_OPTS[@]}"
E2E_CLIENT_PID=$E2E_LAST_PID
tunnel_wait_up
download_under_way dl-command
kill_ssh "$E2E_CLIENT_PID"
expect_download_reset dl-command
rc=0
wait_pid_exit "$E2E_CLIENT_PID" $((limit_ms / 1000)) || rc=$?
((rc != 124)) || die "the client still runs ${limit_ms} ms after ssh was killed"
((rc != 0)) || die "the client exited with status 0 after ssh was killed"
e2e_log "client exited with status $rc, $(($(now_ms) - KILLED_MS)) ms after the kill"

e2e_log "socat joins the client and ssh (the seed's way)"
tunnel_ssh_up "$E2E_SSH_V4"
client=$(pgrep -P "$E2E_CLIENT_PID" -x tfunnel) || die "no tfunnel child of socat"
download_under_way dl-socat
kill_ssh "$E2E_CLIENT_PID"
expect_download_reset dl-socat
for ((i = 0; i < limit_ms / 50; i++)); do
	pid_running "$client" || break
	sleep 0.05
done
! pid_running "$client" || die "the client still runs ${limit_ms} ms after ssh was killed"
# socat hides the client's status, and when ssh dies it sends the client a SIGTERM of its own,
# which may come before the client sees the channel end (then it exits 0, as on any SIGTERM):
# here only the reset and the client's end are tfunnel's to keep.
how=$(grep -o "tfunnel\[client\] . exiting: .*" "$E2E_TMP/tunnel.log") ||
	die "the client did not say why it exited: $(tail -n 5 "$E2E_TMP/tunnel.log")"
e2e_log "$how, $(($(now_ms) - KILLED_MS)) ms after the kill"
