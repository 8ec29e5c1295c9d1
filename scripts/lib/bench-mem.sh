# shellcheck shell=bash disable=SC2153 # SRV_HOST and the like are the bench's
# The memory row of scripts/bench (issue 4). Sourced by scripts/bench, not run: it uses
# the bench's helpers (bg, stop_pid, note, say, tunnel_up/tunnel_down, log_tail) and
# state (RES, TMP, BIN, NS_C, NS_P, DURATION, SRV_HOST, SRV_ZERO).
#
# Measured once, on tunnel/pipe, from the resident memory (VmRSS, VmHWM in
# /proc/PID/status) of the client (in C) and the proxy (in P), each on a fresh tunnel:
#
#   idle     MEM_CONNS TCP connections through the tunnel to a server in P
#            (lib/conn_hold.py), each carrying one byte each way, then held idle:
#            KiB at the start, with them held, per connection, then the peak while
#            they all close at once (VmHWM, reset just before) and once they closed
#   stalled  one connection to the source of zeros that never reads, beside 4 reading
#            as fast as they can for DURATION s (lib/conn_hold.py stall): the peak
#            resident KiB of each end (VmHWM, reset just before), and the Mbit/s of the 4
#
# Both tunnel ends and the test programs get the hard limit of open files.

MEM_CONNS=4000
SRV_HOLD=7009
MEM_SIDES=(client proxy)
MEM_METRICS=(start held per-conn close-peak closed peak)
declare -A MEM_HEAD=([start]="at the start, KiB" [held]="$MEM_CONNS idle connections, KiB"
	[per-conn]="per idle connection, KiB" [close-peak]="peak while they close, KiB"
	[closed]="once they closed, KiB" [peak]="peak, 1 stream stalled, KiB")
ROW_LABEL+=([mem-stall]="memory, stalled stream")
# shellcheck disable=SC2034 # read through ${!pid_var}
MEM_PID_client='' MEM_PID_proxy=''

measure_mem_row() {
	local side m
	for side in "${MEM_SIDES[@]}"; do
		for m in "${MEM_METRICS[@]}"; do RES[mem.$side.$m]=n/a; done
	done
	RES[mem.mbps]=n/a RES[mem.slowest]=n/a RES[mem.queued]=n/a
	mem_idle_test
	mem_stall_test
}

