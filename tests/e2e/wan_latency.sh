#!/usr/bin/env bash
# On an emulated slow link (chanem: 10 Mbit/s, 20 ms round trip, between client and proxy), a
# download does not make another connection's 1-byte round trips wait: the loaded p99 stays
# within idle + 100 ms (a loose bound against regressions of the channel control; scripts/bench
# --rows wan reports the real figures), and the download still moves.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
[[ -n "${CHANEM_BIN:-}" && -x "${CHANEM_BIN:-}" ]] || skip "CHANEM_BIN is not set to the chanem binary"
require_progs socat
topo_up
rules_iptables_up
lib=$(cd "$E2E_DIR/../../scripts/lib" && pwd)
spawn zero "$E2E_NS_P" socat -u OPEN:/dev/zero "TCP-LISTEN:5002,fork,reuseaddr"
wait_listening "$E2E_NS_P" 5002 10 "$E2E_LAST_PID"
spawn rtt "$E2E_NS_P" "$E2E_PY" "$lib/rtt_probe.py" echo --port 7007 --lifetime 120
wait_listening "$E2E_NS_P" 7007 10 "$E2E_LAST_PID"
spawn tunnel "$E2E_NS_C" "$TFUNNEL_BIN" -p "$E2E_PORT" "${E2E_OPTS[@]}" \
	-- "$CHANEM_BIN" --delay 10 --rate 10 -- ip netns exec "$E2E_NS_P" "$TFUNNEL_BIN" "${E2E_OPTS[@]}"
E2E_CLIENT_PID=$E2E_LAST_PID
tunnel_wait_up

probe() { in_c 30 "$E2E_PY" "$lib/rtt_probe.py" probe "$E2E_REMOTE_V4" 7007 --duration "$1" --interval 5 --timeout 5; }
read -r idle_p50 idle_p99 idle_n <<<"$(probe 2)" || die "idle round trips failed"
e2e_log "idle: p50 $idle_p50 ms, p99 $idle_p99 ms ($idle_n round trips)"
spawn download "$E2E_NS_C" "$E2E_PY" "$lib/tcp_download.py" "$E2E_REMOTE_V4" 5002 --warmup 1 --duration 5
download=$E2E_LAST_PID
sleep 1.5
read -r p50 p99 n <<<"$(probe 4)" || die "loaded round trips failed"
e2e_log "loaded: p50 $p50 ms, p99 $p99 ms ($n round trips)"
wait_pid_exit "$download" 20 || die "the download failed: $(cat "$E2E_TMP/download.log")"
read -r mbit _ <"$E2E_TMP/download.log"
e2e_log "download beside them: $mbit Mbit/s on a 10 Mbit/s link"
awk -v p="$p99" -v i="$idle_p50" 'BEGIN { exit !(p <= i + 100) }' ||
	die "loaded p99 $p99 ms is more than idle $idle_p50 ms + 100 ms"
awk -v m="$mbit" 'BEGIN { exit !(m >= 3) }' || die "the download moved only $mbit Mbit/s"
tunnel_assert_alive
