#!/usr/bin/env bash
# scripts/soak works: a 20 s run sampled every 5 s ends with status 0, prints a sample at 0, 5,
# 10, 15 and 20 s, a summary in which every kind of traffic succeeded, and leaves none of its
# namespaces behind. (How flat memory stays is for long runs to tell, not this one.)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
require_progs dnsmasq iptables-restore ip6tables-restore
soak=$(cd "$E2E_DIR/../../scripts" && pwd)/soak
out=$E2E_TMP/soak.log

rc=0
timeout -k 5 80 "$soak" --duration 20 --interval 5 --bin "$TFUNNEL_BIN" >"$out" 2>&1 || rc=$?
((rc == 0)) || die "scripts/soak exited with status $rc"
grep -v '^+ ' "$out" >&2

for t in 0 5 10 15 20; do
	grep -qE "^ +$t +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ " "$out" || die "no sample at $t s"
done
for kind in bulk short rst udp dns; do
	grep -qE "^traffic $kind: [1-9][0-9]* ok" "$out" || die "no $kind traffic succeeded"
done
grep -qE "^errors: [0-9]+ of [0-9]+ operations" "$out" || die "no error count in the summary"
grep -qE "^idle 15 s after the traffic stopped: client [0-9]+ KiB, [0-9]+ fds" "$out" ||
	die "no idle figures in the summary"

read -r ns_c ns_p < <(sed -nE 's/.*tunnel up: client pid [0-9]+ in ([^,]+), proxy pid [0-9]+ in (.+)$/\1 \2/p' "$out")
[[ -n $ns_c && -n $ns_p ]] || die "the soak did not name its namespaces"
for ns in "$ns_c" "$ns_p"; do
	! ip netns list | grep -qw -- "$ns" || die "namespace $ns left behind"
done
