#!/usr/bin/env bash
# ssh sessions through the tunnel to an sshd in the remote network (198.51.100.2:22 and
# [2001:db8:2::2]:22): a command, a shell fed on stdin, and a session with a pseudo-terminal.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
require_progs ssh sshd
topo_up
rules_iptables_up
sshd_up
tunnel_pipe_up

ssh_c() {
	in_c 15 ssh -F "$E2E_TMP/ssh_config" "$@"
}

for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	e2e_log "ssh $addr through the tunnel"
	got=$(ssh_c "$addr" echo hello) || die "ssh $addr echo hello failed"
	[[ "$got" == hello ]] || die "ssh $addr echo hello printed '$got'"
	# shellcheck disable=SC2016 # expanded by the remote shell
	got=$(printf 'echo $((6 * 7))\nexit\n' | ssh_c -T "$addr" sh) || die "ssh $addr sh failed"
	[[ "$got" == 42 ]] || die "ssh $addr with a shell on stdin printed '$got'"
	got=$(ssh_c -tt "$addr" 'tty; exit 0' </dev/null | tr -d '\r') || die "ssh -tt $addr failed"
	[[ "$got" == /dev/pts/* ]] || die "ssh -tt $addr got no pseudo-terminal: '$got'"
done
tunnel_assert_alive
