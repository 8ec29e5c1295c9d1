#include "common/session_stats.hpp"

#include <algorithm>
#include <cstdio>

namespace tfunnel {

namespace {
unsigned long long ull(std::uint64_t v) { return static_cast<unsigned long long>(v); }
}  // namespace

std::string session_stats_line(const SessionStats& s, const SessionGauges& g) {
  char line[640];
  const int n = std::snprintf(
      line, sizeof line,
      "uptime_s=%.1f streams_open=%llu streams_total=%llu flows_open=%llu flows_total=%llu "
      "bytes_sent=%llu bytes_received=%llu channel_sent=%llu channel_received=%llu "
      "resets_sent=%llu resets_received=%llu datagrams_dropped=%llu limited=%llu "
      "window=%zu in_flight=%zu base_rtt_ms=%.2f rate_mbit_s=%.1f stream_window_max=%lu buffered=%zu",
      g.uptime_s, ull(s.streams_open), ull(s.streams_total), ull(s.flows_open), ull(s.flows_total),
      ull(s.bytes_sent), ull(s.bytes_received), ull(s.channel_sent), ull(s.channel_received),
      ull(s.resets_sent), ull(s.resets_received), ull(s.datagrams_dropped), ull(s.limited), g.window,
      g.in_flight, g.base_rtt_ms, g.rate * 8 / 1e6, static_cast<unsigned long>(g.stream_window_max),
      g.buffered);
  return n < 0 ? std::string() : std::string(line, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof line - 1));
}

}  // namespace tfunnel
