// Specification of chanem's Link (tests/tools/chanem_link.hpp): bytes leave a
// bounded queue at the rate and arrive one delay later, in order; a full
// queue, or a reader that does not take what arrived, leaves no room.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include "tests/tools/chanem_link.hpp"

namespace {

using chanem::Link;
using chanem::LinkConfig;
using chanem::Time;
using Bytes = std::vector<std::uint8_t>;
using std::chrono::microseconds;
using std::chrono::milliseconds;

const Time t0 = Time{} + std::chrono::hours(1);

// Microseconds from t0 to `t` (Boost.Test prints these; -1 for Time::max()).
long long us(Time t) {
  if (t == Time::max()) return -1;
  return std::chrono::duration_cast<microseconds>(t - t0).count();
}

// 8 Mbit/s: one byte per microsecond, 1000 bytes per millisecond.
LinkConfig config(milliseconds delay, std::size_t buffer) { return LinkConfig{delay, 8e6, buffer}; }

Bytes pattern(std::size_t n, std::size_t start = 0) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>((start + i) * 13 + 5);
  return b;
}

// Everything the link delivers by `now`.
Bytes drain(Link& l, Time now) {
  Bytes out;
  for (auto b = l.ready(now); !b.empty(); b = l.ready(now)) {
    out.insert(out.end(), b.begin(), b.end());
    l.consume(b.size());
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(chanem_link)

BOOST_AUTO_TEST_CASE(a_lone_byte_arrives_one_delay_and_its_send_time_later) {
  Link l(config(milliseconds(20), 100000));
  l.push(t0, Bytes{42});
  BOOST_TEST(us(l.next_due()) == 20001);
  BOOST_TEST(l.ready(t0 + milliseconds(20)).empty());
  BOOST_TEST(drain(l, l.next_due()) == Bytes{42});
  BOOST_TEST(l.held() == 0u);
  BOOST_TEST(us(l.next_due()) == -1);
}

BOOST_AUTO_TEST_CASE(bytes_leave_at_the_rate) {
  Link l(config(milliseconds(0), 100000));
  const Bytes in = pattern(50000);  // 50 ms at 8 Mbit/s
  l.push(t0, in);
  BOOST_TEST(l.queued(t0) == 50000u);
  BOOST_TEST(l.queued(t0 + milliseconds(20)) == 30000u);
  // By 20 ms, 20000 bytes have left, delivered in segments of one quantum.
  const std::size_t got = drain(l, t0 + milliseconds(20)).size();
  BOOST_TEST(got <= 20000u);
  BOOST_TEST(got + l.quantum() > 20000u);
  BOOST_TEST(l.quantum() == 1500u);
  const Bytes rest = drain(l, t0 + milliseconds(50));
  BOOST_TEST(got + rest.size() == in.size());
}

BOOST_AUTO_TEST_CASE(the_quantum_is_a_millisecond_of_sending_when_that_is_larger) {
  Link l(LinkConfig{milliseconds(0), 100e6, 1000000});
  BOOST_TEST(l.quantum() == 12500u);
  BOOST_TEST(l.read_size() == 12500u);
}

BOOST_AUTO_TEST_CASE(a_full_queue_has_no_room_until_bytes_leave) {
  Link l(config(milliseconds(10), 10000));
  BOOST_TEST(l.room(t0) == 10000u);
  l.push(t0, pattern(10000));
  BOOST_TEST(l.room(t0) == 0u);
  BOOST_TEST(l.room(t0 + milliseconds(3)) == 3000u);
  // room_at: when a read's worth (one quantum) is free again.
  BOOST_TEST(us(l.room_at(t0)) == 1500);
  BOOST_TEST(l.room(l.room_at(t0)) >= l.read_size());
}

BOOST_AUTO_TEST_CASE(a_byte_behind_a_full_queue_waits_for_the_queue) {
  Link l(config(milliseconds(10), 10000));
  l.push(t0, pattern(10000));
  drain(l, t0 + milliseconds(100));
  l.push(t0, Bytes{7});
  BOOST_TEST(us(l.next_due()) == 20001);
}

BOOST_AUTO_TEST_CASE(an_idle_queue_does_not_delay_later_bytes) {
  Link l(config(milliseconds(5), 10000));
  l.push(t0, pattern(1000));
  drain(l, t0 + milliseconds(100));
  l.push(t0 + milliseconds(100), Bytes{1});
  BOOST_TEST(us(l.next_due()) == 105001);
}

BOOST_AUTO_TEST_CASE(a_reader_that_takes_nothing_stops_the_writer) {
  Link l(config(milliseconds(10), 5000));
  // Held at most: the queue (5000), the wire (10 ms = 10000) and a quantum.
  const std::size_t limit = 5000 + 10000 + l.quantum();
  std::size_t pushed = 0;
  Time now = t0;
  for (int i = 0; i < 1000 && l.room(now) > 0; ++i) {
    const std::size_t n = l.room(now);
    l.push(now, pattern(n, pushed));
    pushed += n;
    now += milliseconds(1);
  }
  BOOST_TEST(l.room(now) == 0u);
  BOOST_TEST(pushed == limit);
  BOOST_TEST(l.room(now + std::chrono::seconds(10)) == 0u);
  BOOST_TEST(us(l.room_at(now)) == -1);
  const Bytes got = drain(l, now + std::chrono::seconds(10));
  BOOST_TEST(got == pattern(limit), boost::test_tools::per_element());
  BOOST_TEST(l.room(now + std::chrono::seconds(10)) == 5000u);
}

BOOST_AUTO_TEST_CASE(eof_arrives_after_the_bytes_before_it) {
  Link l(config(milliseconds(10), 10000));
  l.push(t0, pattern(2000));
  l.push_eof(t0);
  BOOST_TEST(l.room(t0) == 0u);
  BOOST_TEST(us(l.room_at(t0)) == -1);
  const Time end = t0 + milliseconds(12);  // 2 ms sending, 10 ms on the wire
  BOOST_TEST(!l.eof_ready(end));           // the bytes before it are not consumed
  BOOST_TEST(drain(l, end).size() == 2000u);
  BOOST_TEST(l.eof_ready(end));
  BOOST_TEST(!l.eof_ready(end - microseconds(1)));
}

BOOST_AUTO_TEST_CASE(an_eof_on_an_empty_link_takes_the_delay) {
  Link l(config(milliseconds(30), 10000));
  l.push_eof(t0);
  BOOST_TEST(us(l.next_due()) == 30000);
  BOOST_TEST(!l.eof_ready(t0 + milliseconds(29)));
  BOOST_TEST(l.eof_ready(t0 + milliseconds(30)));
}

BOOST_AUTO_TEST_CASE(partial_consumes_keep_order_over_random_pushes) {
  Link l(config(milliseconds(3), 20000));
  std::mt19937 rng(7);
  Bytes out;
  std::size_t pushed = 0;
  Time now = t0;
  for (int step = 0; step < 20000 && pushed < 100000; ++step) {
    now += microseconds(rng() % 700);
    const std::size_t room = l.room(now);
    if (room > 0) {
      const std::size_t n = 1 + rng() % room;
      l.push(now, pattern(n, pushed));
      pushed += n;
    }
    const auto b = l.ready(now);
    if (!b.empty()) {
      const std::size_t n = 1 + rng() % b.size();
      out.insert(out.end(), b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
      l.consume(n);
    }
  }
  const Bytes rest = drain(l, now + std::chrono::seconds(10));
  out.insert(out.end(), rest.begin(), rest.end());
  BOOST_TEST(pushed >= 100000u);
  BOOST_TEST(out == pattern(pushed), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_default_buffer_is_one_round_trip_of_sending_at_least_64_kib) {
  BOOST_TEST(chanem::link_default_buffer(milliseconds(40), 100e6) == 1000000u);
  BOOST_TEST(chanem::link_default_buffer(milliseconds(10), 10e6) == 65536u);
}

BOOST_AUTO_TEST_SUITE_END()
