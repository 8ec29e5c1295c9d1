#!/usr/bin/env bash
# scripts/tfunnel-firewall in C, with nftables and then with iptables: `up 0/0 ::/0` with the ssh
# link's sshd and the direct network (203.0.113.0/24, 2001:db8:3::/64) excluded. TCP and UDP to
# the remote network cross the tunnel (IPv4 and IPv6; the proxy opens them, the server sees the
# proxy's address); to the excluded network they go direct (the server sees C, the proxy opens
# nothing). --dry-run changes nothing; `up` twice leaves what `up` once does; `down` leaves C's
# firewall and routing exactly as they were before `up` (iptables-save, ip6tables-save, nft list
# ruleset, ip rule, ip route show table all), and `down` again succeeds and changes nothing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-firewall.sh"

e2e_begin
require_progs curl
topo_up
fw_direct_net
fw_www
fw_udp_echo 7001 "$E2E_REMOTE_V4" "$E2E_REMOTE_V6" "$E2E_DIRECT_V4" "$E2E_DIRECT_V6"
E2E_PROXY_ARGS=(-v)
tunnel_pipe_up

# check_traffic BACKEND: what crosses the tunnel and what goes direct.
check_traffic() {
	local b=$1 addr peer n=0
	for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
		n=$((n + 1))
		e2e_log "$b: TCP and UDP to $addr cross the tunnel"
		fw_http_ok "$E2E_NS_C" "$addr" "$b-tunnel-$n"
		peer=$(fw_http_peer "$b-tunnel-$n")
		[[ $peer != "$E2E_C_V4" && $peer != "$E2E_C_V6" ]] || die "$b: the server saw C ($peer) itself"
		fw_proxy_opened "$addr" 8080 || die "$b: the proxy opened no stream to $addr port 8080"
		py_c 20 udp_probe.py echo "$addr" 7001 --count 4 ||
			die "$b: UDP flows to $addr port 7001 did not all echo"
		fw_proxy_opened "$addr" 7001 || die "$b: the proxy opened no UDP flow to $addr port 7001"
	done
	for addr in "$E2E_DIRECT_V4" "$E2E_DIRECT_V6"; do
		n=$((n + 1))
		e2e_log "$b: TCP and UDP to the excluded $addr go direct"
		fw_http_ok "$E2E_NS_C" "$addr" "$b-direct-$n"
		peer=$(fw_http_peer "$b-direct-$n")
		[[ $peer == "$E2E_C_V4" || $peer == "$E2E_C_V6" ]] ||
			die "$b: the server saw '$peer', not C, for the excluded $addr"
		py_c 20 udp_probe.py echo "$addr" 7001 --count 4 ||
			die "$b: UDP flows to the excluded $addr did not all echo"
		if fw_proxy_opened "$addr" 8080 || fw_proxy_opened "$addr" 7001; then
			die "$b: the proxy opened a stream or flow to the excluded $addr"
		fi
	done
}

# check_backend BACKEND: the whole cycle, from and back to state "before".
check_backend() {
	local b=$1 args
	args=(--backend "$b" --port "$E2E_PORT" --ssh-server "$E2E_SSH_V4" --ssh-server "[$E2E_SSH_V6]:22"
		-x 203.0.113.0/24 -x "$E2E_DIRECT_V6/64" 0/0 ::/0)
	firewall_c up --dry-run "${args[@]}" >"$E2E_TMP/dry-run.$b"
	firewall_c down --dry-run "${args[@]}" >>"$E2E_TMP/dry-run.$b"
	grep -qiE 'tproxy' "$E2E_TMP/dry-run.$b" || die "$b: up --dry-run printed no TPROXY rule"
	fw_expect before "$b: up --dry-run and down --dry-run"
	firewall_c up "${args[@]}"
	fw_save "up-$b"
	fw_grep "up-$b" '^[0-9]+:.*fwmark 0x1 lookup 100 proto 116' "$b: ip rule"
	fw_grep "up-$b" '^local default dev lo table 100 proto 116' "$b: ip route"
	check_traffic "$b"
	firewall_c up "${args[@]}"
	fw_expect "up-$b" "$b: up twice"
	fw_http_ok "$E2E_NS_C" "$E2E_REMOTE_V4" "$b-again"
	firewall_c down --dry-run "${args[@]}" >/dev/null
	fw_expect "up-$b" "$b: down --dry-run"
	firewall_c down "${args[@]}"
	fw_expect before "$b: down"
	fw_http_fails "$E2E_NS_C" "$E2E_REMOTE_V4" "$b-down" "$b: diverted after down"
	firewall_c down "${args[@]}"
	fw_expect before "$b: down twice"
}

fw_save before
done_any=0
for backend in nft iptables; do
	tools=nft
	[[ $backend == nft ]] || tools="iptables ip6tables iptables-restore ip6tables-restore"
	# shellcheck disable=SC2086 # a list of programs
	if ! command -v $tools >/dev/null 2>&1; then
		e2e_log "no $tools: the $backend backend is not tested"
		continue
	fi
	check_backend "$backend"
	done_any=1
done
((done_any)) || skip "needs nft or iptables"
tunnel_assert_alive
