#!/usr/bin/env bash
# tfunnel-firewall's command line, in C without a tunnel: --help; each bad command line fails with
# status 2 and says why; --dry-run prints the rules the options ask for, and running what it
# prints gives the state `up` gives; `down` with nothing there succeeds and changes nothing; an
# `up` that fails (lo down, a name that does not resolve, a table in use, not root) fails with
# status 1, says why and leaves nothing behind; README's example is the script's own output.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-firewall.sh"

e2e_begin
require_progs nft iptables ip6tables iptables-restore ip6tables-restore
topo_up

# fw_c ARG...: the script in C, quietly (stdout and stderr to $E2E_TMP/out and err), its status.
fw_c() {
	local rc=0
	ip netns exec "$E2E_NS_C" timeout -k 2 20 "$E2E_FIREWALL" "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
	return "$rc"
}

# expect_usage_error MESSAGE ARG...: status 2 and MESSAGE (a fixed string) on stderr.
expect_usage_error() {
	local message=$1 rc=0
	shift
	fw_c "$@" || rc=$?
	((rc == 2)) || die "'$*': status $rc, want 2 (stderr: $(cat "$E2E_TMP/err"))"
	grep -qF -- "$message" "$E2E_TMP/err" || die "'$*' said '$(head -1 "$E2E_TMP/err")', not '$message'"
}

# expect_failure MESSAGE ARG...: status 1 and MESSAGE on stderr.
expect_failure() {
	local message=$1 rc=0
	shift
	fw_c "$@" || rc=$?
	((rc == 1)) || die "'$*': status $rc, want 1 (stderr: $(cat "$E2E_TMP/err"))"
	grep -qF -- "$message" "$E2E_TMP/err" || die "'$*' said '$(cat "$E2E_TMP/err")', not '$message'"
}

# out_has LINE...: each LINE is a whole line of the last stdout.
out_has() {
	local line
	for line in "$@"; do
		grep -qxF -- "$line" "$E2E_TMP/out" || die "no line '$line' in: $(cat "$E2E_TMP/out")"
	done
}

# line_of TEXT: the number of the first line of the last stdout that contains TEXT.
line_of() { grep -nF -- "$1" "$E2E_TMP/out" | head -1 | cut -d: -f1; }

fw_save before
e2e_log "--help"
fw_c --help || die "--help failed"
grep -q '^Usage: tfunnel-firewall up' "$E2E_TMP/out" || die "--help printed no usage"
for opt in --exclude --ssh-server --dns --router --fwmark --divert-mark --table --backend --name --dry-run; do
	grep -q -- "$opt" "$E2E_TMP/out" || die "--help does not mention $opt"
done

e2e_log "bad command lines"
expect_usage_error "say up or down"
expect_usage_error 'say up or down, not "sideways"' sideways 0/0
expect_usage_error "nothing to divert" up
expect_usage_error "not an address, a CIDR or a host name" up 192.0.2.256/24
expect_usage_error "prefix longer than 32" up 192.0.2.0/33
expect_usage_error "not an IPv6 address" up 2001:db8::g/64
expect_usage_error "not an IPv6 address" up 2001:db8:::1
expect_usage_error "not an IPv6 address" up 1:2:3:4:5:6:7:8:9
expect_usage_error "but --ipv4-only was given" up -4 ::/0
expect_usage_error "exclude each other" up --tcp-only --udp-only 0/0
expect_usage_error "exclude each other" up -4 -6 0/0
expect_usage_error "exclude each other" up -6 --ipv4-only 0/0
expect_usage_error "has no bit outside --divert-mark" up --fwmark 1 0/0
expect_usage_error "not a number from 0 to 65535" up --port 70000 0/0
expect_usage_error "0 is not a port" up --port 0 0/0
expect_usage_error "is a table of the system" up --table 254 0/0
expect_usage_error "--name: 1 to 15" up --name a.b 0/0
expect_usage_error "--name: 1 to 15" up --name abcdefghijklmnop 0/0
expect_usage_error "--backend: nft or iptables" up --backend pf 0/0
expect_usage_error "unknown option '--bogus'" up --bogus 0/0
expect_usage_error "--dns takes no value" up --dns=yes 0/0
expect_usage_error "-x needs a value" up 0/0 -x
expect_usage_error "bad port '99999'" up --ssh-server gw:99999 0/0
fw_expect before "after the bad command lines"

e2e_log "--dry-run prints what the options ask for"
fw_c up -n --backend nft --port 4000 --fwmark 0x13 --divert-mark 0x10 --table 300 --name fwt \
	--ssh-server root@localhost:2200 --ssh-server '[2001:db8:1::2]' -x 10/8 --tcp-only \
	198.51.100.0/24 2001:db8:2::/64 || die "up -n failed: $(cat "$E2E_TMP/err")"
