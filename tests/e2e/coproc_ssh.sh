#!/usr/bin/env bash
# The README's bash coproc join, run as written there, over the real sshd in P:
#   coproc TF { tfunnel -p 12300; }
#   ssh user@host tfunnel <&"${TF[0]}" >&"${TF[1]}"
# `tfunnel` is this build (first on PATH) and `ssh` a wrapper that turns `user@host tfunnel` into
# a login to the test sshd running this build. curl crosses the tunnel over IPv4 and IPv6; once
# ssh is killed, the client in the coproc sees the channel end and exits non-zero.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
require_progs bash curl ssh sshd
topo_up
rules_iptables_up
sshd_up
mkdir "$E2E_TMP/www"
echo "hello over a coproc $RANDOM" >"$E2E_TMP/www/hello.txt"
http_up "$E2E_TMP/www" 8080

e2e_log "the README's coproc example"
readme=$E2E_DIR/../../README.md
# shellcheck disable=SC2016 # awk's program and the README's text, not expansions
{
	example=$(awk '/^With a bash coproc:$/ { f = 1; next } f && /^```$/ { if (++n == 2) exit; next } f && n == 1' "$readme")
	want=$(printf '%s\n' "coproc TF { tfunnel -p $E2E_PORT; }" 'ssh user@host tfunnel <&"${TF[0]}" >&"${TF[1]}"')
}
[[ $example == "$want" ]] || die "README.md's coproc example is not the one tested here:"$'\n'"$example"

mkdir "$E2E_TMP/bin"
ln -s "$TFUNNEL_BIN" "$E2E_TMP/bin/tfunnel"
cat >"$E2E_TMP/bin/ssh" <<EOF
#!/usr/bin/env bash
[[ \$* == "user@host tfunnel" ]] || { echo "ssh wrapper: unexpected arguments: \$*" >&2; exit 99; }
exec $(command -v ssh) -F $E2E_TMP/ssh_config $E2E_SSH_V4 $TFUNNEL_BIN ${E2E_OPTS[*]}
EOF
chmod +x "$E2E_TMP/bin/ssh"
printf '%s\n' "$example" >"$E2E_TMP/coproc.bash"
spawn tunnel "$E2E_NS_C" env PATH="$E2E_TMP/bin:$PATH" bash "$E2E_TMP/coproc.bash"
E2E_CLIENT_PID=$E2E_LAST_PID
tunnel_wait_up

for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	url="http://$(url_host "$addr"):8080/hello.txt"
	e2e_log "GET $url through the coproc-joined tunnel"
	got=$(in_c 20 curl -sS --max-time 10 "$url") || die "curl $url failed: $(cat "$E2E_TMP/tunnel.log")"
	[[ $got == "$(cat "$E2E_TMP/www/hello.txt")" ]] || die "$url returned '$got'"
done
tunnel_assert_alive

e2e_log "ssh killed: the client in the coproc exits"
exe=$(readlink -f "$TFUNNEL_BIN")
client=
for pid in $(ip netns pids "$E2E_NS_C"); do
	[[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$exe" ]] && client=$pid
done
[[ -n $client ]] || die "no tfunnel client running in C"
ssh_pid=$(pgrep -P "$E2E_CLIENT_PID" -x ssh) || die "no ssh child of the coproc's bash"
kill -KILL "$ssh_pid"
for ((i = 0; i < 100; i++)); do
	pid_running "$client" || break
	sleep 0.1
done
! pid_running "$client" || die "the client still runs 10 s after ssh was killed"
rc=0
wait_pid_exit "$E2E_CLIENT_PID" 10 || rc=$?
((rc != 124)) || die "the coproc's bash still runs 10 s after ssh was killed"
grep -q "tfunnel\[client\].*exiting" "$E2E_TMP/tunnel.log" ||
	die "the client did not say why it exited: $(tail -n 5 "$E2E_TMP/tunnel.log")"
