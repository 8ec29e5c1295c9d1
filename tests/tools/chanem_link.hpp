// One direction of an emulated channel, without I/O: a router's queue that
// serialises bytes at a fixed rate, followed by a wire with a fixed delay.
//
// Bytes pushed at time t join the back of the queue; the queue sends them at
// `rate`, and each segment (at most `quantum()` bytes) is delivered `delay`
// after its last byte left the queue. The queue holds at most `buffer` bytes
// not yet sent; the caller asks room() before pushing and stops reading its
// input while there is none, so a byte stream is held back, never dropped.
// Bytes delivered but not yet taken by the caller (a blocked reader) also
// count: once they and the queue and the wire together hold the most a
// flowing channel ever holds, room() stays 0 until the caller consumes.
// An EOF travels like a byte: it is due when the bytes before it are out of
// the queue, plus the delay.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

namespace chanem {

using Clock = std::chrono::steady_clock;
using Time = Clock::time_point;
using Duration = std::chrono::nanoseconds;

struct LinkConfig {
  Duration delay{};         // one way, from leaving the queue to delivery
  double rate_bps = 1e8;    // bits per second, > 0
  std::size_t buffer = 0;   // bytes the queue holds at most, > 0
};

// The queue size chanem uses when none is given: one bandwidth-delay product
// of the round trip (2 x delay), at least 64 KiB.
std::size_t link_default_buffer(Duration delay, double rate_bps);

class Link {
 public:
  explicit Link(const LinkConfig& config);

  // Bytes push() may take at `now` (0 when the queue is full).
  std::size_t room(Time now) const;
  // The size of one read: room() is worth a read once it reaches this.
  std::size_t read_size() const { return read_size_; }
  // When room() reaches read_size() by sending alone; Time::max() when it
  // waits for consume() (or when no more bytes may come after an EOF).
  Time room_at(Time now) const;

  // Queues `bytes` (at most room(now) of them) arriving at `now`.
  void push(Time now, std::span<const std::uint8_t> bytes);
  // The input ended at `now`; nothing may be pushed after it.
  void push_eof(Time now);

  // The undelivered bytes of the front segment if it is due at `now`, else
  // an empty span.
  std::span<const std::uint8_t> ready(Time now) const;
  // The caller delivered the first `n` bytes of ready().
  void consume(std::size_t n);
  // The EOF is at the front and due: every byte before it was consumed.
  bool eof_ready(Time now) const;
  // When the front (a segment or the EOF) is due; Time::max() if none.
  Time next_due() const;

  // Bytes accepted and not yet sent by the queue, at `now`.
  std::size_t queued(Time now) const;
  // Bytes accepted and not yet consumed (queued, on the wire, or delivered
  // and waiting for the caller).
  std::size_t held() const { return held_; }
  bool eof_pushed() const { return eof_pushed_; }
  // Largest segment: about 1 ms of sending, at least 1500 bytes.
  std::size_t quantum() const { return quantum_; }

 private:
  struct Segment {
    Time due;
    std::vector<std::uint8_t> bytes;  // empty for the EOF
    std::size_t offset = 0;           // bytes already consumed
    bool eof = false;
  };

  // Time the queue takes to send `n` bytes.
  Duration send_time(std::size_t n) const;

  Duration delay_;
  double ns_per_byte_;
  std::size_t buffer_;
  std::size_t quantum_;
  std::size_t read_size_;
  std::size_t hold_limit_;  // buffer + bytes on the wire + one segment
  Time busy_until_{};       // when the queue has sent all it holds
  std::size_t held_ = 0;
  bool eof_pushed_ = false;
  std::deque<Segment> segments_;
};

}  // namespace chanem
