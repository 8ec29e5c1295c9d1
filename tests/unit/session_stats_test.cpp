// Specification of a session's counters and their line (common/session_stats.hpp).
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "common/session_stats.hpp"

namespace {
using tfunnel::SessionGauges;
using tfunnel::SessionStats;
using tfunnel::StreamKind;
}  // namespace

BOOST_AUTO_TEST_SUITE(session_stats)

BOOST_AUTO_TEST_CASE(streams_and_flows_are_counted_apart_open_now_and_in_total) {
  SessionStats s;
  s.opened(StreamKind::tcp);
  s.opened(StreamKind::tcp);
  s.opened(StreamKind::udp);
  s.closed(StreamKind::tcp);
  BOOST_TEST(s.streams_open == 1u);
  BOOST_TEST(s.streams_total == 2u);
  BOOST_TEST(s.flows_open == 1u);
  BOOST_TEST(s.flows_total == 1u);
  s.closed(StreamKind::udp);
  BOOST_TEST(s.flows_open == 0u);
  BOOST_TEST(s.flows_total == 1u);
}

BOOST_AUTO_TEST_CASE(the_line_names_every_counter_and_gauge_with_its_value) {
  SessionStats s;
  s.streams_open = 1;
  s.streams_total = 5;
  s.flows_open = 2;
  s.flows_total = 3;
  s.bytes_sent = 1234;
  s.bytes_received = 4194304;
  s.channel_sent = 5678;
  s.channel_received = 4200000;
  s.resets_sent = 6;
  s.resets_received = 7;
  s.datagrams_dropped = 8;
  s.limited = 9;
  SessionGauges g;
  g.uptime_s = 12.34;
  g.window = 262144;
  g.in_flight = 16384;
  g.base_rtt_ms = 0.314;
  g.rate = 125e6;  // bytes/s: 1000 Mbit/s
  g.stream_window_max = 524288;
  g.buffered = 10;
  BOOST_TEST(tfunnel::session_stats_line(s, g) ==
             "uptime_s=12.3 streams_open=1 streams_total=5 flows_open=2 flows_total=3 "
             "bytes_sent=1234 bytes_received=4194304 channel_sent=5678 channel_received=4200000 "
             "resets_sent=6 resets_received=7 datagrams_dropped=8 limited=9 "
             "window=262144 in_flight=16384 base_rtt_ms=0.31 rate_mbit_s=1000.0 stream_window_max=524288 "
             "buffered=10");
}

BOOST_AUTO_TEST_CASE(a_fresh_session_shows_zeros) {
  const std::string line = tfunnel::session_stats_line(SessionStats{}, SessionGauges{});
  BOOST_TEST(line.find("streams_total=0 ") != std::string::npos);
  BOOST_TEST(line.find("base_rtt_ms=0.00 rate_mbit_s=0.0 ") != std::string::npos);
  BOOST_TEST(line.find('\n') == std::string::npos);
}

// The logger cuts lines at 1024 bytes; its prefix takes about 30.
BOOST_AUTO_TEST_CASE(every_counter_at_its_largest_still_fits_one_log_line_whole) {
  constexpr auto big = std::numeric_limits<std::uint64_t>::max();
  SessionStats s{big, big, big, big, big, big, big, big, big, big, big, big};
  SessionGauges g{1e9, std::numeric_limits<std::size_t>::max(), std::numeric_limits<std::size_t>::max(), 1e9,
                  1e12, std::numeric_limits<std::uint32_t>::max(), std::numeric_limits<std::size_t>::max()};
  const std::string line = tfunnel::session_stats_line(s, g);
  BOOST_TEST(line.size() < 900u);
  BOOST_TEST(line.ends_with("buffered=18446744073709551615"));
}

BOOST_AUTO_TEST_SUITE_END()
