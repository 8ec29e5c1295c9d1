# shellcheck shell=bash
# lib-tunnel.sh: starting the tunnel (raw pipe, socat, ssh) and the servers in P. Sourced by lib.sh.

# --- the tunnel ---------------------------------------------------------------------------------

# E2E_TFUNNEL_OPTS (environment) adds options to both ends, e.g. -v when debugging.
read -r -a E2E_OPTS <<<"${E2E_TFUNNEL_OPTS:-}"

# E2E_PROXY_ARGS (array, set by a test) adds options to the proxy end of tunnel_pipe_up.
E2E_PROXY_ARGS=()

# tunnel_pipe_up [CLIENT_OPTION...]: client in C and proxy in P joined by two FIFOs (a raw pipe);
# sets E2E_CLIENT_PID and E2E_PROXY_PID so a test can wait for or kill either end.
# shellcheck disable=SC2120 # the client options are optional
tunnel_pipe_up() {
	tunnel_pipe_instance_up "" "$@"
}

# tunnel_pipe_instance_up NAME [CLIENT_OPTION...]: the same, one of several tunnels side by side:
# FIFOs c2pNAME and p2cNAME, logs clientNAME.log and proxyNAME.log; every client on E2E_PORT.
tunnel_pipe_instance_up() {
	local name=$1
	shift
	mkfifo "$E2E_TMP/c2p$name" "$E2E_TMP/p2c$name"
	echo "+ [$E2E_NS_C] $TFUNNEL_BIN -p $E2E_PORT ${E2E_OPTS[*]} $* |" \
		"[$E2E_NS_P] $TFUNNEL_BIN ${E2E_OPTS[*]} ${E2E_PROXY_ARGS[*]} &" >&2
	# Open order matters: each end opens the FIFO the other opens first, so neither blocks.
	ip netns exec "$E2E_NS_C" "$TFUNNEL_BIN" -p "$E2E_PORT" "${E2E_OPTS[@]}" "$@" \
		2>"$E2E_TMP/client$name.log" >"$E2E_TMP/c2p$name" <"$E2E_TMP/p2c$name" &
	E2E_CLIENT_PID=$!
	E2E_PIDS+=("$E2E_CLIENT_PID")
	ip netns exec "$E2E_NS_P" "$TFUNNEL_BIN" "${E2E_OPTS[@]}" "${E2E_PROXY_ARGS[@]}" \
		2>"$E2E_TMP/proxy$name.log" <"$E2E_TMP/c2p$name" >"$E2E_TMP/p2c$name" &
	E2E_PROXY_PID=$!
	E2E_PIDS+=("$E2E_PROXY_PID")
	# This client's own sockets, not only some other instance's on the same port.
	wait_bound "$E2E_NS_C" -Hltnp "$E2E_PORT" 10 "$E2E_CLIENT_PID" "$E2E_CLIENT_PID"
	wait_bound "$E2E_NS_C" -Hlunp "$E2E_PORT" 10 "$E2E_CLIENT_PID" "$E2E_CLIENT_PID"
	tunnel_assert_alive
}

# tunnel_socat_pipe_up: client and proxy joined by socat's EXEC addresses, no ssh.
tunnel_socat_pipe_up() {
	require_progs socat
	tunnel_check_socat_safe "$TFUNNEL_BIN ${E2E_OPTS[*]}"
	spawn tunnel "$E2E_NS_C" socat \
		"EXEC:$(words "$TFUNNEL_BIN" -p "$E2E_PORT" "${E2E_OPTS[@]}")" \
		"EXEC:$(words ip netns exec "$E2E_NS_P" "$TFUNNEL_BIN" "${E2E_OPTS[@]}")"
	E2E_CLIENT_PID=$E2E_LAST_PID
	tunnel_wait_up
}

# tunnel_ssh_up [SSH_HOST]: joined exactly as the seed README does, over the real sshd in P:
# socat EXEC:'tfunnel -p PORT' EXEC:'ssh HOST tfunnel'. Needs sshd_up first.
tunnel_ssh_up() {
	local host=${1:-$E2E_SSH_V4}
	require_progs socat ssh
	tunnel_check_socat_safe "$TFUNNEL_BIN ${E2E_OPTS[*]} $E2E_TMP $host"
	spawn tunnel "$E2E_NS_C" socat \
		"EXEC:$(words "$TFUNNEL_BIN" -p "$E2E_PORT" "${E2E_OPTS[@]}")" \
		"EXEC:$(words ssh -F "$E2E_TMP/ssh_config" "$host" "$TFUNNEL_BIN" "${E2E_OPTS[@]}")"
	E2E_CLIENT_PID=$E2E_LAST_PID
	tunnel_wait_up
}

# words WORD...: the words joined by single spaces (a command line for socat's EXEC).
words() {
	local IFS=' '
	echo "$*"
}

