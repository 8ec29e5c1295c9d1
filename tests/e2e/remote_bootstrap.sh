#!/usr/bin/env bash
# tfunnel -p PORT --remote HOST starts the proxy over ssh with nothing installed on HOST (the sshd
# in P has no tfunnel on its PATH): the client sends its own binary, which runs from a private
# temporary directory that is gone once the session ends. A host that has a tfunnel of the same
# version on its PATH (a second sshd whose /usr/local/bin holds one) runs that one instead. Lines
# a login script prints first are skipped, and a host name cannot smuggle in an option.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
require_progs curl ssh sshd unshare
topo_up
# The ssh host goes direct, both sshds (ports 22 and 2222).
firewall_c up --port "$E2E_PORT" -x "$E2E_SSH_V4/32" -x "$E2E_SSH_V6/128" 0/0 ::/0
sshd_up
mkdir "$E2E_TMP/www"
echo "remote bootstrap $RANDOM" >"$E2E_TMP/www/hello.txt"
http_up "$E2E_TMP/www" 8080
url="http://$E2E_REMOTE_V4:8080/hello.txt"
ssh_cmd="ssh -F $E2E_TMP/ssh_config"

fetch() {
	local i
	for ((i = 0; i < 40; i++)); do
		[[ $(in_c 5 curl -sS --max-time 2 "$url" 2>/dev/null) == "$(cat "$E2E_TMP/www/hello.txt")" ]] && return 0
		sleep 0.25
	done
	return 1
}

# proxy_exe: the executable of the tfunnel proxy running in P.
proxy_exe() {
	local pid
	for pid in $(ip netns pids "$E2E_NS_P"); do
		[[ $(cat "/proc/$pid/comm" 2>/dev/null) == tfunnel ]] && readlink "/proc/$pid/exe" && return 0
	done
	return 1
}

e2e_log "no tfunnel on the remote PATH: the binary is sent"
# The sshd in P shares this machine's files: its login PATH must hold no tfunnel.
if got=$(in_c 15 ssh -F "$E2E_TMP/ssh_config" "$E2E_SSH_V4" 'command -v tfunnel'); then
	skip "the sshd's login PATH has a tfunnel ($got): nothing to send"
fi
spawn need "$E2E_NS_C" "$TFUNNEL_BIN" -p "$E2E_PORT" -v --remote "$E2E_SSH_V4" --ssh-cmd "$ssh_cmd"
E2E_CLIENT_PID=$E2E_LAST_PID
tunnel_wait_up
fetch || die "no HTTP through --remote: $(cat "$E2E_TMP/need.log")"
grep -q "sending this binary" "$E2E_TMP/need.log" || die "the client did not send its binary: $(cat "$E2E_TMP/need.log")"
exe=$(proxy_exe) || die "no proxy in P"
[[ $exe == */tfunnel.*/tfunnel ]] || die "the proxy runs from $exe, not a private temporary directory"
[[ $(stat -c %a "$(dirname "$exe")") == 700 ]] || die "$(dirname "$exe") is not private"
kill -TERM "$E2E_CLIENT_PID"
rc=0
wait_pid_exit "$E2E_CLIENT_PID" 10 || rc=$?
((rc == 0)) || die "client status $rc after SIGTERM: $(cat "$E2E_TMP/need.log")"
for ((i = 0; i < 50; i++)); do
	[[ -e $(dirname "$exe") ]] || break
	sleep 0.1
done
[[ ! -e $(dirname "$exe") ]] || die "$(dirname "$exe") is left behind"

e2e_log "a tfunnel of the same version on the remote PATH is used"
mkdir "$E2E_TMP/bin"
ln -s "$TFUNNEL_BIN" "$E2E_TMP/bin/tfunnel"
sshd_config_text | sed 's/:22$/:2222/' >"$E2E_TMP/sshd2_config"
sed -i "s|^PidFile .*|PidFile $E2E_TMP/sshd2.pid|" "$E2E_TMP/sshd2_config"
# shellcheck disable=SC2016 # the inner sh expands them
spawn sshd2 "$E2E_NS_P" unshare -m sh -c \
	'mount --bind "$1" /usr/local/bin && exec "$(command -v sshd)" -D -e -f "$2"' sh "$E2E_TMP/bin" "$E2E_TMP/sshd2_config"
wait_listening "$E2E_NS_P" 2222 10 "$E2E_LAST_PID"
spawn have "$E2E_NS_C" "$TFUNNEL_BIN" -p "$E2E_PORT" -v --remote "$E2E_SSH_V4" --ssh-cmd "$ssh_cmd -p 2222"
E2E_CLIENT_PID=$E2E_LAST_PID
tunnel_wait_up
fetch || die "no HTTP through --remote with tfunnel installed: $(cat "$E2E_TMP/have.log")"
grep -q "running its own tfunnel" "$E2E_TMP/have.log" || die "the remote's tfunnel was not used: $(cat "$E2E_TMP/have.log")"
kill -TERM "$E2E_CLIENT_PID"
wait_pid_exit "$E2E_CLIENT_PID" 10 >/dev/null || true

e2e_log "a host name that looks like an option is refused"
rc=0
in_c 10 "$TFUNNEL_BIN" -p "$E2E_PORT" --remote "-oProxyCommand=touch $E2E_TMP/pwned" 2>"$E2E_TMP/bad.log" || rc=$?
((rc == 2)) || die "status $rc for an option-like host (want 2): $(cat "$E2E_TMP/bad.log")"
[[ ! -e $E2E_TMP/pwned ]] || die "the host name ran a command"
