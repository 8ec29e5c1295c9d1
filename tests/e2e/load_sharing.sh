#!/usr/bin/env bash
# Two client instances on one port in C (SO_REUSEPORT), each with its own raw pipe to its own
# proxy in P, share the load: of 200 held TCP connections and 200 UDP flows (half IPv4, half
# IPv6) both instances own some of each (counted with ss, per process, and in each proxy's log),
# every connection and flow works, and each flow stays with the instance that owns it: a second
# exchange over the same sockets opens no new flow anywhere.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

COUNT=200

# owned NS PID: "TCP UDP", the relayed connections and flow reply sockets that PID holds in C:
# their local side is the original destination, port 7000 (TCP) or 7001 (UDP).
owned() {
	echo "$(socket_count "$E2E_NS_C" "$1" -tn state established "sport = :7000")" \
		"$(socket_count "$E2E_NS_C" "$1" -uan "sport = :7001")"
}

# opened LOG KIND: how many streams or flows a proxy's -v log shows opened.
opened() {
	grep -cE " $2 [0-9]+: open " "$1" || true
}

e2e_begin
topo_up
rules_iptables_up
server_up tcpecho 7000 echo
udp_server_up udpecho echo 7001
E2E_PROXY_ARGS=(-v)
tunnel_pipe_instance_up 1
client1=$E2E_CLIENT_PID proxy1=$E2E_PROXY_PID
tunnel_pipe_instance_up 2
client2=$E2E_CLIENT_PID proxy2=$E2E_PROXY_PID
for proto in t u; do
	n=$(in_c 5 ss -Hl${proto}n "sport = :$E2E_PORT" | wc -l)
	((n == 2)) || die "expected 2 sockets of each protocol on port $E2E_PORT, ss -l${proto}n lists $n"
done

e2e_log "$COUNT TCP connections and $COUNT UDP flows, held"
spawn hold "$E2E_NS_C" "$E2E_PY" "$E2E_DIR/udp_probe.py" hold "$E2E_REMOTE_V4,$E2E_REMOTE_V6" \
	--tcp-port 7000 --tcp-count "$COUNT" --echo-port 7001 --echo-count "$COUNT" --hold 30 \
	--within 20 --ready-file "$E2E_TMP/hold.ready" --again-file "$E2E_TMP/hold.again"
hold=$E2E_LAST_PID
for ((i = 0; i < 300; i++)); do
	[[ -e "$E2E_TMP/hold.ready" ]] && break
	kill -0 "$hold" 2>/dev/null || break
	sleep 0.1
done
[[ -e "$E2E_TMP/hold.ready" ]] || die "the connections and flows did not all work: $(cat "$E2E_TMP/hold.log")"

read -r tcp1 udp1 <<<"$(owned "$client1")"
read -r tcp2 udp2 <<<"$(owned "$client2")"
e2e_log "instance 1 owns $tcp1 TCP connections and $udp1 UDP flows;" \
	"instance 2 owns $tcp2 and $udp2"
((tcp1 + tcp2 == COUNT)) || die "the instances hold $tcp1 + $tcp2 TCP connections, not $COUNT"
((udp1 + udp2 == COUNT)) || die "the instances hold $udp1 + $udp2 UDP flows, not $COUNT"
((tcp1 > 0 && tcp2 > 0)) || die "one instance owns no TCP connection ($tcp1, $tcp2)"
((udp1 > 0 && udp2 > 0)) || die "one instance owns no UDP flow ($udp1, $udp2)"
for i in 1 2; do
	log=$E2E_TMP/proxy$i.log
	tcp=tcp$i udp=udp$i
	[[ "$(opened "$log" stream) $(opened "$log" flow)" == "${!tcp} ${!udp}" ]] ||
		die "proxy $i opened $(opened "$log" stream) streams and $(opened "$log" flow) flows," \
			"its client owns ${!tcp} and ${!udp}"
done

e2e_log "a second exchange over every connection and flow"
touch "$E2E_TMP/hold.again"
rc=0
wait_pid_exit "$hold" 30 || rc=$?
((rc == 0)) || die "not every connection and flow worked again: $(cat "$E2E_TMP/hold.log")"
for i in 1 2; do
	udp=udp$i
	[[ "$(opened "$E2E_TMP/proxy$i.log" flow)" == "${!udp}" ]] ||
		die "proxy $i opened $(opened "$E2E_TMP/proxy$i.log" flow) flows, not ${!udp}: a flow moved"
done
for pid in "$client1" "$proxy1" "$client2" "$proxy2"; do
	kill -0 "$pid" 2>/dev/null || die "a tunnel end (pid $pid) exited"
done