# mem_ends_find ROW: MEM_PID_client and MEM_PID_proxy = the tunnel's two tfunnel
# processes (one in C, one in P), each given the hard limit of open files.
mem_ends_find() {
	local row=$1 side ns pid pids exe hard
	exe=$(readlink -f "$BIN") hard=$(ulimit -Hn)
	for side in "${MEM_SIDES[@]}"; do
		ns=$NS_C
		[[ $side == proxy ]] && ns=$NS_P
		pids=()
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			[[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$exe" ]] && pids+=("$pid")
		done
		if ((${#pids[@]} != 1)); then
			note "$row" "expected one tfunnel $side, found ${#pids[@]}"
			return 1
		fi
		printf -v "MEM_PID_$side" %s "${pids[0]}"
		cmd prlimit --pid "${pids[0]}" --nofile="$hard:$hard" || { note "$row" "prlimit failed"; return 1; }
	done
}

# mem_kib SIDE FIELD: FIELD (VmRSS, VmHWM) of that tunnel end in KiB, or n/a.
mem_kib() {
	local pid_var=MEM_PID_$1 v
	v=$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/${!pid_var}/status" 2>/dev/null) || v=
	echo "${v:-n/a}"
}

# mem_hwm_reset ROW: each end's peak resident size (VmHWM) := its current one.
mem_hwm_reset() {
	local side pid_var
	for side in "${MEM_SIDES[@]}"; do
		pid_var=MEM_PID_$side
		# 5: reset the peak resident size to the current one (proc(5), Linux 4.0).
		echo 5 2>/dev/null >"/proc/${!pid_var}/clear_refs" ||
			note "$1" "cannot reset the $side's VmHWM: its peak is since its start"
	done
}

# mem_fds SIDE: how many descriptors that tunnel end has open (0 if it is gone).
mem_fds() {
	local pid_var=MEM_PID_$1
	find "/proc/${!pid_var}/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

mem_idle_test() {
	local life=$((DURATION + 200)) srv
	say "[mem] setting up"
	bg conn-hold-server topo_in "$NS_P" timeout "$life" python3 "$SELF_DIR/lib/conn_hold.py" server \
		--port "$SRV_HOLD" --lifetime "$life"
	srv=$BG_LAST
	if ! wait_listen "$NS_P" "$SRV_HOLD"; then
		note mem "connection holder server did not start: $(tail -3 "$TMP/conn-hold-server.log")"
	elif tunnel_up mem pipe && mem_ends_find mem; then
		mem_idle_measure
	fi
	tunnel_down
	stop_pid "$srv"
}

# mem_idle_measure: RES[mem.SIDE.{start,held,per-conn,closed}].
mem_idle_measure() {
	local side holder _ fds fds0_client fds0_proxy fds0
	sleep 1
	for side in "${MEM_SIDES[@]}"; do
		RES[mem.$side.start]=$(mem_kib "$side" VmRSS)
		printf -v "fds0_$side" %s "$(mem_fds "$side")"
	done
	say "[mem] $MEM_CONNS idle connections"
	bg conn-hold topo_in "$NS_C" timeout 150 python3 "$SELF_DIR/lib/conn_hold.py" hold \
		"$SRV_HOST" "$SRV_HOLD" --count "$MEM_CONNS" --timeout 60 --hold 120
	holder=$BG_LAST
	for _ in {1..650}; do
		grep -q '^ready' "$TMP/conn-hold.log" 2>/dev/null && break
		kill -0 "$holder" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^ready' "$TMP/conn-hold.log" 2>/dev/null; then
		note mem "holding $MEM_CONNS connections failed: $(tail -2 "$TMP/conn-hold.log" | tr '\n' ' ')$(log_tail mem)"
		stop_pid "$holder"
		return
	fi
	sleep 1
	for side in "${MEM_SIDES[@]}"; do
		RES[mem.$side.held]=$(mem_kib "$side" VmRSS)
		RES[mem.$side.per-conn]=$(awk -v a="${RES[mem.$side.start]}" -v b="${RES[mem.$side.held]}" \
			-v n="$MEM_CONNS" 'BEGIN { if (a !~ /^[0-9]+$/ || b !~ /^[0-9]+$/) print "n/a"; else printf "%.2f\n", (b - a) / n }')
		fds0=fds0_$side fds=$(mem_fds "$side")
		((fds >= ${!fds0} + MEM_CONNS)) || note mem "the $side holds $((fds - ${!fds0})) more descriptors, not $MEM_CONNS"
	done
	mem_hwm_reset mem
	stop_pid "$holder"
	mem_wait_closed "$fds0_client" "$fds0_proxy"
	for side in "${MEM_SIDES[@]}"; do
		RES[mem.$side.close-peak]=$(mem_kib "$side" VmHWM) RES[mem.$side.closed]=$(mem_kib "$side" VmRSS)
	done
}

# mem_wait_closed FDS_CLIENT FDS_PROXY: until both ends are back to about as many
# descriptors as they had before (at most 10 s; a note says when they are not).
mem_wait_closed() {
	local _ c p
	for _ in {1..100}; do
		c=$(mem_fds client) p=$(mem_fds proxy)
		((c <= $1 + 2 && p <= $2 + 2)) && return 0
		sleep 0.1
	done
	note mem "10 s after the $MEM_CONNS connections closed, the client has $((c - $1)) and the proxy $((p - $2)) more descriptors than before"
}

mem_stall_test() {
	local side out
	say "[mem-stall] setting up"
	if tunnel_up mem-stall pipe && mem_ends_find mem-stall; then
		sleep 1
		mem_hwm_reset mem-stall
		say "[mem-stall] 1 stalled stream, 4 reading"
		out=$(topo_in "$NS_C" timeout -k 2 $((DURATION + 20)) python3 "$SELF_DIR/lib/conn_hold.py" stall \
			"$SRV_HOST" "$SRV_ZERO" --streams 4 --duration "$DURATION" 2>&1) || true
		for side in "${MEM_SIDES[@]}"; do RES[mem.$side.peak]=$(mem_kib "$side" VmHWM); done
		if [[ $out =~ ^([0-9.]+)\ ([0-9.]+)\ ([0-9]+)$ ]]; then
			RES[mem.mbps]=${BASH_REMATCH[1]} RES[mem.slowest]=${BASH_REMATCH[2]} RES[mem.queued]=${BASH_REMATCH[3]}
		else
			note mem-stall "stall test: $out $(log_tail mem-stall)"
		fi
	fi
	tunnel_down
}

print_mem_table() {
	local side m
	echo
	printf '%-34s' "memory, tunnel/pipe"
	for side in "${MEM_SIDES[@]}"; do printf ' %10s' "$side"; done
	printf '\n'
	for m in "${MEM_METRICS[@]}"; do
		printf '%-34s' "${MEM_HEAD[$m]}"
		for side in "${MEM_SIDES[@]}"; do printf ' %10s' "${RES[mem.$side.$m]:-n/a}"; done
		printf '\n'
	done
	echo "(stalled: 1 stream never read while 4 others read ${RES[mem.mbps]} Mbit/s in all, the" \
		"slowest ${RES[mem.slowest]}, for $DURATION s; ${RES[mem.queued]} bytes reached the stalled socket)"
}

# print_mem_ratios: the figures issue 4 sets goals for.
print_mem_ratios() {
	local side line mib
	line=$(printf '%-24s' "memory KiB/idle conn:")
	for side in "${MEM_SIDES[@]}"; do
		line+=$(printf '  %s %s (goal <=2)' "$side" "${RES[mem.$side.per-conn]}")
	done
	echo "$line"
	line=$(printf '%-24s' "memory MiB, 1 stalled:")
	for side in "${MEM_SIDES[@]}"; do
		mib=$(awk -v k="${RES[mem.$side.peak]}" 'BEGIN { if (k !~ /^[0-9]+$/) print "n/a"; else printf "%.1f\n", k / 1024 }')
		line+=$(printf '  %s %s (goal <16)' "$side" "$mib")
	done
	echo "$line"
}
