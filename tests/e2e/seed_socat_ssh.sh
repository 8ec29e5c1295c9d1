#!/usr/bin/env bash
# Client and proxy joined exactly as the seed README does, over a real sshd on the proxy host:
#   socat EXEC:'tfunnel -p 12300' EXEC:'ssh 192.0.2.2 tfunnel'
# with the seed README's iptables rules (IPv4 and the ip6tables twin); curl over IPv4 and IPv6.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
require_progs curl socat ssh sshd
topo_up
rules_iptables_up
sshd_up
mkdir "$E2E_TMP/www"
echo "hello over ssh $RANDOM" >"$E2E_TMP/www/hello.txt"
make_random_file "$E2E_TMP/www/blob.bin" 8
want=$(sha256_of "$E2E_TMP/www/blob.bin")
http_up "$E2E_TMP/www" 8080
tunnel_ssh_up "$E2E_SSH_V4"

for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	base="http://$(url_host "$addr"):8080"
	e2e_log "GET $base/hello.txt and $base/blob.bin over the ssh-joined tunnel"
	got=$(in_c 20 curl -sS --max-time 10 "$base/hello.txt") || die "curl $base/hello.txt failed"
	[[ "$got" == "$(cat "$E2E_TMP/www/hello.txt")" ]] || die "$base/hello.txt returned '$got'"
	got=$(in_c 60 curl -sS --max-time 50 "$base/blob.bin" | sha256sum | cut -d' ' -f1) ||
		die "curl $base/blob.bin failed"
	[[ "$got" == "$want" ]] || die "$base/blob.bin: sha256 $got, want $want"
done
tunnel_assert_alive
