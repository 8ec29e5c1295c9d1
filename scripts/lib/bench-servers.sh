# shellcheck shell=bash
# The servers in P for scripts/bench: sshd, nginx, the echo server and the source of
# zeros (iperf3 servers start per measurement). Sourced, not run: uses the bench's
# globals and helpers (TMP, NS_C, NS_P, SRV_*, bg, wait_listen, die).

servers_up() {
	local life=$((40 * DURATION + 600))
	mkdir -p /run/sshd
	topo_sshd_config "$TMP"
	bg sshd "$NS_P" timeout "$life" /usr/sbin/sshd -D -e -f "$TMP/sshd_config"
	nginx_config "$TMP/nginx"
	bg nginx "$NS_P" timeout "$life" nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf"
	bg echo "$NS_P" timeout "$life" python3 "$SELF_DIR/lib/rtt_probe.py" echo --port "$SRV_ECHO" --lifetime "$life"
	bg zero "$NS_P" timeout "$life" socat -u -b 131072 OPEN:/dev/zero "TCP-LISTEN:$SRV_ZERO,fork,reuseaddr,backlog=64"
	wait_listen "$NS_P" "$TOPO_SSH_PORT" || die "sshd did not start: $(tail -5 "$TMP/sshd.log")"
	wait_listen "$NS_P" "$SRV_HTTP" || die "nginx did not start: $(tail -5 "$TMP/nginx.log")"
	wait_listen "$NS_P" "$SRV_ECHO" || die "echo server did not start: $(tail -5 "$TMP/echo.log")"
	wait_listen "$NS_P" "$SRV_ZERO" || die "zero source did not start: $(tail -5 "$TMP/zero.log")"
	local out
	out=$(topo_in "$NS_C" curl -sS -o /dev/null -w '%{http_code}' --max-time 3 "http://$SRV_HOST:$SRV_HTTP/" 2>&1) || true
	[[ $out == 200 ]] || die "nginx in P does not answer 200 (got: $out): $(tail -3 "$TMP/nginx/error.log" 2>/dev/null)"
	out=$(topo_in "$NS_C" timeout 10 ssh -n -F "$TMP/ssh_config" p echo ok 2>&1) ||
		die "ssh to P fails: $out"
	[[ $out == ok ]] || die "ssh to P prints more than the command's output (breaks a stdio tunnel): $(printf %q "$out")"
}

# nginx_config DIR: one worker serving a 13-byte index.html, no logs, long keep-alive.
nginx_config() {
	local dir=$1
	mkdir -p "$dir/html" "$dir/tmp"
	printf 'hello, bench\n' >"$dir/html/index.html"
	cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process on;
user root;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000;
	keepalive_timeout 60s;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	server {
		listen $SRV_HTTP reuseport backlog=4096;
		listen [::]:$SRV_HTTP reuseport backlog=4096;
		root $dir/html;
	}
}
EOF
}

