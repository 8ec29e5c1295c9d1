#!/usr/bin/env bash
# A 64 MiB download from a real HTTP server arrives intact (sha256), over IPv4 and IPv6.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
require_progs curl sha256sum
topo_up
rules_iptables_up
mkdir "$E2E_TMP/www"
make_random_file "$E2E_TMP/www/big.bin" 64
want=$(sha256_of "$E2E_TMP/www/big.bin")
http_up "$E2E_TMP/www" 8080
tunnel_pipe_up

for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	url="http://$(url_host "$addr"):8080/big.bin"
	e2e_log "GET $url"
	got=$(in_c 50 curl -sS --max-time 45 "$url" | sha256sum | cut -d' ' -f1) ||
		die "curl $url failed"
	[[ "$got" == "$want" ]] || die "$url: sha256 $got, want $want"
done
tunnel_assert_alive
