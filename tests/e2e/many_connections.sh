#!/usr/bin/env bash
# 1000 connections open at the same time (half IPv4, half IPv6), each echoing its own bytes,
# all come back intact.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

e2e_begin
(($(ulimit -n) >= 4200)) || skip "needs 4200 open files per process, hard limit is $(ulimit -Hn)"
topo_up
rules_iptables_up
server_up echo 7000 echo
tunnel_pipe_up

e2e_log "1000 concurrent echo connections"
py_c 90 many_echo.py "$E2E_REMOTE_V4,$E2E_REMOTE_V6" 7000 --count 1000 --size 4096 --timeout 60 ||
	die "not every one of 1000 concurrent connections echoed intact"
tunnel_assert_alive
