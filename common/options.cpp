#include "common/options.hpp"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include <boost/program_options.hpp>

#include "common/protocol.hpp"

namespace tfunnel {

namespace po = boost::program_options;

namespace {

constexpr double kMaxSeconds = 365.0 * 24 * 3600;

// Program_options reads "-1" as 4294967295 for unsigned types: parse by hand.
std::optional<std::uint32_t> parse_u32(const std::string& text) {
  if (text.empty() || text[0] == '-' || text[0] == '+') return std::nullopt;
  try {
    std::size_t used = 0;
    const unsigned long long v = std::stoull(text, &used, 0);
    if (used != text.size() || v > 0xffffffffull) return std::nullopt;
    return static_cast<std::uint32_t>(v);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Counts repeated -v / -vv / --verbose into a verbosity level.
struct Verbosity {
  int level = 0;
};

void validate(boost::any& v, const std::vector<std::string>&, Verbosity*, int) {
  if (v.empty()) v = Verbosity{1};
  else ++boost::any_cast<Verbosity&>(v).level;
}

// A conntrack timeout in seconds, or `fallback` when unreadable.
double conntrack_timeout(const std::string& path, double fallback) {
  std::ifstream in(path);
  double v = 0;
  if (in >> v && v > 0) return v;
  return fallback;
}

Options options_defaults(const std::string& conntrack_dir) {
  Options o;
  o.udp_timeout = conntrack_timeout(conntrack_dir + "/nf_conntrack_udp_timeout", o.udp_timeout);
  o.udp_timeout_stream = conntrack_timeout(conntrack_dir + "/nf_conntrack_udp_timeout_stream", o.udp_timeout_stream);
  return o;
}

po::options_description options_description(Options& o, Verbosity& verbosity) {
  po::options_description d("tfunnel options");
  // clang-format off
  d.add_options()
    ("help,h", po::bool_switch(&o.help), "print this help and exit")
    ("version", po::bool_switch(&o.version), "print the version and exit")
    ("verbose,v", po::value<Verbosity>(&verbosity)->zero_tokens(),
        "more messages on stderr (repeat for more); with -v, a line of counters every 5 s (as SIGUSR1 prints)")
    ("port,p", po::value<std::string>(),
        "client mode: TPROXY listener port (TCP, IPv4 and IPv6); without it, run as the proxy")
    ("queue-delay", po::value<double>(&o.queue_delay)->default_value(o.queue_delay),
        "milliseconds of queue the channel control lets build up in pipes, ssh and the network "
        "before it holds data back (lower: snappier beside downloads; higher: fuller long links)")
    ("max-streams", po::value<std::string>()->default_value(std::to_string(o.max_streams)),
        "TCP streams and UDP flows open at once; more are reset")
    ("max-buffer", po::value<std::string>()->default_value(std::to_string(o.max_buffer >> 20)),
        "MiB of received data waiting for slow local sockets; the stream that would exceed it is reset")
    ("dns", po::bool_switch(&o.dns),
        "client: DNS queries to this host's resolvers (nameservers of --resolv-conf, port 53) are "
        "answered by the proxy host's resolver (the firewall must divert them: tfunnel-firewall --dns)")
    ("resolv-conf", po::value<std::string>(&o.resolv_conf)->default_value(o.resolv_conf),
        "where the resolvers are read: the client's for --dns, the proxy's to answer them")
    ("remote", po::value<std::string>(&o.remote),
        "client: start the proxy on [USER@]HOST over ssh; tfunnel need not be installed there "
        "(this binary is sent when HOST has no tfunnel of the same version)")
    ("ssh-cmd", po::value<std::string>(&o.ssh_cmd)->default_value(o.ssh_cmd),
        "client with --remote: the ssh command and its options, split at spaces (no shell), e.g. 'ssh -F cfg'")
    ("reconnect", po::bool_switch(&o.reconnect),
        "client with -- COMMAND or --remote: restart it (after 1 s, doubling to 32 s) whenever the channel ends")
    ("fwmark", po::value<std::string>()->default_value(std::to_string(o.fwmark)),
        "client: SO_MARK on every packet the client sends itself (decimal or 0x hex)")
    ("connect-timeout", po::value<double>(&o.connect_timeout)->default_value(o.connect_timeout),
        "proxy: seconds to wait for a TCP connect")
    ("keepalive", po::value<double>(&o.keepalive)->default_value(o.keepalive),
        "seconds of silence from the peer after which the channel is dead (pings every 1/4 of it)")
    ("udp_timeout", po::value<double>(&o.udp_timeout)->default_value(o.udp_timeout),
        "seconds before an idle UDP flow that got no reply is closed")
    ("udp_timeout_stream", po::value<double>(&o.udp_timeout_stream)->default_value(o.udp_timeout_stream),
        "seconds before an idle UDP flow that got replies is closed");
  // clang-format on
  return d;
}

}  // namespace

ParseResult options_parse(const std::vector<std::string>& args, const std::string& conntrack_dir) {
  Options o = options_defaults(conntrack_dir);
  Verbosity verbosity;
  const auto desc = options_description(o, verbosity);
  // Everything after `--` is the transport command, passed on untouched.
  const auto dashes = std::find(args.begin(), args.end(), "--");
  const std::vector<std::string> own(args.begin(), dashes);
  if (dashes != args.end()) o.command.assign(dashes + 1, args.end());
  try {
    po::variables_map vm;
    // No positional arguments: `tfunnel 12300` (a forgotten -p) must not
    // silently start a proxy on the terminal.
    po::store(po::command_line_parser(own).options(desc).positional({}).run(), vm);
    po::notify(vm);
    const auto mark = parse_u32(vm["fwmark"].as<std::string>());
    if (!mark) return {std::nullopt, "--fwmark must be a 32-bit unsigned number"};
    o.fwmark = *mark;
    const auto max_streams = parse_u32(vm["max-streams"].as<std::string>());
    if (!max_streams || *max_streams == 0) return {std::nullopt, "--max-streams must be a positive number"};
    o.max_streams = *max_streams;
    const auto max_buffer = parse_u32(vm["max-buffer"].as<std::string>());
    if (!max_buffer || *max_buffer == 0 || *max_buffer > (1u << 20))
      return {std::nullopt, "--max-buffer must be between 1 and 1048576 MiB"};
    o.max_buffer = static_cast<std::size_t>(*max_buffer) << 20;
    if (vm.count("port")) {
      const auto port = parse_u32(vm["port"].as<std::string>());
      if (!port || *port == 0 || *port > 65535) return {std::nullopt, "--port must be between 1 and 65535"};
      o.port = static_cast<std::uint16_t>(*port);
    }
    if (dashes != args.end() && o.command.empty()) return {std::nullopt, "-- must be followed by a command"};
    if (!o.command.empty() && !o.port) return {std::nullopt, "-- COMMAND needs client mode (-p PORT)"};
    if (o.dns && !o.port) return {std::nullopt, "--dns is a client option (with -p PORT)"};
    if (!o.remote.empty()) {
      if (!o.port) return {std::nullopt, "--remote needs client mode (-p PORT)"};
      if (!o.command.empty()) return {std::nullopt, "--remote and -- COMMAND exclude each other"};
      // Passed to ssh as one argument after `--`; still no option look-alike.
      if (o.remote[0] == '-' || std::any_of(o.remote.begin(), o.remote.end(), [](unsigned char c) {
            return c <= ' ' || c == 0x7f || c == '\'' || c == '"' || c == '\\';
          }))
        return {std::nullopt, "--remote: not a host name: " + o.remote};
    }
    if (o.ssh_cmd.find_first_not_of(" \t") == std::string::npos) return {std::nullopt, "--ssh-cmd is empty"};
    if (o.reconnect && o.command.empty() && o.remote.empty()) return {std::nullopt, "--reconnect needs a transport: -- COMMAND or --remote HOST"};
    // Upper bounds keep durations representable in the steady clock.
    if (!(o.connect_timeout > 0 && o.connect_timeout <= kMaxSeconds))
      return {std::nullopt, "--connect-timeout must be between 0 and 31536000 seconds"};
    if (!(o.queue_delay >= 1 && o.queue_delay <= 10000))
      return {std::nullopt, "--queue-delay must be between 1 and 10000 milliseconds"};
    if (!(o.keepalive >= 1 && o.keepalive <= kMaxSeconds))
      return {std::nullopt, "--keepalive must be between 1 and 31536000 seconds"};
    if (!(o.udp_timeout > 0 && o.udp_timeout <= kMaxSeconds && o.udp_timeout_stream > 0 &&
          o.udp_timeout_stream <= kMaxSeconds))
      return {std::nullopt, "--udp_timeout and --udp_timeout_stream must be between 0 and 31536000 seconds"};
    o.verbosity = verbosity.level;
  } catch (const po::error& e) {
    return {std::nullopt, e.what()};
  }
  return {o, {}};
}

std::string options_version() {
  return "tfunnel " TFUNNEL_VERSION " protocol " + std::to_string(protocol::kVersion);
}

std::string options_usage() {
  Options o = options_defaults("/proc/sys/net/netfilter");
  Verbosity v;
  std::ostringstream out;
  out << "Usage:\n"
         "  tfunnel -p PORT [options]   client: TPROXY listener, protocol on stdin/stdout\n"
         "  tfunnel -p PORT [options] -- COMMAND [ARGS...]\n"
         "                              client, protocol over COMMAND's stdin/stdout\n"
         "                              (e.g. -- ssh HOST tfunnel)\n"
         "  tfunnel -p PORT [options] --remote [USER@]HOST\n"
         "                              client, proxy started on HOST over ssh\n"
         "  tfunnel [options]           proxy: protocol on stdin/stdout, unprivileged\n"
         "Join the two with any byte pipe, e.g.\n"
         "  socat EXEC:'tfunnel -p 12300' EXEC:'ssh HOST tfunnel'\n\n"
      << options_description(o, v);
  return out.str();
}

}  // namespace tfunnel
