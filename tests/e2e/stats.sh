#!/usr/bin/env bash
# SIGUSR1 makes each end print one line of counters on stderr, without -v, and disturbs nothing:
# after two 4 MiB downloads (IPv4, IPv6) beside a held connection, the client's line shows the
# bytes received, the streams made and the one still open, the proxy's the bytes it sent; both
# ends live on and the held connection still echoes. With -v (the client here) a line comes every
# 5 s, without it (the proxy) none. When the tunnel ends, each end prints its summary line.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

MIB=$((1 << 20))

# stat_of NAME KEY [KIND]: KEY's value in the last "N KIND:" line of NAME.log, KIND stats (the
# default) or summary; empty when there is none.
stat_of() {
	local line
	line=$(grep " N ${3:-stats}: " "$E2E_TMP/$1.log" | tail -n 1) || true
	if [[ $line =~ (^| )$2=([0-9.]+) ]]; then echo "${BASH_REMATCH[2]}"; fi
}

# count_of NAME PATTERN: lines of NAME.log that hold PATTERN (a fixed string).
count_of() {
	grep -cF -- "$2" "$E2E_TMP/$1.log" || true
}

# usr1 NAME PID: SIGUSR1 to PID, then wait (at most 5 s) for one more "N stats:" line in NAME.log.
declare -A USR1_SENT=([client]=0 [proxy]=0)
usr1() {
	local name=$1 pid=$2 before i
	before=$(count_of "$name" ' N stats: ')
	kill -USR1 "$pid"
	USR1_SENT[$name]=$((USR1_SENT[$name] + 1))
	for ((i = 0; i < 100; i++)); do
		(($(count_of "$name" ' N stats: ') > before)) && return 0
		sleep 0.05
	done
	die "$name: no stats line within 5 s of SIGUSR1: $(tail -n 5 "$E2E_TMP/$name.log")"
}

# usr1_until_open NAME PID N: SIGUSR1 until NAME's line shows N open streams (closing streams
# finish on both sides a moment after their application closed), at most 20 times over ~5 s.
usr1_until_open() {
	local name=$1 pid=$2 want=$3 i
	for ((i = 0; i < 20; i++)); do
		usr1 "$name" "$pid"
		[[ $(stat_of "$name" streams_open) == "$want" ]] && return 0
		sleep 0.2
	done
	die "$name: streams_open is not $want: $(grep ' N stats: ' "$E2E_TMP/$name.log" | tail -n 1)"
}

# expect_at_least NAME KEY MIN [KIND]: KEY in NAME's last KIND line (stat_of) is at least MIN.
expect_at_least() {
	local v
	v=$(stat_of "$1" "$2" "${4:-stats}")
	[[ -n $v ]] || die "$1: no $2 in its ${4:-stats} line"
	((${v%.*} >= $3)) || die "$1: $2=$v in its ${4:-stats} line, expected at least $3"
}

e2e_begin
require_progs curl
topo_up
rules_iptables_up
mkdir "$E2E_TMP/www"
make_random_file "$E2E_TMP/www/4m.bin" 4
http_up "$E2E_TMP/www" 8080
server_up echo 7000 echo
tunnel_pipe_up -v

spawn held "$E2E_NS_C" "$E2E_PY" "$E2E_DIR/held_echo.py" "$E2E_REMOTE_V4" 7000 \
	--ready-file "$E2E_TMP/held.ready" --go-file "$E2E_TMP/held.go" --within 45
held=$E2E_LAST_PID
wait_ready "$E2E_TMP/held.ready" 15 "$held"
for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	url="http://$(url_host "$addr"):8080/4m.bin"
	e2e_log "GET $url"
	got=$(in_c 30 curl -sS --max-time 20 -o /dev/null -w '%{size_download}' "$url") || die "curl $url failed"
	((got == 4 * MIB)) || die "$url: $got bytes, expected $((4 * MIB))"
done

e2e_log "SIGUSR1 to the client (pid $E2E_CLIENT_PID) and the proxy (pid $E2E_PROXY_PID)"
usr1_until_open client "$E2E_CLIENT_PID" 1
usr1_until_open proxy "$E2E_PROXY_PID" 1
e2e_log "client: $(grep ' N stats: ' "$E2E_TMP/client.log" | tail -n 1)"
e2e_log "proxy: $(grep ' N stats: ' "$E2E_TMP/proxy.log" | tail -n 1)"
expect_at_least client bytes_received $((8 * MIB))
expect_at_least client channel_received $((8 * MIB))
expect_at_least client streams_total 3
expect_at_least client window 1
expect_at_least proxy bytes_sent $((8 * MIB))
expect_at_least proxy streams_total 3
tunnel_assert_alive
touch "$E2E_TMP/held.go"
rc=0
wait_pid_exit "$held" 15 || rc=$?
((rc == 0)) || die "the held connection broke after SIGUSR1 (status $rc): $(cat "$E2E_TMP/held.log")"

e2e_log "-v: the client's line every 5 s; the proxy, without -v, prints only what was asked"
for ((i = 0; i < 140; i++)); do
	(($(count_of client ' I stats: ') > 0)) && break
	sleep 0.05
done
(($(count_of client ' I stats: ') > 0)) || die "the client (-v) printed no periodic stats line"
(($(count_of client ' N stats: ') == USR1_SENT[client])) || die "the client printed stats lines nobody asked for"
if [[ " ${E2E_OPTS[*]} " != *" -v"* ]]; then
	(($(count_of proxy ' stats: ') == USR1_SENT[proxy])) ||
		die "the proxy (no -v) printed stats lines nobody asked for: $(grep ' stats: ' "$E2E_TMP/proxy.log")"
fi
(($(count_of client ' E ') == 0 && $(count_of proxy ' E ') == 0)) || die "an end logged an error"

e2e_log "end the tunnel: one summary line from each end"
kill -TERM "$E2E_CLIENT_PID"
rc=0
wait_pid_exit "$E2E_CLIENT_PID" 10 || rc=$?
((rc == 0)) || die "the client exited with status $rc after SIGTERM"
rc=0
wait_pid_exit "$E2E_PROXY_PID" 10 || rc=$?
((rc == 0)) || die "the proxy exited with status $rc at the channel's end"
for name in client proxy; do
	(($(count_of "$name" ' N summary: ') == 1)) || die "$name: not exactly one summary line"
	e2e_log "$name: $(grep ' N summary: ' "$E2E_TMP/$name.log")"
done
expect_at_least client bytes_received $((8 * MIB)) summary
expect_at_least client streams_total 3 summary
expect_at_least proxy bytes_sent $((8 * MIB)) summary
