// Specification of the command line (common/options.{hpp,cpp}).
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/options.hpp"

namespace {

using tfunnel::Options;
using tfunnel::options_parse;
using tfunnel::options_usage;
using Args = std::vector<std::string>;

Options parse_ok(const Args& args) {
  const auto r = options_parse(args);
  BOOST_TEST_REQUIRE(r.options.has_value(), "parse failed: " << r.error);
  BOOST_TEST(r.error.empty());
  return *r.options;
}

std::string join(const Args& args) {
  std::string s;
  for (const auto& a : args) s += (s.empty() ? "" : " ") + a;
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(options)

BOOST_AUTO_TEST_CASE(no_arguments_is_the_proxy_with_defaults) {
  const Options o = parse_ok({});
  BOOST_TEST(!o.is_client());
  BOOST_TEST(!o.port.has_value());
  BOOST_TEST(o.verbosity == 0);
  BOOST_TEST(o.fwmark == 3u);
  BOOST_TEST(o.connect_timeout == 20.0);
  BOOST_TEST(o.keepalive == 20.0);
  BOOST_TEST(!o.help);
  BOOST_TEST(!o.version);
}

BOOST_AUTO_TEST_CASE(proxy_mode_without_p_takes_the_other_options) {
  const Options o = parse_ok({"-v", "--connect-timeout", "5", "--keepalive", "30"});
  BOOST_TEST(!o.is_client());
  BOOST_TEST(o.verbosity == 1);
  BOOST_TEST(o.connect_timeout == 5.0);
  BOOST_TEST(o.keepalive == 30.0);
}

BOOST_AUTO_TEST_CASE(a_port_selects_client_mode) {
  for (const Args& args : {Args{"-p", "12300"}, Args{"-p12300"}, Args{"--port", "12300"},
                           Args{"--port=12300"}}) {
    BOOST_TEST_CONTEXT("args: " << join(args)) {
      const Options o = parse_ok(args);
      BOOST_TEST(o.is_client());
      BOOST_TEST_REQUIRE(o.port.has_value());
      BOOST_TEST(*o.port == 12300);
    }
  }
}

BOOST_AUTO_TEST_CASE(port_accepts_1_through_65535) {
  BOOST_TEST(*parse_ok({"-p", "1"}).port == 1);
  BOOST_TEST(*parse_ok({"-p", "65535"}).port == 65535);
}

BOOST_AUTO_TEST_CASE(verbose_counts_each_repetition) {
  struct Case {
    Args args;
    int level;
  };
  for (const auto& c : {Case{{"-v"}, 1}, Case{{"--verbose"}, 1}, Case{{"-v", "-v"}, 2},
                        Case{{"-vv"}, 2}, Case{{"-vvv"}, 3}, Case{{"-v", "--verbose", "-vv"}, 4},
                        Case{{"-p", "80", "-v", "-v"}, 2}}) {
    BOOST_TEST_CONTEXT("args: " << join(c.args)) { BOOST_TEST(parse_ok(c.args).verbosity == c.level); }
  }
}

BOOST_AUTO_TEST_CASE(fwmark_sets_the_socket_mark) {
  BOOST_TEST(parse_ok({"--fwmark", "2"}).fwmark == 2u);
  BOOST_TEST(parse_ok({"--fwmark=0"}).fwmark == 0u);
  BOOST_TEST(parse_ok({"--fwmark", "4294967295"}).fwmark == 4294967295u);
}

BOOST_AUTO_TEST_CASE(connect_timeout_and_keepalive_take_seconds) {
  const Options o = parse_ok({"--connect-timeout", "2.5", "--keepalive=1"});
  BOOST_TEST(o.connect_timeout == 2.5);
  BOOST_TEST(o.keepalive == 1.0);
}

BOOST_AUTO_TEST_CASE(help_and_version_are_flags) {
  BOOST_TEST(parse_ok({"--help"}).help);
  BOOST_TEST(parse_ok({"-h"}).help);
  BOOST_TEST(!parse_ok({"--help"}).version);
  BOOST_TEST(parse_ok({"--version"}).version);
  BOOST_TEST(!parse_ok({"--version"}).help);
}

BOOST_AUTO_TEST_CASE(usage_lists_every_option) {
  const std::string u = options_usage();
  for (const char* s : {"Usage:", "--help", "--version", "--verbose", "--port", "--fwmark",
                        "--connect-timeout", "--keepalive", "-p", "-v", "socat"}) {
    BOOST_TEST_CONTEXT("looking for " << s) { BOOST_TEST(u.find(s) != std::string::npos); }
  }
}

// A bad option or value fails the parse with one line naming the problem.
BOOST_AUTO_TEST_CASE(bad_options_and_values_fail_with_a_one_line_error) {
  struct Case {
    std::string name;
    Args args;
    std::string mentions;  // a word the message must contain
  };
  const std::vector<Case> cases = {
      {"unknown long option", {"--bogus"}, "bogus"},
      {"unknown short option", {"-x"}, "-x"},
      {"port without a value", {"-p"}, "port"},
      {"port not a number", {"-p", "abc"}, "port"},
      {"port with trailing junk", {"-p", "80x"}, "port"},
      {"port 0", {"-p", "0"}, "port"},
      {"port 65536", {"-p", "65536"}, "port"},
      {"port 70000", {"-p", "70000"}, "port"},
      {"port negative", {"--port=-1"}, "port"},
      {"port twice", {"-p", "80", "-p", "81"}, "port"},
      {"fwmark not a number", {"--fwmark", "x"}, "fwmark"},
      {"fwmark too large", {"--fwmark", "4294967296"}, "fwmark"},
      {"fwmark negative", {"--fwmark=-1"}, "fwmark"},
      {"connect timeout 0", {"--connect-timeout", "0"}, "connect-timeout"},
      {"connect timeout negative", {"--connect-timeout=-3"}, "connect-timeout"},
      {"connect timeout not a number", {"--connect-timeout", "soon"}, "connect-timeout"},
      {"connect timeout nan", {"--connect-timeout", "nan"}, "connect-timeout"},
      {"keepalive below a second", {"--keepalive", "0.5"}, "keepalive"},
      {"keepalive not a number", {"--keepalive", "x"}, "keepalive"},
      {"verbose with a value", {"--verbose=2"}, "verbose"},
      {"max-streams 0", {"--max-streams", "0"}, "max-streams"},
      {"max-streams negative", {"--max-streams=-5"}, "max-streams"},
      {"max-buffer 0", {"--max-buffer", "0"}, "max-buffer"},
      {"max-buffer too large", {"--max-buffer", "1048577"}, "max-buffer"},
      {"remote without client mode", {"--remote", "h"}, "-p"},
      {"remote like an option", {"-p", "1", "--remote", "-oProxyCommand=x"}, "remote"},
      {"remote with a space", {"-p", "1", "--remote", "h x"}, "remote"},
      {"remote with a quote", {"-p", "1", "--remote", "h'"}, "remote"},
      {"remote and a command", {"-p", "1", "--remote", "h", "--", "ssh"}, "remote"},
      {"empty ssh-cmd", {"-p", "1", "--remote", "h", "--ssh-cmd", " "}, "ssh-cmd"},
      {"dns on the proxy", {"--dns"}, "dns"},
      {"command without client mode", {"--", "ssh", "h"}, "-p"},
      {"-- without a command", {"-p", "1", "--"}, "command"},
      {"reconnect without a command", {"-p", "1", "--reconnect"}, "reconnect"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("case " << c.name << ": " << join(c.args)) {
      const auto r = options_parse(c.args);
      BOOST_TEST(!r.options.has_value());
      BOOST_TEST(!r.error.empty());
      BOOST_TEST(r.error.find('\n') == std::string::npos);
      BOOST_TEST(r.error.find(c.mentions) != std::string::npos, "error: " << r.error);
    }
  }
}

// Timeouts become steady_clock durations (int64 nanoseconds, about 292
// years); a larger value must be refused, not overflow into a negative
// timeout that fires at once.
BOOST_AUTO_TEST_CASE(timeouts_too_large_for_the_clock_are_rejected) {
  for (const Args& args : {Args{"--connect-timeout", "inf"}, Args{"--connect-timeout", "1e10"},
                           Args{"--connect-timeout", "1e300"}, Args{"--keepalive", "inf"},
                           Args{"--keepalive", "1e10"}, Args{"--keepalive", "1e300"}}) {
    BOOST_TEST_CONTEXT("args: " << join(args)) {
      const auto r = options_parse(args);
      BOOST_TEST(!r.options.has_value());
      BOOST_TEST(r.error.find('\n') == std::string::npos);
    }
  }
  // A long but representable timeout is fine.
  BOOST_TEST(parse_ok({"--connect-timeout", "86400", "--keepalive", "86400"}).keepalive == 86400.0);
}

// `tfunnel 12300` (the -p forgotten) must not silently run as the proxy.
BOOST_AUTO_TEST_CASE(a_stray_argument_is_rejected) {
  for (const Args& args : {Args{"12300"}, Args{"-p", "12300", "extra"}, Args{"--", "x"},
                           Args{"extra", "-p", "1", "--", "ssh"}}) {
    BOOST_TEST_CONTEXT("args: " << join(args)) {
      const auto r = options_parse(args);
      BOOST_TEST(!r.options.has_value());
      BOOST_TEST(!r.error.empty());
      BOOST_TEST(r.error.find('\n') == std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(stream_and_buffer_caps_are_read) {
  const Options d = parse_ok({});
  BOOST_TEST(d.max_streams == 65536u);
  BOOST_TEST(d.max_buffer == std::size_t{256} << 20);
  const Options o = parse_ok({"--max-streams", "64", "--max-buffer", "8"});
  BOOST_TEST(o.max_streams == 64u);
  BOOST_TEST(o.max_buffer == std::size_t{8} << 20);
}

// After `--`, every word is the transport command's, even ones that look
// like our options.
BOOST_AUTO_TEST_CASE(the_words_after_dashes_are_the_transport_command) {
  const Options o = parse_ok({"-p", "12300", "--reconnect", "--", "ssh", "-p", "2222", "host", "tfunnel", "-v", "--"});
  BOOST_TEST(o.port.value_or(0) == 12300);
  BOOST_TEST(o.reconnect);
  BOOST_TEST(o.verbosity == 0);
  const std::vector<std::string> want{"ssh", "-p", "2222", "host", "tfunnel", "-v", "--"};
  BOOST_TEST(o.command == want, boost::test_tools::per_element());
  BOOST_TEST(parse_ok({"-p", "1"}).command.empty());
}

// A conntrack-like directory holding the two timeout files.
struct ConntrackDir {
  std::string path;
  explicit ConntrackDir(const char* unanswered, const char* answered) {
    char tmpl[] = "/tmp/tfunnel-conntrack-XXXXXX";
    path = ::mkdtemp(tmpl);
    if (unanswered) std::ofstream(path + "/nf_conntrack_udp_timeout") << unanswered << "\n";
    if (answered) std::ofstream(path + "/nf_conntrack_udp_timeout_stream") << answered << "\n";
  }
  ~ConntrackDir() { std::filesystem::remove_all(path); }
};

BOOST_AUTO_TEST_CASE(defaults_come_from_conntrack) {
  const ConntrackDir dir("45", "300");
  const auto r = options_parse({}, dir.path);
  BOOST_TEST_REQUIRE(r.options.has_value());
  BOOST_TEST(r.options->udp_timeout == 45.0);
  BOOST_TEST(r.options->udp_timeout_stream == 300.0);
}

BOOST_AUTO_TEST_CASE(defaults_are_30_and_120_without_conntrack) {
  const ConntrackDir dir(nullptr, "junk");
  const auto r = options_parse({}, dir.path);
  BOOST_TEST_REQUIRE(r.options.has_value());
  BOOST_TEST(r.options->udp_timeout == 30.0);
  BOOST_TEST(r.options->udp_timeout_stream == 120.0);
}

BOOST_AUTO_TEST_CASE(options_override_conntrack) {
  const ConntrackDir dir("45", "300");
  const auto r = options_parse({"--udp_timeout", "2", "--udp_timeout_stream", "3.5"}, dir.path);
  BOOST_TEST_REQUIRE(r.options.has_value());
  BOOST_TEST(r.options->udp_timeout == 2.0);
  BOOST_TEST(r.options->udp_timeout_stream == 3.5);
}

BOOST_AUTO_TEST_CASE(non_positive_or_huge_timeouts_are_rejected) {
  for (const Args& args : {Args{"--udp_timeout", "0"}, Args{"--udp_timeout_stream", "-1"},
                           Args{"--udp_timeout", "1e300"}, Args{"--udp_timeout_stream", "inf"}}) {
    BOOST_TEST_CONTEXT(join(args)) {
      const auto r = options_parse(args);
      BOOST_TEST(!r.options.has_value());
      BOOST_TEST(r.error.find('\n') == std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
