#!/usr/bin/env bash
# curl in C fetches a page from a real HTTP server in P through the tunnel, over IPv4 and IPv6
# (raw pipe, the seed README's iptables rules).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
require_progs curl
topo_up
rules_iptables_up
mkdir "$E2E_TMP/www"
echo "hello from the remote network $RANDOM" >"$E2E_TMP/www/hello.txt"
http_up "$E2E_TMP/www" 8080
e2e_log "without the tunnel, C cannot reach the remote network"
if in_c 5 curl -sS --max-time 1 "http://$E2E_REMOTE_V4:8080/hello.txt"; then
	die "C reached $E2E_REMOTE_V4 without the tunnel: the topology leaks"
fi
tunnel_pipe_up

for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	url="http://$(url_host "$addr"):8080/hello.txt"
	e2e_log "GET $url"
	got=$(in_c 20 curl -sS --max-time 10 "$url") || die "curl $url failed"
	[[ "$got" == "$(cat "$E2E_TMP/www/hello.txt")" ]] || die "curl $url returned '$got'"
done
tunnel_assert_alive
