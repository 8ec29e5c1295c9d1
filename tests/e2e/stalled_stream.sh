#!/usr/bin/env bash
# A download beside a stalled stream (an application that never reads while its server keeps
# sending) keeps its speed: it completes and takes at most 5x the unstalled baseline measured in
# this run (+1 s for scheduling noise); the stalled stream itself stays intact.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
require_progs curl
topo_up
rules_iptables_up
mkdir "$E2E_TMP/www"
make_random_file "$E2E_TMP/www/big.bin" 64
want=$(sha256_of "$E2E_TMP/www/big.bin")
http_up "$E2E_TMP/www" 8080
server_up push 7005 push
tunnel_pipe_up
url="http://$E2E_REMOTE_V4:8080/big.bin"

# timed_download MAX_SECONDS: prints milliseconds taken; fails on a wrong hash or a timeout.
timed_download() {
	local start got
	start=$(now_ms)
	got=$(in_c $(($1 + 10)) curl -sS --max-time "$1" "$url" | sha256sum | cut -d' ' -f1) ||
		die "curl $url failed or took over $1 s"
	[[ "$got" == "$want" ]] || die "$url: sha256 $got, want $want"
	echo $(($(now_ms) - start))
}

base_ms=$(timed_download 40)
e2e_log "baseline 64 MiB download: ${base_ms} ms"

spawn stall "$E2E_NS_C" "$E2E_PY" "$E2E_DIR/stall_reader.py" "$E2E_REMOTE_V6" 7005 \
	--ready-file "$E2E_TMP/stall.ready" --go-file "$E2E_TMP/stall.go" --mib 4
stall=$E2E_LAST_PID
for ((i = 0; i < 100; i++)); do
	[[ -e "$E2E_TMP/stall.ready" ]] && break
	sleep 0.1
done
[[ -e "$E2E_TMP/stall.ready" ]] || die "the stalled application did not connect"
sleep 2 # let the push server fill every window and buffer on the stalled path
e2e_log "stalled stream: $(tail -n 1 "$E2E_TMP/push.log")"

limit_ms=$((5 * base_ms + 1000))
stalled_ms=$(timed_download $((limit_ms / 1000 + 5)))
e2e_log "64 MiB download beside the stalled stream: ${stalled_ms} ms (limit ${limit_ms} ms)"
((stalled_ms <= limit_ms)) || die "download beside a stalled stream took ${stalled_ms} ms > ${limit_ms} ms"

touch "$E2E_TMP/stall.go"
rc=0
wait_pid_exit "$stall" 30 || rc=$?
((rc == 0)) || die "the stalled stream did not resume intact (status $rc): $(cat "$E2E_TMP/stall.log")"
tunnel_assert_alive
