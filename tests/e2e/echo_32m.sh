#!/usr/bin/env bash
# 32 MiB sent to an echo server while the echo is read back at the same time (both directions
# at once) come back identical, over IPv4 and IPv6.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
topo_up
rules_iptables_up
server_up echo 7000 echo
tunnel_pipe_up

for addr in "$E2E_REMOTE_V4" "$E2E_REMOTE_V6"; do
	e2e_log "echo 32 MiB through $(url_host "$addr"):7000"
	py_c 50 bulk_echo.py "$addr" 7000 --mib 32 --require-overlap || die "32 MiB echo through $addr failed"
done
tunnel_assert_alive
