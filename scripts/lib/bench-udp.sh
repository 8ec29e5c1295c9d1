# shellcheck shell=bash
# The UDP row of scripts/bench (issue 3). Sourced by scripts/bench, not run: it uses the
# bench's helpers (bg, stop_pid, note, say, tunnel_up/tunnel_down, row_alive, log_tail,
# ratio) and state (RES, TMP, NS_C, NS_P, DURATION, T_*).
#
# Three paths, each measured once (not in rounds), over IPv4: direct, tunnel/ssh and
# tunnel/pipe; ssh -L forwards TCP only, so it has no UDP figures. Columns, taken in C:
#
#   R Mbit/s, R loss %  iperf3 -u -b R -l 1400, one stream C -> server for DURATION s, at
#                       two offered rates R (UDP_RATES): the Mbit/s the server received,
#                       and the share of the bytes sent that never arrived
#   rr req/s, p50, p99  lib/udp_rr.py: sequential 64-byte requests, each waiting for its
#                       echo (from a UDP echo server in P), for DURATION s

UDP_RATES=(1G 100M)
UDP_PATHS=(direct ssh pipe)
UDP_LEN=1400 # below the veth's MTU; iperf3 would take the local TPROXY'd control connection's MSS
SRV_UDP_ECHO=7008
UDP_METRICS=(1G 1G-loss 100M 100M-loss rps p50 p99)
declare -A UDP_HEAD=([1G]="1G Mbit/s" [1G-loss]="1G loss %" [100M]="100M Mbit/s"
	[100M-loss]="100M loss %" [rps]="rr req/s" [p50]="rr p50 ms" [p99]="rr p99 ms")
ROW_LABEL+=([udp-direct]="udp direct" [udp-ssh]="udp tunnel/ssh" [udp-pipe]="udp tunnel/pipe")

