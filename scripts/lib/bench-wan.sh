# shellcheck shell=bash disable=SC2153 # SRV_HOST and the like are the bench's
# The WAN row of scripts/bench (issue 7). Sourced by scripts/bench, not run: it uses the
# bench's helpers (bg, stop_pid, note, say, wait_listen, tunnel_down, log_tail, ratio) and
# state (RES, TMP, BIN, CHANEM, NS_C, NS_P, PORT, JOIN, DURATION, SOCAT_OPTS, TFUNNEL_OPTS, SRV_*,
# FWD_*).
#
# Long, slow links, emulated by chanem (tests/tools/chanem.cpp: each direction sent at a rate
# through a bounded queue, then delayed), for each channel of WAN_CHANNELS and three paths:
#
#   ssh -L       ssh -N -L, its ProxyCommand chanem running sshd -i in P
#   tunnel/ssh   tfunnel -p PORT -- ssh HOST tfunnel, the same ProxyCommand
#   tunnel/pipe  tfunnel -p PORT -- chanem ... -- tfunnel (no ssh)
#   (or, with --join socat, socat EXEC:'tfunnel -p PORT' EXEC:'ssh HOST tfunnel' and the like)
#
# ssh reaches sshd through pipes (sshd -i, as inetd would start it), not TCP: a TCP connection
# between chanem and sshd would add its socket buffers (megabytes, as soon as chanem's queue is
# full) in front of the emulated queue; this way the only buffers before it are 64 KiB pipes.
# sshd logs (at its default level, INFO) to the row's log: how each session began and ended.
# Columns, taken in C, each path measured once:
#
#   down Mbit/s    one download from the source of zeros (lib/tcp_download.py), over DURATION s
#                  after 1 s of warm-up, while the probe below runs beside it
#   idle p50 ms    median 1-byte round trip to the echo server (lib/rtt_probe.py), on its own
#   loaded p50/p99 the same round trips on another connection, every 5 ms for DURATION s, while
#                  the download runs (at 80 ms, DURATION 4 gives ~45 of them: p99 is the worst)
#
# Issue 7's goals: down >= 90% of the line, loaded p50 <= idle + 10 ms, p99 <= idle + 30 ms.

WAN_CHANNELS=(100:40 10:10) # rate Mbit/s : one-way delay ms (round trip 80 ms, and 20 ms)
WAN_PATHS=(sshl ssh pipe)
WAN_METRICS=(down idle p50 p99)
WAN_IDLE=2 # seconds of idle round trips
declare -A WAN_HEAD=([down]="down Mbit/s" [idle]="idle p50 ms" [p50]="loaded p50" [p99]="loaded p99")
WAN_PID=''

# wan_id CHANNEL PATH: the row id of one cell (in RES and NOTES), e.g. wan-100-40-ssh.
wan_id() { echo "wan-${1/:/-}-$2"; }

# wan_label CHANNEL: "100M 80ms".
wan_label() { echo "${1%%:*}M $((2 * ${1#*:}))ms"; }

# wan_chanem CHANNEL: the chanem command line for CHANNEL, up to its "--".
wan_chanem() { echo "$CHANEM --delay ${1#*:} --rate ${1%%:*} --"; }

for _c in "${WAN_CHANNELS[@]}"; do
	for _p in "${WAN_PATHS[@]}"; do ROW_LABEL[$(wan_id "$_c" "$_p")]="wan $(wan_label "$_c") ${ROW_LABEL[$_p]}"; done
done
unset _c _p

measure_wan_row() {
	local chan path m
	for chan in "${WAN_CHANNELS[@]}"; do
		for path in "${WAN_PATHS[@]}"; do
			for m in "${WAN_METRICS[@]}"; do RES[$(wan_id "$chan" "$path").$m]=n/a; done
		done
	done
	if [[ ! -x $CHANEM ]]; then
		note "$(wan_id "${WAN_CHANNELS[0]}" sshl)" "no chanem at $CHANEM (cmake --build build --target chanem)"
		return 0
	fi
	for chan in "${WAN_CHANNELS[@]}"; do
		wan_ssh_host "$chan"
		for path in "${WAN_PATHS[@]}"; do wan_measure_path "$chan" "$path"; done
	done
}

