// The command line: one struct of settings and one parser, shared by both roles.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tfunnel {

struct Options {
  std::optional<std::uint16_t> port;  // set: client mode; unset: proxy mode
  int verbosity = 0;
  std::uint32_t fwmark = 3;
  double connect_timeout = 20.0;  // seconds, proxy side
  double keepalive = 20.0;        // seconds without any frame from the peer: channel dead
  // UDP flow idle timeouts, seconds: before any reply, and once answered.
  // Defaults: netfilter's conntrack values, else 30 and 120.
  double udp_timeout = 30.0;
  double udp_timeout_stream = 120.0;
  // Per session: streams and flows open at once (more are reset), and bytes
  // received but not yet taken by local sockets (past it, the stream that
  // would add more is reset rather than the process growing without bound).
  // Queueing delay the channel control lets build up across the channel
  // (ms): the latency an interactive stream may see behind bulk ones.
  double queue_delay = 5.0;
  std::size_t max_streams = 65536;
  std::size_t max_buffer = 256u << 20;
  // Client: the transport command after `--`, run with the channel on its
  // stdin/stdout; empty: the channel is our own stdin/stdout.
  std::vector<std::string> command;
  bool reconnect = false;  // restart the command when the channel ends
  // Client: start the proxy on this host over ssh (nothing installed there).
  std::string remote;
  std::string ssh_cmd = "ssh";
  // Client: DNS queries to its own resolvers go to the proxy's (--dns);
  // both roles read the resolvers from this file.
  bool dns = false;
  std::string resolv_conf = "/etc/resolv.conf";
  bool help = false;
  bool version = false;

  bool is_client() const noexcept { return port.has_value(); }
};

struct ParseResult {
  std::optional<Options> options;  // unset: parse failed
  std::string error;               // one line, for exit status 2
};

// `conntrack_dir` is where nf_conntrack_udp_timeout{,_stream} are read for
// the UDP defaults (tests pass another directory).
ParseResult options_parse(const std::vector<std::string>& args,
                          const std::string& conntrack_dir = "/proc/sys/net/netfilter");
std::string options_usage();
// `tfunnel --version`: program and protocol version, one line. --remote
// compares it to decide whether the remote tfunnel can be used.
std::string options_version();

}  // namespace tfunnel
