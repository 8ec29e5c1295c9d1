#include "common/channel_control.hpp"

#include <algorithm>

namespace tfunnel {

void ChannelControl::on_ack(std::uint64_t received_total) noexcept {
  // Never behind, never past what was written: a confused peer cannot make
  // room appear.
  if (received_total > acked_ && received_total <= written_) acked_ = received_total;
}

ChannelControl::Clock::duration ChannelControl::base_rtt() const noexcept {
  return mins_.empty() ? Clock::duration{} : mins_.front().rtt;
}

double ChannelControl::rate() const noexcept {
  return rates_.empty() ? 0.0 : *std::max_element(rates_.begin(), rates_.end());
}

std::size_t ChannelControl::quantum(std::size_t max) const noexcept {
  const double r = rate();
  if (r <= 0) return max;
  const double q = r * std::chrono::duration<double>(kQuantumTime).count();
  return std::clamp<std::size_t>(static_cast<std::size_t>(q), std::min<std::size_t>(2048, max), max);
}

void ChannelControl::on_rtt(Clock::time_point sent, Clock::time_point now, std::size_t used) {
  const Clock::duration rtt = now - sent;
  if (rtt < Clock::duration{}) return;
  last_rtt_ = rtt;
  // Only while busy: an idle channel's rate says nothing of its capacity.
  if (rate_at_ != Clock::time_point{} && now > rate_at_ && acked_ > rate_acked_ && used >= kRateBusy) {
    rates_.push_back(static_cast<double>(acked_ - rate_acked_) / std::chrono::duration<double>(now - rate_at_).count());
    if (rates_.size() > kRateSamples) rates_.pop_front();
  }
  rate_at_ = now;
  rate_acked_ = acked_;
  // Windowed minimum: a route or load change raises the base within
  // base_memory instead of leaving the window starved for ever.
  while (!mins_.empty() && mins_.back().rtt >= rtt) mins_.pop_back();
  mins_.push_back({now, rtt});
  while (mins_.front().at < now - s_.base_memory) mins_.pop_front();

  recent_[recent_next_] = rtt;
  recent_next_ = (recent_next_ + 1) % kRecent;
  recent_count_ = std::min(recent_count_ + 1, kRecent);
  // Growth follows the newest sample, a shrink the smallest of the recent
  // ones: a lone late ping holds the window, it takes a lasting queue to cut it.
  const Clock::duration base = base_rtt();
  if (rtt <= base + s_.target) {
    // Only while the window is what limits: an idle channel keeps its size.
    if (used + used / 8 >= window_) window_grow(rtt - base);
    return;
  }
  const Clock::duration lasting = recent_min();
  if (recent_count_ >= kRecentToShrink && lasting > base + s_.target) window_shrink(base, lasting);
}

ChannelControl::Clock::duration ChannelControl::recent_min() const noexcept {
  Clock::duration m = Clock::duration::max();
  for (std::size_t i = 0; i < recent_count_; ++i)
    m = std::min(m, recent_[(recent_next_ + kRecent - 1 - i) % kRecent]);
  return m;
}

// Up by a quarter per round trip until a queue was first seen (the BDP is
// unknown); then by less the nearer the queue is to the target, so the
// window closes in on it without overshooting, yet a long link still fills
// within a few seconds.
void ChannelControl::window_grow(Clock::duration queue) {
  // Half the target reached: the BDP is near, a quarter more per round trip
  // would overshoot it by a quarter before the next sample could tell.
  if (queue > s_.target / 2) fast_ = false;
  const double off_target = 1.0 - std::chrono::duration<double>(queue) / std::chrono::duration<double>(s_.target);
  const double gain = fast_ ? 0.25 : std::max(1.0 / 64, 0.25 * off_target);
  const auto step = static_cast<std::size_t>(static_cast<double>(window_) * gain);
  window_ = std::min(s_.max_window, window_ + std::max(step, kStep));
}

// A queue of (rtt - base) built up: aim at a round trip of base + target,
// then judge the new window by the samples it causes.
void ChannelControl::window_shrink(Clock::duration base, Clock::duration rtt) {
  fast_ = false;
  const double scale = std::chrono::duration<double>(base + s_.target) / std::chrono::duration<double>(rtt);
  window_ = std::max(s_.min_window, static_cast<std::size_t>(static_cast<double>(window_) * scale));
  recent_count_ = 0;
}

}  // namespace tfunnel