out_has "ip -4 rule add fwmark 0x10 lookup 300 protocol 116" \
	"ip -6 route add local default dev lo table 300 proto 116" \
	"table inet fwt {" $'\t\tip daddr 127.0.0.1 tcp dport 2200 return' \
	$'\t\tip6 daddr 2001:db8:1::2 tcp dport 22 return' $'\t\tip daddr 10.0.0.0/8 return' \
	$'\t\tip daddr 198.51.100.0/24 meta l4proto tcp meta mark set meta mark | 0x10' \
	$'\t\tmeta mark & 0x3 == 0x3 return' $'\t\tmeta mark & 0x10 != 0x10 return' \
	$'\t\tmeta nfproto ipv6 meta l4proto tcp tproxy ip6 to :4000'
(($(line_of "10.0.0.0/8 return") < $(line_of "198.51.100.0/24"))) || die "the exclusion comes after the SUBNET"
fw_c up -n --backend iptables --udp-only --router -4 0/0 || die "up -n --backend iptables failed"
out_has "-A tfunnel-prerouting -j tfunnel-mark-proxied" \
	"-A tfunnel-prerouting -p udp -m udp -j TPROXY --on-port 12300" \
	"-A tfunnel-mark-proxied -d 0.0.0.0/0 -p udp -m udp -j MARK --set-xmark 0x1/0x1"
! grep -qE -- 'ip6tables|ip -6|-p tcp -m tcp -j' "$E2E_TMP/out" || die "-4 --udp-only printed IPv6 or TCP rules"
fw_expect before "after --dry-run"

e2e_log "what --dry-run prints, run, gives what up gives"
for backend in nft iptables; do
	args=(--backend "$backend" --ssh-server 192.0.2.2 -x 203.0.113.0/24 0/0 ::/0)
	fw_c up -n "${args[@]}" || die "up -n ${args[*]} failed"
	cmd ip netns exec "$E2E_NS_C" bash -euo pipefail "$E2E_TMP/out"
	fw_save "dry-run-$backend"
	firewall_c down
	fw_expect before "down after running up --dry-run's output"
	firewall_c up "${args[@]}"
	fw_expect "dry-run-$backend" "up, against running up --dry-run's output ($backend)"
	firewall_c down
done

e2e_log "down with nothing to remove"
fw_c down || die "down with nothing there failed: $(cat "$E2E_TMP/err")"
fw_expect before "down with nothing there"

e2e_log "failures leave nothing behind"
cmd ip -n "$E2E_NS_C" route add default via "$E2E_SSH_V4" table 100
fw_save table-in-use
expect_failure "table 100 has a default route already" up 0/0 ::/0
grep -qF "up failed: removing what it set up" "$E2E_TMP/err" || die "the failed up did not undo"
fw_expect table-in-use "a failed up (table 100 in use)"
cmd ip -n "$E2E_NS_C" route del default via "$E2E_SSH_V4" table 100
expect_failure "cannot resolve 'no-such-host.invalid'" up --ssh-server no-such-host.invalid 0/0
cmd ip -n "$E2E_NS_C" link set lo down
expect_failure "lo is down here" up 0/0
cmd ip -n "$E2E_NS_C" link set lo up
if command -v setpriv >/dev/null; then
	rc=0
	ip netns exec "$E2E_NS_C" setpriv --reuid=65534 --regid=65534 --clear-groups \
		bash "$E2E_FIREWALL" up 0/0 2>"$E2E_TMP/err" || rc=$?
	if ((rc != 1)) || ! grep -qF "must run as root" "$E2E_TMP/err"; then
		die "up as nobody: status $rc, $(cat "$E2E_TMP/err")"
	fi
fi
fw_expect before "after the failures"

e2e_log "README's example is the script's output"
readme=$E2E_DIR/../../README.md
example=$(awk '/^\$ tfunnel-firewall up --dry-run / { sub(/^\$ tfunnel-firewall /, ""); print; exit }' "$readme")
[[ -n $example ]] || die "README.md has no '\$ tfunnel-firewall up --dry-run ...' example"
awk '/^\$ tfunnel-firewall up --dry-run / { on = 1; next } on && /^```/ { exit } on' "$readme" >"$E2E_TMP/readme"
read -r -a words <<<"$example"
fw_c "${words[@]}" || die "README's example '$example' failed: $(cat "$E2E_TMP/err")"
diff -u "$E2E_TMP/readme" "$E2E_TMP/out" >&2 || die "README's example differs from '$example' (diff above)"
