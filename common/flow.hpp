// Per-stream credit accounting, both directions, without I/O.
//
// The receiver grants the sender a window of bytes; the sender spends it with
// each DATA frame; the receiver returns credit as bytes are written to the
// local socket, coalesced into one CREDIT frame per half window.
#pragma once

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
  // The window we grant; credit is returned once half of it is consumed.
  std::uint32_t recv_window_size = protocol::kInitialWindow;

  void on_sent(std::uint32_t n) noexcept { send_window -= n; }

  // A CREDIT frame arrived; false when it would grow the window past the limit.
  bool on_credit(std::uint32_t n) noexcept {
    if (n == 0 || n > protocol::kMaxWindow - send_window) return false;
    send_window += n;
    return true;
  }

  // A DATA frame arrived; false when it exceeds the credit we granted.
  bool on_received(std::uint32_t n) noexcept {
    if (n > recv_window) return false;
    recv_window -= n;
    return true;
  }

  // n bytes were written to the local socket; returns the credit to send now
  // (0 to keep coalescing).
  std::uint32_t on_written(std::uint32_t n) noexcept {
    recv_unacked += n;
    if (recv_unacked < recv_window_size / 2) return 0;
    const std::uint32_t credit = recv_unacked;
    recv_window += credit;
    recv_unacked = 0;
    return credit;
  }
};

}  // namespace tfunnel
