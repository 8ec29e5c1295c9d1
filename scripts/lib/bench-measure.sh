# shellcheck shell=bash
# shellcheck disable=SC2034 # FIG and WRK_* are read by scripts/bench
# The measurements of scripts/bench, taken in C against T_HOST and the T_* ports. Each
# sets FIG (or WRK_*) to a figure or n/a, and gives the reason of an n/a to note.
# Sourced, not run: uses the bench's globals and helpers (TMP, NS_C, NS_P, DURATION,
# SELF_DIR, VERBOSE, bg, stop_pid, pid_running, wait_listen, note, topo_in).

# m_iperf ROW up|down: FIG = Mbit/s of one stream for DURATION seconds (after 1 s omitted).
m_iperf() {
	local row=$1 dir=$2 srv out rev=()
	FIG=n/a
	[[ $dir == down ]] && rev=(-R)
	bg "iperf3-s-$row-$dir" "$NS_P" timeout $((DURATION + 30)) iperf3 -s -1 -p "$SRV_IPERF"
	srv=$BG_LAST
	if ! wait_listen "$NS_P" "$SRV_IPERF"; then
		note "$row" "iperf3 server did not start"
		stop_pid "$srv"
		return
	fi
	out=$(topo_in "$NS_C" timeout -k 2 $((DURATION + 15)) iperf3 -c "$T_HOST" -p "$T_IPERF" \
		-t "$DURATION" -O 1 -J --connect-timeout 3000 "${rev[@]}" 2>&1) || true
	stop_pid "$srv"
	out=$(python3 -c 'import json,sys
try:
    d = json.loads(sys.stdin.read())
except ValueError as e:
    sys.exit("no iperf3 result")
if d.get("error"):
    sys.exit(d["error"])
print("%.1f" % (d["end"]["sum_received"]["bits_per_second"] / 1e6))' <<<"$out" 2>&1) || {
		note "$row" "iperf3 $dir: $out"
		return
	}
	FIG=$out
}

# wrk_latency_ms VALUE: wrk's "345.00us" / "1.20ms" / "2.01s" in ms.
wrk_latency_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
		if (f < 0) print "n/a"; else printf "%.3f\n", n * f }'
}

# m_wrk ROW keepalive|close: sets WRK_RPS and WRK_P50 (figures or n/a).
m_wrk() {
	local row=$1 mode=$2 out hdr=() errs
	if [[ $mode == close ]]; then hdr=(-H "Connection: close"); fi
	out=$(topo_in "$NS_C" timeout -k 2 $((DURATION + 10)) wrk -t2 -c50 -d"${DURATION}s" --timeout 2s \
		--latency "${hdr[@]}" "http://$T_HOST:$T_HTTP/" 2>&1) || true
	WRK_RPS=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	WRK_P50=$(awk '/Latency Distribution/ {f = 1; next} f && $1 == "50%" {print $2; exit}' <<<"$out")
	if [[ -z $WRK_RPS || $WRK_RPS == 0.00 ]]; then
		((VERBOSE)) || out=$(grep -v '^[[:space:]]*$' <<<"$out" | tail -2)
		note "$row" "wrk $mode: $(tr '\n' ' ' <<<"$out")"
		WRK_RPS=n/a WRK_P50=n/a
		return
	fi
	WRK_RPS=$(printf '%.0f' "$WRK_RPS")
	WRK_P50=$(wrk_latency_ms "${WRK_P50:-?}")
	errs=$(grep -E 'Socket errors|Non-2xx' <<<"$out" | tr -s ' \n' ' ') || true
	[[ -z $errs ]] || note "$row" "wrk $mode:$errs"
}

# m_rtt ROW: FIG = p99 (ms) of 1-byte round trips while 2 bulk downloads run beside.
m_rtt() {
	local row=$1 dl=() i out alive=0
	FIG=n/a
	for i in 1 2; do
		bg "bulk-$row-$i" "$NS_C" timeout $((DURATION + 6)) socat -u -b 131072 \
			"TCP:$T_HOST:$T_ZERO" OPEN:/dev/null
		dl+=("$BG_LAST")
	done
	sleep 1
	out=$(topo_in "$NS_C" timeout -k 2 $((DURATION + 10)) python3 "$SELF_DIR/lib/rtt_probe.py" probe \
		"$T_HOST" "$T_ECHO" --duration "$DURATION" --interval 5 --max 2000 --timeout 5 2>&1) || true
	for i in "${dl[@]}"; do
		if pid_running "$i"; then alive=$((alive + 1)); fi
		stop_pid "$i"
	done
	((alive == 2)) || note "$row" "only $alive of 2 bulk downloads lasted the probe"
	if [[ $out =~ ^[0-9.]+\ ([0-9.]+)\ [0-9]+$ ]]; then
		FIG=${BASH_REMATCH[1]}
	else
		note "$row" "rtt probe: $out"
	fi
}