# wan_ssh_host CHANNEL: an ssh_config host "wan-RATE-DELAY", host p's settings reached through
# chanem and sshd -i in P.
wan_ssh_host() {
	local chan=$1 settings
	settings=$(sed -n '/^Host p$/,/^Host /{/^Host /!p}' "$TMP/ssh_config")
	{
		echo "Host wan-${chan/:/-}"
		echo "	ProxyCommand $(wan_chanem "$chan") ip netns exec $NS_P /usr/sbin/sshd -i -e -f $TMP/sshd_config"
		echo "$settings"
	} >>"$TMP/ssh_config"
}

# wan_measure_path CHANNEL PATH: the WAN columns of one path over one channel.
wan_measure_path() {
	local chan=$1 path=$2 row
	row=$(wan_id "$chan" "$path")
	say "[$row] setting up"
	if "wan_${path}_up" "$chan" "$row"; then
		wan_measure "$row"
	fi
	if [[ $path == sshl ]]; then stop_pid "$WAN_PID"; else tunnel_down; fi
	WAN_PID=''
	say "[$row] $(for m in "${WAN_METRICS[@]}"; do printf '%s=%s ' "$m" "${RES[$row.$m]}"; done)"
}

wan_sshl_up() {
	local chan=$1 row=$2 p
	bg "$row" topo_in "$NS_C" ssh -F "$TMP/ssh_config" -N -L "127.0.0.1:$FWD_ECHO:$SRV_HOST:$SRV_ECHO" \
		-L "127.0.0.1:$FWD_ZERO:$SRV_HOST:$SRV_ZERO" "wan-${chan/:/-}"
	WAN_PID=$BG_LAST
	for p in $FWD_ECHO $FWD_ZERO; do
		wait_listen "$NS_C" "$p" || { note "$row" "ssh -L did not listen on $p: $(wan_log_tail "$row")"; return 1; }
	done
	T_HOST=127.0.0.1 T_ECHO=$FWD_ECHO T_ZERO=$FWD_ZERO
}

wan_ssh_up() {
	wan_tunnel_up "$2" ssh ssh -F "$TMP/ssh_config" "wan-${1/:/-}"
}

wan_pipe_up() {
	# shellcheck disable=SC2046 # the chanem command line is a list of words
	wan_tunnel_up "$2" proxy $(wan_chanem "$1") ip netns exec "$NS_P"
}

# wan_tunnel_up ROW NAME TRANSPORT...: TPROXY rules on, a client in C joined (as --join says: it
# runs TRANSPORT itself, or socat runs both) to TRANSPORT followed by the proxy's command line;
# checked with one HTTP request. tunnel_down undoes it.
wan_tunnel_up() {
	local row=$1 name=$2 i client="$BIN -p $PORT${TFUNNEL_OPTS:+ $TFUNNEL_OPTS}" proxy="$BIN${TFUNNEL_OPTS:+ $TFUNNEL_OPTS}"
	shift 2
	[[ -x $BIN ]] || { note "$row" "no tfunnel binary at $BIN"; return 1; }
	if [[ -n $(topo_in "$NS_C" ss -Hltn "sport = :$PORT") ]]; then
		note "$row" "port $PORT in C is taken already"
		return 1
	fi
	topo_tproxy_on "$NS_C" "$PORT" || { note "$row" "TPROXY rules failed"; return 1; }
	# shellcheck disable=SC2086 # client, proxy and SOCAT_OPTS are lists of words
	if [[ $JOIN == command ]]; then
		bg "$row" topo_in "$NS_C" "$TELL" client $client -- "$TELL" "$name" "$@" $proxy
	else
		bg "$row" socat $SOCAT_OPTS "EXEC:$TELL client ip netns exec $NS_C $client" "EXEC:$TELL $name $* $proxy"
	fi
	# shellcheck disable=SC2034 # TUNNEL_PID is the bench's, for tunnel_down
	TUNNEL_PID=$BG_LAST WAN_PID=$BG_LAST
	wait_listen "$NS_C" "$PORT" || { note "$row" "client not listening on $PORT: $(wan_log_tail "$row")"; return 1; }
	for i in {1..20}; do
		topo_in "$NS_C" curl -fsS -o /dev/null --max-time 3 "http://$SRV_HOST:$SRV_HTTP/" 2>/dev/null && break
		((i < 20)) || { note "$row" "no HTTP through the tunnel: $(wan_log_tail "$row")"; return 1; }
		sleep 0.3
	done
	T_HOST=$SRV_HOST T_ECHO=$SRV_ECHO T_ZERO=$SRV_ZERO
}

