// At most one message per interval for a condition that can repeat for every
// connection or datagram (out of descriptors, an address in use): the log
// stays readable and writing it never becomes the work.
#pragma once

#include <chrono>
#include <cstdint>

namespace tfunnel {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LogThrottle(Clock::duration interval = std::chrono::seconds(5)) : interval_(interval) {}

  // True when a message may be written now; `suppressed()` then tells how
  // many were held back since the last one.
  bool allow(Clock::time_point now = Clock::now()) noexcept {
    if (written_ && now - last_ < interval_) {
      ++pending_;
      return false;
    }
    written_ = true;
    last_ = now;
    suppressed_ = pending_;
    pending_ = 0;
    return true;
  }
  std::uint64_t suppressed() const noexcept { return suppressed_; }

 private:
  Clock::duration interval_;
  Clock::time_point last_{};
  bool written_ = false;
  std::uint64_t pending_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace tfunnel
