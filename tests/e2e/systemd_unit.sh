#!/usr/bin/env bash
# The installed tfunnel@.service does its job, run as systemd would run tfunnel@e2e (systemd is
# not needed: the unit's Exec lines are expanded here by systemd's rules, with an EnvironmentFile
# made from the installed example tfunnel.conf) in C, against the sshd in P:
# - ExecStartPre: tfunnel-firewall up diverts 0/0 and ::/0, all but the ssh server;
# - ExecStart: the client starts the proxy with --remote over ssh (its ssh connection is not
#   diverted) and curl reaches the remote network over IPv4 and IPv6; killed, ssh is restarted
#   (--reconnect);
# - SIGTERM (systemctl stop) ends the client with status 0, and ExecStopPost (tfunnel-firewall
#   down) leaves C's firewall and routing exactly as before.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-firewall.sh"

INSTANCE=e2e

e2e_begin
require_progs cmake curl ssh sshd
BUILD=$(cd "$(dirname "$TFUNNEL_BIN")" && pwd)
[[ -f $BUILD/cmake_install.cmake ]] || skip "$BUILD is not a build directory of tfunnel"
PREFIX=$E2E_TMP/prefix
cmake --install "$BUILD" --prefix "$PREFIX" >"$E2E_TMP/install.log" 2>&1 ||
	die "cmake --install failed: $(cat "$E2E_TMP/install.log")"
UNIT=$PREFIX/lib/systemd/system/tfunnel@.service

# unit_env FILE: an EnvironmentFile's VAR=value lines into UNIT_ENV (no quotes expected).
declare -A UNIT_ENV=()
unit_env() {
	local line
	while IFS= read -r line; do
		[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
		[[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || die "$1: not VAR=value: $line"
		[[ ${BASH_REMATCH[2]} != *[\"\'\\]* ]] || die "$1: quotes are not handled here: $line"
		UNIT_ENV[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
	done <"$1"
}

# unit_var NAME: the value of NAME; an unset one is an error here (systemd would make it empty).
unit_var() {
	[[ -v UNIT_ENV[$1] ]] || die "the unit uses \$$1, which the conf file does not set"
	echo "${UNIT_ENV[$1]}"
}

# unit_exec KEY: the words of the unit's KEY= line into WORDS, as systemd makes them: "..." is one
# word; $VAR as a whole word becomes the value's words (none if empty); ${VAR} in a word is
# replaced in place; %i is the instance. A leading + (full privileges) is dropped.
unit_exec() {
	local line token value rest words
	line=$(grep -m1 "^$1=" "$UNIT") || die "$UNIT has no $1="
	line=${line#*=}
	line=${line#+}
	WORDS=()
	while [[ $line =~ ^[[:space:]]*(\"[^\"]*\"|[^[:space:]\"]+)(.*)$ ]]; do
		token=${BASH_REMATCH[1]} rest=${BASH_REMATCH[2]}
		if [[ $token =~ ^\$([A-Za-z_][A-Za-z0-9_]*)$ ]]; then
			value=$(unit_var "${BASH_REMATCH[1]}")
			read -ra words <<<"$value"
			WORDS+=("${words[@]}")
		else
			[[ $token == \"*\" ]] && token=${token:1:-1}
			while [[ $token =~ ^(.*)\$\{([A-Za-z_][A-Za-z0-9_]*)\}(.*)$ ]]; do
				value=$(unit_var "${BASH_REMATCH[2]}")
				token=${BASH_REMATCH[1]}$value${BASH_REMATCH[3]}
			done
			WORDS+=("${token//%i/$INSTANCE}")
		fi
		line=$rest
	done
	[[ -z ${line//[[:space:]]/} ]] || die "$1: cannot split '$line'"
}

fetch() {
	local url=$1 i
	for ((i = 0; i < 60; i++)); do
		[[ $(in_c 5 curl -sS --max-time 2 "$url" 2>/dev/null) == "$(cat "$E2E_TMP/www/hello.txt")" ]] && return 0
		sleep 0.25
	done
	return 1
}

topo_up
sshd_up
fw_www
fw_save before

# The conf file: the installed example, with this test's values.
sed -E -e "s|^PORT=.*|PORT=$E2E_PORT|" -e "s|^SSH_HOST=.*|SSH_HOST=$E2E_SSH_V4|" \
	-e "s|^SSH_USER=.*|SSH_USER=root|" -e "s|^SSH_OPTS=.*|SSH_OPTS=-F $E2E_TMP/ssh_config|" \
	-e "s|^SUBNETS=.*|SUBNETS=0/0 ::/0|" -e "s|^TFUNNEL_OPTS=.*|TFUNNEL_OPTS=-v|" \
	"$PREFIX/share/doc/tfunnel/examples/tfunnel.conf" >"$E2E_TMP/$INSTANCE.conf"
grep -q "^EnvironmentFile=/etc/tfunnel/%i.conf$" "$UNIT" || die "the unit reads no /etc/tfunnel/%i.conf"
unit_env "$E2E_TMP/$INSTANCE.conf"

unit_exec ExecStartPre
[[ ${WORDS[0]} == "$PREFIX/sbin/tfunnel-firewall" ]] || die "ExecStartPre runs ${WORDS[0]}"
e2e_log "ExecStartPre: ${WORDS[*]}"
ip netns exec "$E2E_NS_C" "${WORDS[@]}" 2>"$E2E_TMP/firewall-up.log" ||
	die "ExecStartPre failed: $(cat "$E2E_TMP/firewall-up.log")"

unit_exec ExecStart
[[ ${WORDS[0]} == "$PREFIX/bin/tfunnel" ]] || die "ExecStart runs ${WORDS[0]}"
e2e_log "ExecStart: ${WORDS[*]}"
spawn client "$E2E_NS_C" "${WORDS[@]}"
E2E_CLIENT_PID=$E2E_LAST_PID
tunnel_wait_up
n=0
for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	n=$((n + 1))
	url="http://$(url_host "$addr"):8080/hello.txt?unit-$n"
	e2e_log "GET $url through the unit's tunnel"
	fetch "$url" || die "no answer from $url through the unit's tunnel: $(tail -5 "$E2E_TMP/client.log")"
	peer=$(fw_http_peer "unit-$n")
	[[ -n $peer && $peer != "$E2E_C_V4" && $peer != "$E2E_C_V6" ]] ||
		die "the server saw '$peer', not the proxy host, for $url"
done

e2e_log "ssh killed: --reconnect starts it again"
pkill -TERM -P "$E2E_CLIENT_PID" -x ssh || die "the client has no ssh child"
sleep 0.5
fetch "http://$E2E_REMOTE_V4:8080/hello.txt" || die "no answer after ssh was killed: $(tail -5 "$E2E_TMP/client.log")"
grep -q 'channel ended: .*restarting' "$E2E_TMP/client.log" || die "the client did not restart ssh"
tunnel_assert_alive

e2e_log "stop: SIGTERM, then ExecStopPost"
kill -TERM "$E2E_CLIENT_PID"
rc=0
wait_pid_exit "$E2E_CLIENT_PID" 10 || rc=$?
((rc == 0)) || die "client status $rc after SIGTERM"
unit_exec ExecStopPost
e2e_log "ExecStopPost: ${WORDS[*]}"
ip netns exec "$E2E_NS_C" "${WORDS[@]}" 2>"$E2E_TMP/firewall-down.log" ||
	die "ExecStopPost failed: $(cat "$E2E_TMP/firewall-down.log")"
fw_expect before "after ExecStopPost"
