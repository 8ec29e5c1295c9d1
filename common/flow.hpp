// Per-stream credit accounting, both directions, without I/O.
//
// The receiver grants the sender a window of bytes; the sender spends it with
// each DATA frame; the receiver returns credit as bytes are written to the
// local socket, coalesced into one CREDIT frame per quarter window.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "common/protocol.hpp"

namespace tfunnel {

struct StreamFlow {
  // Bytes we may still send to the peer (its grant minus what we sent).
  std::uint32_t send_window = protocol::kInitialWindow;
  // Bytes the peer may still send us before it must wait for credit.
  std::uint32_t recv_window = protocol::kInitialWindow;
  // Bytes received and written out locally but not yet credited back.
  std::uint32_t recv_unacked = 0;
  // The window we grant; credit is returned once a quarter of it is consumed
  // (a half would leave the sender idle for half of each round trip).
  std::uint32_t recv_window_size = protocol::kInitialWindow;

  void on_sent(std::uint32_t n) noexcept { send_window -= n; }

  // A CREDIT frame arrived; false when it would grow the window past the limit.
  bool on_credit(std::uint32_t n) noexcept {
    if (n == 0 || n > protocol::kMaxWindow - send_window) return false;
    send_window += n;
    return true;
  }

  // The least credit the peer had left since our last credit frame.
  std::uint32_t recv_window_low = protocol::kInitialWindow;

  // A DATA frame arrived; false when it exceeds the credit we granted.
  bool on_received(std::uint32_t n) noexcept {
    if (n > recv_window) return false;
    recv_window -= n;
    recv_window_low = std::min(recv_window_low, recv_window);
    return true;
  }

  // n bytes were written to the local socket; returns the credit to send now
  // (0 to keep coalescing). `keeping_up`: nothing waits for the socket.
  //
  // Auto-tuning: the window limits the sender when it used up nearly all of
  // its credit since our last credit frame, or when a quarter window went by in
  // less than the channel's round trip (window / rtt is then the stream's
  // rate: credit in transit hides the first sign on a long channel). Then,
  // while the local socket keeps up, the window doubles, up to
  // kMaxStreamWindow. A slow or stalled socket never grows its window.
  using Clock = std::chrono::steady_clock;
  std::uint32_t on_written(std::uint32_t n, bool keeping_up, Clock::time_point now = {},
                           Clock::duration channel_rtt = {}) noexcept {
    recv_unacked += n;
    if (recv_unacked < recv_window_size / 4) return 0;
    std::uint32_t credit = recv_unacked;
    const bool quick = channel_rtt > Clock::duration{} && now - last_credit_at < channel_rtt;
    last_credit_at = now;
    if (keeping_up && (recv_window_low < recv_window_size / 4 || quick) && recv_window_size < kMaxStreamWindow) {
      const std::uint32_t growth = std::min(recv_window_size, kMaxStreamWindow - recv_window_size);
      recv_window_size += growth;
      credit += growth;
    }
    recv_window += credit;
    recv_window_low = recv_window;
    recv_unacked = 0;
    return credit;
  }

  static constexpr std::uint32_t kMaxStreamWindow = 8u << 20;
  Clock::time_point last_credit_at{};
};

}  // namespace tfunnel
