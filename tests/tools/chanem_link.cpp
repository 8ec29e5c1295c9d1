#include "tests/tools/chanem_link.hpp"

#include <algorithm>
#include <cmath>

namespace chanem {

namespace {

constexpr std::size_t kMinBuffer = 64 * 1024;
constexpr std::size_t kMinQuantum = 1500;

// Bytes sent at `rate_bps` in `d`.
double link_bytes_in(Duration d, double rate_bps) {
  return rate_bps / 8.0 * std::chrono::duration<double>(d).count();
}

}  // namespace

std::size_t link_default_buffer(Duration delay, double rate_bps) {
  const double bdp = link_bytes_in(2 * delay, rate_bps);
  return std::max(kMinBuffer, static_cast<std::size_t>(std::ceil(bdp)));
}

Link::Link(const LinkConfig& config)
    : delay_(config.delay),
      ns_per_byte_(8e9 / config.rate_bps),
      buffer_(std::max<std::size_t>(config.buffer, 1)),
      quantum_(std::max(kMinQuantum, static_cast<std::size_t>(config.rate_bps / 8e3))),
      read_size_(std::min(quantum_, buffer_)),
      hold_limit_(buffer_ + static_cast<std::size_t>(std::ceil(link_bytes_in(delay_, config.rate_bps))) +
                  quantum_) {}

Duration Link::send_time(std::size_t n) const {
  return Duration(std::llround(static_cast<double>(n) * ns_per_byte_));
}

std::size_t Link::queued(Time now) const {
  if (busy_until_ <= now) return 0;
  const auto ns = static_cast<double>((busy_until_ - now).count());
  return static_cast<std::size_t>(std::llround(ns / ns_per_byte_));
}

std::size_t Link::room(Time now) const {
  if (eof_pushed_) return 0;
  const std::size_t q = queued(now);
  const std::size_t queue_room = buffer_ > q ? buffer_ - q : 0;
  const std::size_t hold_room = hold_limit_ > held_ ? hold_limit_ - held_ : 0;
  return std::min(queue_room, hold_room);
}

Time Link::room_at(Time now) const {
  if (eof_pushed_) return Time::max();
  if (room(now) >= read_size_) return now;
  if (hold_limit_ < held_ + read_size_) return Time::max();
  const Time t = busy_until_ - send_time(buffer_ - read_size_);
  // Rounding must never make the caller spin on a time already past.
  return std::max(t, now + std::chrono::microseconds(1));
}

void Link::push(Time now, std::span<const std::uint8_t> bytes) {
  if (bytes.empty() || eof_pushed_) return;
  const Time start = std::max(now, busy_until_);
  for (std::size_t i = 0; i < bytes.size(); i += quantum_) {
    const std::size_t n = std::min(quantum_, bytes.size() - i);
    const auto part = bytes.subspan(i, n);
    segments_.push_back(Segment{start + send_time(i + n) + delay_, {part.begin(), part.end()}});
  }
  busy_until_ = start + send_time(bytes.size());
  held_ += bytes.size();
}

void Link::push_eof(Time now) {
  if (eof_pushed_) return;
  eof_pushed_ = true;
  segments_.push_back(Segment{std::max(now, busy_until_) + delay_, {}, 0, true});
}

std::span<const std::uint8_t> Link::ready(Time now) const {
  if (segments_.empty()) return {};
  const Segment& s = segments_.front();
  if (s.eof || s.due > now) return {};
  return std::span<const std::uint8_t>(s.bytes).subspan(s.offset);
}

void Link::consume(std::size_t n) {
  if (segments_.empty()) return;
  Segment& s = segments_.front();
  n = std::min(n, s.bytes.size() - s.offset);
  s.offset += n;
  held_ -= n;
  if (!s.eof && s.offset == s.bytes.size()) segments_.pop_front();
}

bool Link::eof_ready(Time now) const {
  return !segments_.empty() && segments_.front().eof && segments_.front().due <= now;
}

Time Link::next_due() const { return segments_.empty() ? Time::max() : segments_.front().due; }

}  // namespace chanem
