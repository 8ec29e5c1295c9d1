#!/usr/bin/env bash
# After start-up the client keeps only CAP_NET_ADMIN, CAP_NET_RAW and CAP_NET_BIND_SERVICE and
# the proxy none, even when started as root; a client without CAP_NET_RAW says what it cannot
# do and still relays TCP. The proxy logging at -vv writes nothing but protocol to stdout.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
require_progs curl setpriv
topo_up
rules_iptables_up
mkdir "$E2E_TMP/www"
echo "privileges $RANDOM" >"$E2E_TMP/www/hello.txt"
http_up "$E2E_TMP/www" 8080
url="http://$E2E_REMOTE_V4:8080/hello.txt"

# cap_field PID FIELD: CapEff, CapPrm... of PID as a number.
cap_field() { echo $((16#$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"))); }

E2E_PROXY_ARGS=(-vv)
tunnel_pipe_up
[[ $(in_c 10 curl -sS --max-time 5 "$url") == "$(cat "$E2E_TMP/www/hello.txt")" ]] || die "no HTTP through the tunnel"
want=$(((1 << 10) | (1 << 12) | (1 << 13))) # NET_BIND_SERVICE, NET_ADMIN, NET_RAW
for f in CapEff CapPrm; do
	got=$(cap_field "$E2E_CLIENT_PID" $f)
	((got == want)) || die "client $f is $(printf %#x "$got"), want $(printf %#x "$want")"
	got=$(cap_field "$E2E_PROXY_PID" $f)
	((got == 0)) || die "proxy $f is $(printf %#x "$got"), want 0"
done
e2e_log "client keeps $(printf %#x "$want"), proxy 0"
grep -q " D " "$E2E_TMP/proxy.log" || die "the proxy at -vv logged no debug line (is -vv working?)"
! grep -q "violation\|handshake" "$E2E_TMP/client.log" || die "the client saw bad bytes: $(cat "$E2E_TMP/client.log")"

e2e_log "a client without CAP_NET_RAW says so and still relays TCP"
kill "$E2E_CLIENT_PID" "$E2E_PROXY_PID"
wait_pid_exit "$E2E_CLIENT_PID" 5 >/dev/null || true
E2E_PROXY_ARGS=()
rm -f "$E2E_TMP/c2p" "$E2E_TMP/p2c"
mkfifo "$E2E_TMP/c2p" "$E2E_TMP/p2c"
ip netns exec "$E2E_NS_C" setpriv --bounding-set -net_raw -- "$TFUNNEL_BIN" -p "$E2E_PORT" \
	2>"$E2E_TMP/noraw.log" >"$E2E_TMP/c2p" <"$E2E_TMP/p2c" &
E2E_CLIENT_PID=$!
E2E_PIDS+=("$E2E_CLIENT_PID")
ip netns exec "$E2E_NS_P" "$TFUNNEL_BIN" 2>"$E2E_TMP/proxy2.log" <"$E2E_TMP/c2p" >"$E2E_TMP/p2c" &
E2E_PROXY_PID=$!
E2E_PIDS+=("$E2E_PROXY_PID")
wait_listening "$E2E_NS_C" "$E2E_PORT" 10 "$E2E_CLIENT_PID"
[[ $(in_c 10 curl -sS --max-time 5 "$url") == "$(cat "$E2E_TMP/www/hello.txt")" ]] ||
	die "no HTTP through a client without CAP_NET_RAW: $(cat "$E2E_TMP/noraw.log")"
grep -q "no CAP_NET_RAW" "$E2E_TMP/noraw.log" || die "the client did not say it lacks CAP_NET_RAW: $(cat "$E2E_TMP/noraw.log")"
got=$(cap_field "$E2E_CLIENT_PID" CapEff)
((got == (want & ~(1 << 13)))) || die "client without NET_RAW has CapEff $(printf %#x "$got")"
