# shellcheck shell=bash
# lib-firewall.sh: helpers of the firewall_*.sh tests of scripts/tfunnel-firewall (E2E_FIREWALL,
# firewall_c in lib-net.sh). Source it after lib.sh.
#
# Beside lib.sh's topology, fw_direct_net gives P addresses that C reaches directly over the ssh
# link, without the tunnel: 203.0.113.2 and 2001:db8:3::2 (E2E_DIRECT_V4, E2E_DIRECT_V6).

E2E_DIRECT_V4=203.0.113.2
E2E_DIRECT_V6=2001:db8:3::2

# fw_direct_net: P's direct addresses, and C's routes to them over the ssh link.
fw_direct_net() {
	cmd ip -n "$E2E_NS_P" addr add "$E2E_DIRECT_V4/24" dev tfrem0
	cmd ip -n "$E2E_NS_P" addr add "$E2E_DIRECT_V6/64" dev tfrem0 nodad
	cmd ip -n "$E2E_NS_C" route add 203.0.113.0/24 via "$E2E_SSH_V4"
	cmd ip -n "$E2E_NS_C" -6 route add 2001:db8:3::/64 via "$E2E_SSH_V6"
}

# fw_state NS: the firewall and the policy routing of NS as text (packet counters left out).
fw_state() {
	local ns=$1
	echo "== iptables-save"
	ip netns exec "$ns" iptables-save 2>/dev/null | sed -E '/^#/d; s/ \[[0-9]+:[0-9]+\]$//'
	echo "== ip6tables-save"
	ip netns exec "$ns" ip6tables-save 2>/dev/null | sed -E '/^#/d; s/ \[[0-9]+:[0-9]+\]$//'
	echo "== nft list ruleset"
	ip netns exec "$ns" nft list ruleset 2>/dev/null | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'
	echo "== ip -4 rule"
	ip -n "$ns" -4 rule
	echo "== ip -6 rule"
	ip -n "$ns" -6 rule
	echo "== ip -4 route show table all"
	ip -n "$ns" -4 route show table all
	echo "== ip -6 route show table all (but link-local, which come and go as links settle)"
	ip -n "$ns" -6 route show table all | grep -v 'fe80:' || true
}

# fw_save NAME: C's state now, into $E2E_TMP/state.NAME.
fw_save() {
	fw_state "$E2E_NS_C" >"$E2E_TMP/state.$1"
}

# fw_expect NAME WHAT: C's state is exactly the one saved as NAME, else fail showing the difference.
fw_expect() {
	local name=$1 what=$2 diff
	if ! diff=$(diff -u "$E2E_TMP/state.$name" <(fw_state "$E2E_NS_C")); then
		echo "$diff" >&2
		die "$what: the firewall or the routing in C differs from state '$name' (diff above)"
	fi
	e2e_log "$what: the state of C is state '$name'"
}

# fw_grep NAME REGEX WHAT: state NAME has a line matching REGEX (grep -E), else fail.
fw_grep() {
	grep -qE -- "$2" "$E2E_TMP/state.$1" || die "$3: no line matches '$2' in state '$1'"
}

# fw_http_ok NS ADDR TAG: GET /hello.txt?TAG from NS, from P's HTTP server on ADDR port 8080.
fw_http_ok() {
	local ns=$1 addr=$2 tag=$3 url got
	url="http://$(url_host "$addr"):8080/hello.txt?$tag"
	got=$(ip netns exec "$ns" timeout -k 2 20 curl -sS --max-time 10 "$url") || die "curl $url failed"
	[[ "$got" == "$(cat "$E2E_TMP/www/hello.txt")" ]] || die "curl $url returned '$got'"
}

# fw_http_fails NS ADDR TAG: the same GET gets no answer within 2 s.
fw_http_fails() {
	local ns=$1 addr=$2 url
	url="http://$(url_host "$addr"):8080/hello.txt?$3"
	if ip netns exec "$ns" timeout -k 2 10 curl -sS --max-time 2 "$url" >/dev/null 2>&1; then
		die "curl $url got an answer: $4"
	fi
}

# fw_http_peer TAG: the client address P's HTTP server logged for the request tagged TAG (an
# IPv4-mapped address as plain IPv4).
fw_http_peer() {
	local peer
	peer=$(awk -v tag="?$1 " 'index($0, tag) { peer = $1 } END { print peer }' "$E2E_TMP/http8080.log")
	echo "${peer#::ffff:}"
}

# fw_proxy_opened ADDR PORT: the proxy's log (-v) shows a stream or flow opened to ADDR:PORT.
fw_proxy_opened() {
	local to
	to="$(url_host "$1"):$2"
	awk -v to="$to" '/ (stream|flow) [0-9]+: open / && $NF == to { found = 1 } END { exit !found }' \
		"$E2E_TMP/proxy.log"
}

# fw_www: a page for fw_http_ok in $E2E_TMP/www, served by P on every address, port 8080.
fw_www() {
	mkdir "$E2E_TMP/www"
	echo "hello through tfunnel-firewall $RANDOM" >"$E2E_TMP/www/hello.txt"
	http_up "$E2E_TMP/www" 8080
}

# fw_udp_echo PORT ADDR...: udp_server.py echo in P on PORT of every ADDR.
fw_udp_echo() {
	local port=$1 addr args=()
	shift
	for addr in "$@"; do args+=(--bind "$addr"); done
	spawn udpecho "$E2E_NS_P" "$E2E_PY" "$E2E_DIR/udp_server.py" echo --port "$port" "${args[@]}"
	wait_udp_bound "$E2E_NS_P" "$port" 10 "$E2E_LAST_PID"
}
