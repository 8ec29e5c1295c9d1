// What a session has done and what it is doing, for a person reading stderr:
// counters that the session and its streams bump as things happen, and the
// one line that shows them with the state of the moment (SIGUSR1, -v's
// periodic line, the summary at the session's end). No I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/stream.hpp"

namespace tfunnel {

struct SessionStats {
  // TCP streams and UDP flows open now, and opened since the session began.
  std::uint64_t streams_open = 0;
  std::uint64_t streams_total = 0;
  std::uint64_t flows_open = 0;
  std::uint64_t flows_total = 0;
  // Payload bytes of data frames and datagrams, to the peer and from it.
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  // Every byte written to and read from the channel: headers, control frames
  // and the handshake too, so the difference to the payload is the overhead.
  std::uint64_t channel_sent = 0;
  std::uint64_t channel_received = 0;
  // Resets of streams and refused opens. A UDP flow's idle timeout also
  // travels as a reset, but it is the flow's normal end: not counted.
  std::uint64_t resets_sent = 0;
  std::uint64_t resets_received = 0;
  // Datagrams not sent because the channel was backed up.
  std::uint64_t datagrams_dropped = 0;
  // Streams and flows refused or reset by --max-streams or --max-buffer.
  std::uint64_t limited = 0;

  void opened(StreamKind kind) noexcept {
    if (kind == StreamKind::udp) {
      ++flows_open;
      ++flows_total;
    } else {
      ++streams_open;
      ++streams_total;
    }
  }
  void closed(StreamKind kind) noexcept { --(kind == StreamKind::udp ? flows_open : streams_open); }
};

// What the line shows beside the counters: the state of the moment.
struct SessionGauges {
  double uptime_s = 0;
  std::size_t window = 0;     // the channel's window (channel_control.hpp)
  std::size_t in_flight = 0;  // data bytes written, not yet acknowledged
  double base_rtt_ms = 0;     // 0 before the first sample
  double rate = 0;            // acknowledged bytes per second; 0: no estimate yet
  std::uint32_t stream_window_max = 0;  // the largest window a stream grants now
  std::size_t buffered = 0;   // received, waiting for slow local sockets
};

// One line of `key=value` words, bytes as plain integers, so that a person
// reads it and a script greps it.
std::string session_stats_line(const SessionStats& stats, const SessionGauges& gauges);

}  // namespace tfunnel
