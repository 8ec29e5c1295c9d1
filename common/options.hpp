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
  bool help = false;
  bool version = false;

  bool is_client() const noexcept { return port.has_value(); }
};

struct ParseResult {
  std::optional<Options> options;  // unset: parse failed
  std::string error;               // one line, for exit status 2
};

ParseResult options_parse(const std::vector<std::string>& args);
std::string options_usage();

}  // namespace tfunnel