# wan_measure ROW: idle round trips, then round trips beside one download.
wan_measure() {
	local row=$1 out dl
	out=$(topo_in "$NS_C" timeout -k 2 $((WAN_IDLE + 15)) python3 "$SELF_DIR/lib/rtt_probe.py" probe \
		"$T_HOST" "$T_ECHO" --duration "$WAN_IDLE" --interval 20 --max 500 --timeout 10 2>&1) || true
	if [[ $out =~ ^([0-9.]+)\ [0-9.]+\ [0-9]+$ ]]; then
		RES[$row.idle]=${BASH_REMATCH[1]}
	else
		note "$row" "idle rtt probe: $out"
	fi
	if ! kill -0 "$WAN_PID" 2>/dev/null; then
		sleep 0.5 # for the last words of the path's processes
		note "$row" "the path died: $(wan_log_tail "$row")"
		return 0
	fi
	bg "$row-download" topo_in "$NS_C" timeout -k 2 $((DURATION + 20)) python3 "$SELF_DIR/lib/tcp_download.py" \
		"$T_HOST" "$T_ZERO" --warmup 1 --duration "$DURATION" --timeout 10
	dl=$BG_LAST
	sleep 1
	out=$(topo_in "$NS_C" timeout -k 2 $((DURATION + 20)) python3 "$SELF_DIR/lib/rtt_probe.py" probe \
		"$T_HOST" "$T_ECHO" --duration "$DURATION" --interval 5 --max 4000 --timeout 10 2>&1) || true
	if [[ $out =~ ^([0-9.]+)\ ([0-9.]+)\ ([0-9]+)$ ]]; then
		RES[$row.p50]=${BASH_REMATCH[1]} RES[$row.p99]=${BASH_REMATCH[2]}
		((BASH_REMATCH[3] >= 20)) || note "$row" "only ${BASH_REMATCH[3]} loaded round trips"
	else
		note "$row" "loaded rtt probe: $out"
	fi
	wait "$dl" 2>/dev/null || true
	out=$(tail -1 "$TMP/$row-download.log")
	if [[ $out =~ ^([0-9.]+)\ [0-9]+$ ]]; then
		RES[$row.down]=${BASH_REMATCH[1]}
	else
		note "$row" "download: $out"
	fi
}

# wan_log_tail ROW: the last lines of the row's log (ssh, socat, both tfunnel ends), on one line.
wan_log_tail() {
	[[ -s $TMP/$1.log ]] || { echo "(no log)"; return 0; }
	grep -v '^[[:space:]]*$' "$TMP/$1.log" | tail -n $((VERBOSE ? 40 : 4)) | tr '\n' '|'
}

print_wan_table() {
	local chan path m
	echo
	printf '%-12s %-12s' "wan" "path"
	for m in "${WAN_METRICS[@]}"; do printf ' %11s' "${WAN_HEAD[$m]}"; done
	printf '\n'
	for chan in "${WAN_CHANNELS[@]}"; do
		for path in "${WAN_PATHS[@]}"; do
			printf '%-12s %-12s' "$(wan_label "$chan")" "${ROW_LABEL[$path]}"
			for m in "${WAN_METRICS[@]}"; do printf ' %11s' "${RES[$(wan_id "$chan" "$path").$m]:-n/a}"; done
			printf '\n'
		done
	done
	echo "(chanem: rate and round trip as named, queue of one round trip's bytes, at least 64 KiB;" \
		"one download beside round trips every 5 ms, for $DURATION s)"
}

# print_wan_ratios: the figures issue 7 sets goals for, on each tunnel path and channel.
print_wan_ratios() {
	local chan path row line
	for chan in "${WAN_CHANNELS[@]}"; do
		for path in ssh pipe; do
			row=$(wan_id "$chan" "$path")
			line=$(printf '%-24s' "wan $(wan_label "$chan") ${ROW_LABEL[$path]}:")
			line+=$(printf '  down/line %s (goal >=0.9)  loaded p50-idle %s ms (goal <=10)  p99-idle %s ms (goal <=30)' \
				"$(ratio "${RES[$row.down]}" "${chan%%:*}")" "$(wan_minus "${RES[$row.p50]}" "${RES[$row.idle]}")" \
				"$(wan_minus "${RES[$row.p99]}" "${RES[$row.idle]}")")
			echo "$line"
		done
	done
}

# wan_minus A B: A - B to one decimal, or n/a.
wan_minus() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/) print "n/a"; else printf "%.1f\n", a - b }'
}
