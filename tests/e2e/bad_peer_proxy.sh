#!/usr/bin/env bash
# A proxy whose channel carries something other than a good client ends with one error line on
# stderr, the offending bytes escaped where they say something, and an exit status of 1..127,
# within 5 s: random bytes, a login banner before the handshake, another proxy, and a client that
# breaks one frame rule after a valid handshake (bad_peer.py). The proxy runs in a namespace of its
# own where its one TCP connect (to 203.0.113.9) hangs, so the stream stays live.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$E2E_DIR/lib-bad-peer.sh"

e2e_begin
topo_dead_end_up

# proxy_case CASE TEXT...: the proxy against bad_peer.py CASE; its error line holds every TEXT.
proxy_case() {
	local case=$1
	shift
	bad_run "$case" "$E2E_NS_P" -- "$case" --dst "$E2E_DEAD_END:80"
	expect_one_error "$case" "$RC" "$@"
}

proxy_case random 'exiting: channel: not a tfunnel handshake; received "' '\x'
proxy_case banner 'not a tfunnel handshake; received "Last login: Sun Nov 22 08:12:43 2026 from 192.0.2.7\r\n'
proxy_case unknown-stream 'protocol violation: frame for a stream never opened (data frame, stream 7, length 5)'
proxy_case oversized-length 'protocol violation: bad length for the frame type; bytes: "\x01\x00\xff\xff\x00\x00\x00\x01'
proxy_case over-credit "protocol violation: data beyond the stream's credit" '(data frame, stream 1, length 1)'
proxy_case duplicate-open 'protocol violation: open for a live stream (open frame, stream 1, length 13)'
proxy_case credit-overflow 'protocol violation: credit of 0 or past the window limit' '(credit frame, stream 1, length 4)'
proxy_case data-after-fin 'protocol violation: data beyond' 'after its fin' '(data frame, stream 1, length 4)'
proxy_case fin-after-fin 'protocol violation: fin twice' '(fin frame, stream 1, length 0)'

same_role_run two-proxies "$E2E_NS_P"
for end in a b; do
	rc_var=RC_${end^^}
	expect_one_error "two-proxies-$end" "${!rc_var}" \
		'channel: peer has the same role (two clients or two proxies joined); received "TFNL\x00\x01\x02\x00"'
done

# The same mistake made as the README joins the ends: socat ends, and what the proxies say is
# the same-role error. socat ends its other child once one has ended, so that one may be stopped
# (a signal, exit 0) before it has read the handshake: at least one says it, none says more.
require_progs socat
tunnel_check_socat_safe "$TFUNNEL_BIN"
start=$(now_ms)
rc=0
log="$E2E_TMP/two-proxies-socat.log"
in_p "$BAD_WITHIN" socat "EXEC:$TFUNNEL_BIN" "EXEC:$TFUNNEL_BIN" 2>"$log" || rc=$?
((rc < 124)) || die "socat joining two proxies: status $rc: $(cat "$log")"
same=$(grep -c 'tfunnel\[proxy\] E exiting: channel: peer has the same role' "$log" || true)
errors=$(grep -c 'tfunnel\[proxy\] E ' "$log" || true)
((same >= 1 && same == errors)) || die "socat joining two proxies: not only same-role errors: $(cat "$log")"
e2e_log "two proxies joined by socat: socat status $rc after $(($(now_ms) - start)) ms, $same said so"
