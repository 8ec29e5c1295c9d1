// How many data bytes one side keeps in flight across the channel, without
// I/O. The bytes written and not yet acknowledged by the peer sit in pipes,
// ssh's buffers and the network's queues; past the bandwidth-delay product
// they only add delay for every stream, interactive ones included. So the
// window follows the channel's round trip (pings), delay-based like Vegas or
// LEDBAT: it grows while the round trip stays within `target` of the smallest
// one seen lately and the window is in use, and shrinks in proportion when
// the round trip says a queue has built.
//
// A queue is judged on the smallest of the last few samples, not on each:
// ssh sends what it read as one packet, and a ping that lands behind a whole
// packet (13 ms of a 10 Mbit/s line for 16 KiB), or behind a process waiting
// for a CPU, sees a delay that no standing queue causes. A standing queue
// delays every sample.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>

namespace tfunnel {

class ChannelControl {
 public:
  using Clock = std::chrono::steady_clock;

  struct Settings {
    std::size_t min_window = 32 * 1024;
    std::size_t max_window = 64u << 20;
    std::size_t initial_window = 256 * 1024;
    Clock::duration target = std::chrono::milliseconds(5);  // queueing delay allowed
    Clock::duration base_memory = std::chrono::seconds(10);  // how long a minimum counts
  };

  ChannelControl() : ChannelControl(Settings{}) {}
  explicit ChannelControl(const Settings& s) : s_(s), window_(s.initial_window) {}

  // Data payload bytes written to the channel.
  void on_written(std::size_t n) noexcept { written_ += n; }
  // The peer's count of data payload bytes it received (cumulative).
  void on_ack(std::uint64_t received_total) noexcept;
  // A round trip measured by a ping sent at `sent` and answered at `now`;
  // `used` is the most this side had outstanding since the previous sample.
  void on_rtt(Clock::time_point sent, Clock::time_point now, std::size_t used);

  std::size_t window() const noexcept { return window_; }
  std::size_t in_flight() const noexcept { return static_cast<std::size_t>(written_ - acked_); }
  // What may still be reserved or queued: the window minus what is in flight.
  std::size_t room() const noexcept { return window_ > in_flight() ? window_ - in_flight() : 0; }
  Clock::duration base_rtt() const noexcept;
  // Acknowledged bytes per second, the most seen over the last few round
  // trips; 0 before there is an estimate.
  double rate() const noexcept;
  // How much one read may take from a socket: what the channel carries in
  // kQuantumTime, between 2 KiB and `max`. On a slow channel a 16 KiB frame
  // alone would hold an interactive stream's frame back by 13 ms at 10 Mbit/s.
  std::size_t quantum(std::size_t max) const noexcept;
  static constexpr Clock::duration kQuantumTime = std::chrono::milliseconds(2);
  Clock::duration last_rtt() const noexcept { return last_rtt_; }

 private:
  struct Sample {
    Clock::time_point at;
    Clock::duration rtt;
  };

  // The least growth per round trip: small next to a slow line's BDP.
  static constexpr std::size_t kStep = 4096;
  static constexpr std::size_t kRateBusy = 16384;
  // Samples whose minimum judges the queue.
  static constexpr std::size_t kRecent = 2;
  static constexpr std::size_t kRecentToShrink = 2;

  Clock::duration recent_min() const noexcept;
  void window_grow(Clock::duration queue);
  void window_shrink(Clock::duration base, Clock::duration rtt);

  Settings s_;
  std::size_t window_;
  bool fast_ = true;  // no queue seen yet: the BDP is unknown
  // The last samples since the window last shrank, newest at recent_next_ - 1.
  std::array<Clock::duration, kRecent> recent_{};
  std::size_t recent_count_ = 0;
  std::size_t recent_next_ = 0;
  std::uint64_t written_ = 0;
  std::uint64_t acked_ = 0;
  // Candidates for the windowed minimum, increasing in rtt and time.
  std::deque<Sample> mins_;
  Clock::duration last_rtt_{};
  // Delivery rate samples, one per round trip.
  static constexpr std::size_t kRateSamples = 8;
  std::deque<double> rates_;
  Clock::time_point rate_at_{};
  std::uint64_t rate_acked_ = 0;
};

}  // namespace tfunnel