# measure_udp_row: RES[udp-PATH.METRIC] for every path, with a UDP echo server in P.
measure_udp_row() {
	local path life=$((6 * DURATION * ${#UDP_PATHS[@]} + 120)) echo_pid
	# UDP servers bind the servers' address: from a wildcard socket, replies would leave
	# from the veth's address, which the client's connected socket does not accept.
	bg udp-echo topo_in "$NS_P" timeout "$life" python3 "$SELF_DIR/lib/udp_rr.py" echo \
		--bind "$SRV_HOST" --port "$SRV_UDP_ECHO" --lifetime "$life"
	echo_pid=$BG_LAST
	udp_wait_bound "$NS_P" "$SRV_UDP_ECHO" || note udp "UDP echo server did not start: $(tail -3 "$TMP/udp-echo.log")"
	for path in "${UDP_PATHS[@]}"; do
		udp_measure_path "$path"
	done
	stop_pid "$echo_pid"
}

# udp_wait_bound NS PORT: until a UDP socket is bound to PORT in NS (at most 10 s).
udp_wait_bound() {
	local ns=$1 port=$2 _
	for _ in {1..100}; do
		[[ -n $(topo_in "$ns" ss -Hlun "sport = :$port" 2>/dev/null) ]] && return 0
		sleep 0.1
	done
	return 1
}

# udp_measure_path direct|ssh|pipe: the UDP columns of one path (row id udp-PATH).
udp_measure_path() {
	local path=$1 row=udp-$1 m step
	for m in "${UDP_METRICS[@]}"; do RES[$row.$m]=n/a; done
	say "[$row] setting up"
	if [[ $path == direct ]]; then
		row_direct_up
	elif ! tunnel_up "$row" "$path"; then
		tunnel_down
		return 0
	fi
	for step in "${UDP_RATES[@]}" rr; do
		if ! row_alive "$path"; then
			note "$row" "the path died before $step: $(log_tail "$row")"
			break
		fi
		say "[$row] $step"
		if [[ $step == rr ]]; then m_udp_rr "$row"; else m_iperf_udp "$row" "$step"; fi
	done
	[[ $path == direct ]] || udp_tunnel_down "$row"
	say "[$row] $(for m in "${UDP_METRICS[@]}"; do printf '%s=%s ' "$m" "${RES[$row.$m]}"; done)"
}

# udp_tunnel_down ROW: checks that the TPROXY rule for UDP took packets to the client
# (else the figures would be the direct path's), then tunnel_down.
udp_tunnel_down() {
	local n
	n=$(topo_in "$NS_C" iptables -t mangle -L tfunnel-prerouting -v -x -n 2>/dev/null |
		awk '$3 == "TPROXY" && ($4 == "17" || $4 == "udp") { n = $1 } END { print (n == "" ? "no" : n) }')
	say "[$1] the TPROXY rule diverted $n UDP packets to the client"
	[[ $n =~ ^[1-9] ]] || note "$1" "the TPROXY rule diverted $n UDP packets: these figures are not the tunnel's"
	tunnel_down
}

# m_iperf_udp ROW RATE: RES[ROW.RATE] = Mbit/s received, RES[ROW.RATE-loss] = % lost.
m_iperf_udp() {
	local row=$1 rate=$2 srv out
	bg "iperf3-s-$row-$rate" topo_in "$NS_P" timeout $((DURATION + 30)) iperf3 -s -1 -p "$SRV_IPERF" \
		-B "$SRV_HOST"
	srv=$BG_LAST
	if ! wait_listen "$NS_P" "$SRV_IPERF"; then
		note "$row" "iperf3 server did not start"
		stop_pid "$srv"
		return
	fi
	out=$(topo_in "$NS_C" timeout -k 2 $((DURATION + 15)) iperf3 -c "$T_HOST" -p "$T_IPERF" -u \
		-b "$rate" -l "$UDP_LEN" -t "$DURATION" -J --connect-timeout 3000 2>&1) || true
	stop_pid "$srv"
	out=$(python3 -c 'import json,sys
try:
    d = json.loads(sys.stdin.read())
except ValueError as e:
    sys.exit("no iperf3 result")
if d.get("error"):
    sys.exit(d["error"])
sent, got = d["end"]["sum_sent"], d["end"]["sum_received"]
if not sent["bytes"]:
    sys.exit("nothing sent")
print("%.1f %.2f" % (got["bits_per_second"] / 1e6, max(0.0, 100.0 * (1 - got["bytes"] / sent["bytes"]))))' <<<"$out" 2>&1) || {
		note "$row" "iperf3 -u -b $rate: $out"
		return
	}
	RES["$row.$rate"]=${out% *} RES["$row.$rate-loss"]=${out#* }
}

# m_udp_rr ROW: RES[ROW.rps], RES[ROW.p50], RES[ROW.p99] of 64-byte request/response.
m_udp_rr() {
	local row=$1 out
	out=$(topo_in "$NS_C" timeout -k 2 $((DURATION + 20)) python3 "$SELF_DIR/lib/udp_rr.py" probe \
		"$T_HOST" "$SRV_UDP_ECHO" --duration "$DURATION" --size 64 --timeout 1 2>&1) || true
	if [[ $out =~ ^([0-9]+)\ ([0-9.]+)\ ([0-9.]+)\ [0-9]+\ ([0-9]+)$ ]]; then
		RES[$row.rps]=${BASH_REMATCH[1]} RES[$row.p50]=${BASH_REMATCH[2]} RES[$row.p99]=${BASH_REMATCH[3]}
		((BASH_REMATCH[4] == 0)) || note "$row" "udp rr: ${BASH_REMATCH[4]} requests unanswered within 1 s"
	else
		note "$row" "udp rr: $out"
	fi
}

print_udp_table() {
	local path m
	echo
	printf '%-12s' "udp, IPv4"
	for m in "${UDP_METRICS[@]}"; do printf ' %11s' "${UDP_HEAD[$m]}"; done
	printf '\n'
	for path in "${UDP_PATHS[@]}"; do
		printf '%-12s' "${ROW_LABEL[$path]}"
		for m in "${UDP_METRICS[@]}"; do printf ' %11s' "${RES[udp-$path.$m]:-n/a}"; done
		printf '\n'
	done
	printf '%-12s %s\n' "${ROW_LABEL[sshl]}" "no UDP: ssh -L forwards TCP only"
}

# print_udp_ratios: each tunnel's UDP figures over the direct path's (issue 3 sets no goal).
print_udp_ratios() {
	local path line
	for path in ssh pipe; do
		line=$(printf '%-24s' "udp ${ROW_LABEL[$path]} / direct:")
		line+=$(printf '  1G %s  100M %s  rr-req/s %s' "$(ratio "${RES[udp-$path.1G]}" "${RES[udp-direct.1G]}")" \
			"$(ratio "${RES[udp-$path.100M]}" "${RES[udp-direct.100M]}")" \
			"$(ratio "${RES[udp-$path.rps]}" "${RES[udp-direct.rps]}")")
		echo "$line"
	done
}
