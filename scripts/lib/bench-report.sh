# shellcheck shell=bash
# The report of scripts/bench: the table, the notes and, last, the ratios that issue 4
# sets goals for. Sourced, not run: uses the bench's globals (RES, NOTES, ROWS, the
# METRIC_* tables, DURATION, ROUNDS, SOCAT_OPTS, BIN) and row_selected.

print_table() {
	local row m
	printf '%-12s' row
	for m in "${TCP_METRICS[@]}"; do printf ' %12s' "${METRIC_HEAD[$m]}"; done
	printf '\n'
	for row in direct sshl ssh pipe; do
		row_selected "$row" || continue
		printf '%-12s' "${ROW_LABEL[$row]}"
		for m in "${TCP_METRICS[@]}"; do printf ' %12s' "$(fmt_fig "$m" "${RES[$row.$m]:-n/a}")"; done
		printf '\n'
	done
}

# fmt_fig METRIC VALUE: VALUE in the metric's format, n/a as it is.
fmt_fig() {
	if [[ $2 =~ ^[0-9.]+$ ]]; then
		# shellcheck disable=SC2059 # the formats are the METRIC_FMT constants
		printf "${METRIC_FMT[$1]}" "$2"
	else
		printf '%s' "$2"
	fi
}

# ratio A B: A/B to two decimals, or n/a.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'
}

# print_ratio LABEL ROW_A ROW_B METRIC:GOAL...
print_ratio() {
	local label=$1 a=$2 b=$3 m goal line
	shift 3
	if ! row_selected "$a" || ! row_selected "$b"; then return 0; fi
	line=$(printf '%-24s' "$label")
	for m in "$@"; do
		goal=${m#*:} m=${m%%:*}
		line+=$(printf '  %s %s (goal %s)' "${METRIC_SHORT[$m]}" "$(ratio "${RES[$a.$m]}" "${RES[$b.$m]}")" "$goal")
	done
	echo "$line"
}

print_report() {
	local row
	echo
	echo "tfunnel bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs (load $(cut -d" " -f1-3 /proc/loadavg)), ${DURATION} s per measurement$( ((ROUNDS > 1)) && echo ", median of $ROUNDS rounds"), socat ${SOCAT_OPTS:-(defaults)}, $(bin_version)"
	print_table
	if row_selected udp; then print_udp_table; fi
	if row_selected mem; then print_mem_table; fi
	for row in "${NOTE_ORDER[@]}"; do
		echo "note ${ROW_LABEL[$row]}: ${NOTES[$row]}"
	done
	print_ratio "tunnel/ssh / ssh -L:" ssh sshl up:">=0.9" down:">=0.9" rps:">=1.0" cps:">=1.0" \
		p50:"<=1.2" p99:"<=1.0"
	print_ratio "tunnel/pipe / direct:" pipe direct up:">=0.5" down:">=0.5"
}

bin_version() {
	local v
	v=$(timeout 3 "$BIN" --version 2>&1 | head -1) || v=
	echo "${v:-tfunnel ?} ($BIN, $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo no commit))"
}

