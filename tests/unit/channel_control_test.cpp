// Specification of ChannelControl (common/channel_control.hpp), on synthetic
// traces: a link of a given rate and base round trip whose queue delays every
// byte beyond the bandwidth-delay product.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>

#include "common/channel_control.hpp"

namespace {

using tfunnel::ChannelControl;
using Clock = ChannelControl::Clock;
using namespace std::chrono_literals;

// A sender that always has data, over a link of `bytes_per_s` and `base`
// round trip: each round it fills the window, and the round trip it sees is
// the base plus the time the bytes beyond the BDP wait in the queue.
struct Link {
  double bytes_per_s;
  Clock::duration base;

  Clock::duration rtt_for(std::size_t in_flight) const {
    const double bdp = bytes_per_s * std::chrono::duration<double>(base).count();
    const double queued = std::max(0.0, static_cast<double>(in_flight) - bdp);
    return base + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(queued / bytes_per_s));
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(channel_control)

BOOST_AUTO_TEST_CASE(acks_free_room_and_never_move_backwards) {
  ChannelControl c;
  const std::size_t w = c.window();
  BOOST_TEST(c.room() == w);
  c.on_written(100000);
  BOOST_TEST(c.in_flight() == 100000u);
  BOOST_TEST(c.room() == w - 100000);
  c.on_ack(60000);
  BOOST_TEST(c.in_flight() == 40000u);
  c.on_ack(50000);  // older count: ignored
  BOOST_TEST(c.in_flight() == 40000u);
  c.on_ack(200000);  // more than was written: ignored
  BOOST_TEST(c.in_flight() == 40000u);
  c.on_ack(100000);
  BOOST_TEST(c.in_flight() == 0u);
}

BOOST_AUTO_TEST_CASE(base_rtt_is_the_windowed_minimum) {
  ChannelControl c;
  const auto t0 = Clock::time_point() + 1h;
  c.on_rtt(t0, t0 + 50ms, 0);
  c.on_rtt(t0 + 1s, t0 + 1s + 20ms, 0);
  c.on_rtt(t0 + 2s, t0 + 2s + 30ms, 0);
  BOOST_TEST((c.base_rtt() == 20ms));
  // Ten seconds later the 20 ms sample is forgotten: the route changed.
  c.on_rtt(t0 + 12s, t0 + 12s + 40ms, 0);
  BOOST_TEST((c.base_rtt() == 30ms || c.base_rtt() == 40ms));
  c.on_rtt(t0 + 13s, t0 + 13s + 40ms, 0);
  BOOST_TEST((c.base_rtt() == 40ms));
}

BOOST_AUTO_TEST_CASE(an_unused_window_does_not_grow) {
  ChannelControl c;
  const auto t0 = Clock::time_point() + 1h;
  const std::size_t w = c.window();
  for (int i = 0; i < 50; ++i) c.on_rtt(t0 + i * 10ms, t0 + i * 10ms + 1ms, 1000);
  BOOST_TEST(c.window() == w);
}

// 100 Mbit/s, 80 ms: the BDP is 1 MB. From its first window the control
// reaches the line's rate within a few seconds and keeps the queue near
// `target`, well under the goal of idle + 10 ms.
BOOST_AUTO_TEST_CASE(a_long_fat_link_gets_its_bdp_and_a_short_queue) {
  ChannelControl c;
  const Link link{100e6 / 8, 80ms};
  auto now = Clock::time_point() + 1h;
  Clock::duration rtt{};
  for (int i = 0; i < 100; ++i) {
    const std::size_t w = c.window();
    rtt = link.rtt_for(w);
    c.on_rtt(now, now + rtt, w);
    now += rtt;
  }
  const double bdp = 1e6;
  BOOST_TEST(static_cast<double>(c.window()) >= 0.9 * bdp);
  BOOST_TEST((rtt <= 80ms + 12ms));
  BOOST_TEST((c.base_rtt() == 80ms));
}

// 10 Mbit/s, 20 ms: the BDP (25 kB) is below the first window; the window
// shrinks until the queue is about `target`.
BOOST_AUTO_TEST_CASE(a_slow_link_sheds_its_queue) {
  ChannelControl c;
  const Link link{10e6 / 8, 20ms};
  auto now = Clock::time_point() + 1h;
  Clock::duration rtt{};
  // The first samples meet an empty link: they set the base.
  c.on_rtt(now, now + 20ms, 0);
  for (int i = 0; i < 100; ++i) {
    const std::size_t w = c.window();
    rtt = link.rtt_for(w);
    c.on_rtt(now, now + rtt, w);
    now += rtt;
  }
  const double ms = std::chrono::duration<double>(rtt).count() * 1000;
  BOOST_TEST_MESSAGE("rtt " << ms << " ms, window " << c.window());
  BOOST_TEST((rtt <= 20ms + 15ms));
  BOOST_TEST(c.window() >= 25000u);  // still at least the BDP: the line stays full
  BOOST_TEST(c.window() >= ChannelControl::Settings{}.min_window);
}

// A local pipe: round trips far below the target never shrink the window,
// which grows to its maximum while in use.
BOOST_AUTO_TEST_CASE(a_fast_local_pipe_is_not_held_back) {
  ChannelControl c;
  auto now = Clock::time_point() + 1h;
  for (int i = 0; i < 200; ++i) {
    c.on_rtt(now, now + 300us, c.window());
    now += 1ms;
  }
  BOOST_TEST(c.window() == ChannelControl::Settings{}.max_window);
}

// One late ping (it waited behind a whole ssh packet, or for a CPU) is no
// standing queue: the window holds; two in a row cut it.
BOOST_AUTO_TEST_CASE(one_late_sample_holds_the_window_two_cut_it) {
  ChannelControl c;
  auto now = Clock::time_point() + 1h;
  c.on_rtt(now, now + 20ms, 0);  // the base
  now += 20ms;
  const std::size_t w = c.window();
  c.on_rtt(now, now + 40ms, w);
  BOOST_TEST(c.window() == w);
  now += 40ms;
  c.on_rtt(now, now + 21ms, w);  // back near the base: grows again
  BOOST_TEST(c.window() > w);
  now += 21ms;
  const std::size_t grown = c.window();
  c.on_rtt(now, now + 40ms, grown);
  now += 40ms;
  c.on_rtt(now, now + 45ms, grown);
  BOOST_TEST(c.window() < grown);
  // The cut aims at base + target for the smaller of the two: 25 / 40.
  BOOST_TEST(c.window() == static_cast<std::size_t>(static_cast<double>(grown) * 25.0 / 40.0));
}

// ssh's packets: every other ping waits behind one (13 ms at 10 Mbit/s); the
// smaller samples show no standing queue, so the window stays above the BDP
// (25 kB) and the line full, instead of shrinking to its floor.
BOOST_AUTO_TEST_CASE(packet_noise_on_a_slow_link_keeps_the_window_above_the_bdp) {
  ChannelControl c;
  const Link link{10e6 / 8, 20ms};
  auto now = Clock::time_point() + 1h;
  c.on_rtt(now, now + 20ms, 0);
  for (int i = 0; i < 200; ++i) {
    const std::size_t w = c.window();
    const Clock::duration rtt = link.rtt_for(w) + (i % 2 ? 13ms : 0ms);
    c.on_rtt(now, now + rtt, w);
    now += rtt;
  }
  BOOST_TEST_MESSAGE("window " << c.window());
  BOOST_TEST(c.window() >= 25000u);
  // and the queue within the target and one step of growth (4 KiB: 3.3 ms)
  BOOST_TEST(link.rtt_for(c.window()) <= 20ms + 5ms + 4ms);
}

// Reads follow the channel's rate: 2 ms of it, between 2 KiB and the block.
BOOST_AUTO_TEST_CASE(the_read_quantum_follows_the_delivery_rate) {
  ChannelControl c;
  BOOST_TEST(c.quantum(16384) == 16384u);  // no estimate yet
  auto now = Clock::time_point() + 1h;
  // 10 Mbit/s: 1.25 MB/s acknowledged, a sample per 20 ms round trip.
  std::uint64_t total = 0;
  c.on_rtt(now, now + 20ms, 30000);
  now += 20ms;
  for (int i = 0; i < 10; ++i) {
    c.on_written(25000);
    total += 25000;
    c.on_ack(total);
    c.on_rtt(now, now + 20ms, 30000);
    now += 20ms;
  }
  BOOST_TEST(c.rate() > 1.2e6);
  BOOST_TEST(c.rate() < 1.3e6);
  BOOST_TEST(c.quantum(16384) == 2500u);
  BOOST_TEST(c.quantum(1000) == 1000u);
}

BOOST_AUTO_TEST_SUITE_END()