# tunnel_check_socat_safe TEXT: socat gives ',' ':' '!' and quotes a meaning inside an address.
tunnel_check_socat_safe() {
	[[ "$1" != *[,:!\'\"]* ]] || skip "path or option has a character socat would parse: $1"
}

# tunnel_wait_up: the client listens on E2E_PORT in C (TCP and UDP) and is still running.
tunnel_wait_up() {
	wait_listening "$E2E_NS_C" "$E2E_PORT" 10 "$E2E_CLIENT_PID"
	wait_udp_bound "$E2E_NS_C" "$E2E_PORT" 10 "$E2E_CLIENT_PID"
	tunnel_assert_alive
}

tunnel_assert_alive() {
	kill -0 "$E2E_CLIENT_PID" 2>/dev/null || die "the tunnel's client end exited"
	if [[ -n "$E2E_PROXY_PID" ]]; then
		kill -0 "$E2E_PROXY_PID" 2>/dev/null || die "the tunnel's proxy end exited"
	fi
}

# --- servers in P -------------------------------------------------------------------------------

# http_up DIR PORT: a real HTTP server serving DIR on [::]:PORT (IPv4 and IPv6) in P.
http_up() {
	local dir=$1 port=$2
	spawn "http$port" "$E2E_NS_P" "$E2E_PY" -m http.server --bind :: --directory "$dir" "$port"
	wait_listening "$E2E_NS_P" "$port" 10 "$E2E_LAST_PID"
}

# server_up NAME PORT ARGS...: tcp_server.py (beside this file) in P on [::]:PORT; E2E_LAST_PID.
server_up() {
	local name=$1 port=$2
	shift 2
	spawn "$name" "$E2E_NS_P" "$E2E_PY" "$E2E_DIR/tcp_server.py" --port "$port" "$@"
	wait_listening "$E2E_NS_P" "$port" 10 "$E2E_LAST_PID"
}

# udp_server_up NAME MODE PORT...: udp_server.py (beside this file) in P, MODE echo or sink, bound
# to the remote network's addresses on every PORT; E2E_LAST_PID.
udp_server_up() {
	local name=$1 mode=$2 port args=()
	shift 2
	for port in "$@"; do args+=(--port "$port"); done
	spawn "$name" "$E2E_NS_P" "$E2E_PY" "$E2E_DIR/udp_server.py" "$mode" "${args[@]}"
	for port in "$@"; do wait_udp_bound "$E2E_NS_P" "$port" 10 "$E2E_LAST_PID"; done
}

# dns_up NAME ADDRESS...: a real DNS server (dnsmasq) in P on the remote network, port 53, that
# answers NAME with the ADDRESSes (A and AAAA records) and knows nothing else: no upstream
# servers, no /etc/hosts, no config file. --no-daemon: in the foreground, as root, logging to stderr.
dns_up() {
	local name=$1 records
	shift
	require_progs dnsmasq
	records=$(IFS=,; echo "$name,$*")
	spawn dnsmasq "$E2E_NS_P" dnsmasq --no-daemon --log-queries --conf-file=/dev/null \
		--no-resolv --no-hosts --bind-interfaces --port=53 \
		--listen-address="$E2E_REMOTE_V4" --listen-address="$E2E_REMOTE_V6" \
		--host-record="$records"
	wait_udp_bound "$E2E_NS_P" 53 10 "$E2E_LAST_PID"
}

# dig_in_c SERVER TYPE [DIG_OPTION...]: ask SERVER for www.example.test's TYPE record from C.
dig_in_c() {
	local server=$1 type=$2
	shift 2
	in_c 15 dig +tries=1 +time=2 +short "$@" "@$server" www.example.test "$type"
}

# sshd_up: a throw-away sshd in P on the ssh link and the remote network, port 22, root login
# with a throw-away key; writes $E2E_TMP/ssh_config for the client side.
sshd_up() {
	require_progs sshd ssh ssh-keygen
	mkdir -p /run/sshd
	ssh-keygen -q -t ed25519 -N '' -C tfunnel-e2e-host -f "$E2E_TMP/ssh_host_ed25519_key"
	ssh-keygen -q -t ed25519 -N '' -C tfunnel-e2e-user -f "$E2E_TMP/id_ed25519"
	cp "$E2E_TMP/id_ed25519.pub" "$E2E_TMP/authorized_keys"
	sshd_config_text >"$E2E_TMP/sshd_config"
	ssh_config_text >"$E2E_TMP/ssh_config"
	spawn sshd "$E2E_NS_P" "$(command -v sshd)" -D -e -f "$E2E_TMP/sshd_config"
	wait_listening "$E2E_NS_P" 22 10 "$E2E_LAST_PID"
	sshd_check_login
}

# sshd_check_login: a plain login over the ssh link works, so that a later failure is tfunnel's.
sshd_check_login() {
	in_c 15 ssh -F "$E2E_TMP/ssh_config" "$E2E_SSH_V4" true ||
		die "cannot log in to the test sshd as root with a key (a locked root account, '!' in" \
			"/etc/shadow, makes sshd refuse it with UsePAM no); see sshd.log"
}

sshd_config_text() {
	cat <<EOF
ListenAddress $E2E_SSH_V4:22
ListenAddress [$E2E_SSH_V6]:22
ListenAddress $E2E_REMOTE_V4:22
ListenAddress [$E2E_REMOTE_V6]:22
HostKey $E2E_TMP/ssh_host_ed25519_key
PidFile $E2E_TMP/sshd.pid
AuthorizedKeysFile $E2E_TMP/authorized_keys
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
PrintMotd no
MaxStartups 50
EOF
}

# ssh_config_text: client settings; "proxy6" names the proxy host over the IPv6 ssh link
# (socat's EXEC cannot carry the colons of an IPv6 address).
ssh_config_text() {
	cat <<EOF
Host proxy6
	HostName $E2E_SSH_V6
Host *
	User root
	IdentityFile $E2E_TMP/id_ed25519
	IdentitiesOnly yes
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	GlobalKnownHostsFile /dev/null
	BatchMode yes
	LogLevel ERROR
	ConnectTimeout 10
EOF
}

