// Specification of per-stream credit accounting (common/flow.hpp).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <random>

#include "common/flow.hpp"
#include "common/protocol.hpp"

namespace {

using tfunnel::StreamFlow;
using tfunnel::protocol::kInitialWindow;
using tfunnel::protocol::kMaxWindow;
// Credit goes back once a quarter of the window was written (flow.hpp).
constexpr std::uint32_t kStep = kInitialWindow / 4;

}  // namespace

BOOST_AUTO_TEST_SUITE(flow)

BOOST_AUTO_TEST_CASE(a_new_stream_starts_with_the_initial_window_both_ways) {
  const StreamFlow f;
  BOOST_TEST(f.send_window == kInitialWindow);
  BOOST_TEST(f.recv_window == kInitialWindow);
  BOOST_TEST(f.recv_window_size == kInitialWindow);
  BOOST_TEST(f.recv_unacked == 0u);
}

BOOST_AUTO_TEST_CASE(sending_spends_the_send_window) {
  StreamFlow f;
  f.on_sent(1000);
  BOOST_TEST(f.send_window == kInitialWindow - 1000);
  f.on_sent(kInitialWindow - 1000);
  BOOST_TEST(f.send_window == 0u);
}

BOOST_AUTO_TEST_CASE(data_within_the_granted_credit_is_accepted) {
  StreamFlow f;
  BOOST_TEST(f.on_received(1));
  BOOST_TEST(f.recv_window == kInitialWindow - 1);
  BOOST_TEST(f.on_received(kInitialWindow - 1));  // exactly the whole window
  BOOST_TEST(f.recv_window == 0u);
}

BOOST_AUTO_TEST_CASE(data_beyond_the_granted_credit_is_rejected_and_changes_nothing) {
  StreamFlow f;
  BOOST_TEST(!f.on_received(kInitialWindow + 1));
  BOOST_TEST(f.recv_window == kInitialWindow);
  BOOST_TEST(f.on_received(kInitialWindow - 10));
  BOOST_TEST(!f.on_received(11));
  BOOST_TEST(f.recv_window == 10u);
  BOOST_TEST(f.on_received(10));
  BOOST_TEST(!f.on_received(1));
  BOOST_TEST(f.recv_window == 0u);
}

BOOST_AUTO_TEST_CASE(credit_is_coalesced_until_a_quarter_of_the_window_is_written) {
  StreamFlow f;
  BOOST_TEST_REQUIRE(f.on_received(kInitialWindow));
  BOOST_TEST(f.on_written(kStep - 1, false) == 0u);
  BOOST_TEST(f.recv_unacked == kStep - 1);
  BOOST_TEST(f.recv_window == 0u);
  BOOST_TEST(f.on_written(1, false) == kStep);  // reaching a quarter sends it all at once
  BOOST_TEST(f.recv_unacked == 0u);
  BOOST_TEST(f.recv_window == kStep);  // and the sender may send that much again
}

BOOST_AUTO_TEST_CASE(many_small_writes_return_one_credit_per_quarter_window) {
  StreamFlow f;
  BOOST_TEST_REQUIRE(f.on_received(kInitialWindow));
  std::uint32_t frames = 0, credited = 0;
  for (std::uint32_t i = 0; i < kStep; ++i) {
    if (const std::uint32_t c = f.on_written(1, false)) {
      ++frames;
      credited += c;
    }
  }
  BOOST_TEST(frames == 1u);
  BOOST_TEST(credited == kStep);
}

BOOST_AUTO_TEST_CASE(a_write_past_a_quarter_of_the_window_credits_everything_unacked) {
  StreamFlow f;
  BOOST_TEST_REQUIRE(f.on_received(kInitialWindow));
  BOOST_TEST(f.on_written(100, false) == 0u);
  BOOST_TEST(f.on_written(kStep + 50, false) == kStep + 150);
  BOOST_TEST(f.recv_window == kStep + 150);
}

// A sender held back by the window (it used nearly all of it before a quarter
// came back) gets the window doubled while the local socket keeps up, up to
// the maximum; a socket that does not keep up never grows it.
BOOST_AUTO_TEST_CASE(a_window_limited_stream_gets_a_bigger_window_when_the_socket_keeps_up) {
  StreamFlow f;
  BOOST_TEST_REQUIRE(f.on_received(kInitialWindow));
  BOOST_TEST(f.on_written(kStep, true) == kStep + kInitialWindow);
  BOOST_TEST(f.recv_window_size == 2 * kInitialWindow);
  BOOST_TEST(f.recv_window == kStep + kInitialWindow);

  StreamFlow slow;
  BOOST_TEST_REQUIRE(slow.on_received(kInitialWindow));
  BOOST_TEST(slow.on_written(kStep, false) == kStep);
  BOOST_TEST(slow.recv_window_size == kInitialWindow);

  // An application-limited sender (most of its window unused) stays put.
  StreamFlow app;
  BOOST_TEST_REQUIRE(app.on_received(kStep));
  BOOST_TEST(app.on_written(kStep, true) == kStep);
  BOOST_TEST(app.recv_window_size == kInitialWindow);

  // On a long channel credit in transit hides how much the sender used; a quarter
  // a window written within a round trip is the sign then.
  using Clock = StreamFlow::Clock;
  const Clock::time_point t0 = Clock::time_point() + std::chrono::hours(1);
  StreamFlow lfn;
  BOOST_TEST_REQUIRE(lfn.on_received(kStep + 10));
  BOOST_TEST(lfn.on_written(kStep, true, t0, std::chrono::milliseconds(80)) == kStep);  // the first: no history
  BOOST_TEST_REQUIRE(lfn.on_received(kStep));
  BOOST_TEST(lfn.on_written(kStep, true, t0 + std::chrono::milliseconds(40), std::chrono::milliseconds(80)) ==
             kStep + kInitialWindow);
  StreamFlow paced;  // a quarter window per two round trips: application-limited
  BOOST_TEST_REQUIRE(paced.on_received(kStep + 10));
  paced.on_written(kStep, true, t0, std::chrono::milliseconds(80));
  BOOST_TEST_REQUIRE(paced.on_received(kStep));
  BOOST_TEST(paced.on_written(kStep, true, t0 + std::chrono::milliseconds(160), std::chrono::milliseconds(80)) == kStep);

  // Growth stops at the maximum.
  StreamFlow big;
  for (int i = 0; i < 40; ++i) {
    BOOST_TEST_REQUIRE(big.on_received(big.recv_window));
    big.on_written(big.recv_window_size - big.recv_unacked, true);
  }
  BOOST_TEST(big.recv_window_size == StreamFlow::kMaxStreamWindow);
}

BOOST_AUTO_TEST_CASE(credit_grows_the_send_window) {
  StreamFlow f;
  f.on_sent(kInitialWindow);
  BOOST_TEST(f.on_credit(kStep));
  BOOST_TEST(f.send_window == kStep);
  BOOST_TEST(f.on_credit(kInitialWindow));  // a receiver may grow the window
  BOOST_TEST(f.send_window == kStep + kInitialWindow);
}

BOOST_AUTO_TEST_CASE(credit_past_the_window_limit_is_rejected_and_changes_nothing) {
  StreamFlow f;
  BOOST_TEST(f.on_credit(kMaxWindow - kInitialWindow));
  BOOST_TEST(f.send_window == kMaxWindow);
  BOOST_TEST(!f.on_credit(1));
  BOOST_TEST(f.send_window == kMaxWindow);

  StreamFlow g;
  BOOST_TEST(!g.on_credit(kMaxWindow - kInitialWindow + 1));
  BOOST_TEST(!g.on_credit(0xffffffffu));  // would wrap a 32-bit counter
  BOOST_TEST(!g.on_credit(0xffffffffu - kInitialWindow + 1));  // would wrap to exactly 0
  BOOST_TEST(g.send_window == kInitialWindow);
}

BOOST_AUTO_TEST_CASE(zero_credit_is_rejected) {
  StreamFlow f;
  BOOST_TEST(!f.on_credit(0));
  BOOST_TEST(f.send_window == kInitialWindow);
}

// No deadlock: once the sender has spent a whole window and the receiver has
// written every byte, however the writes were cut, credit was returned and
// the sender may send again.
BOOST_AUTO_TEST_CASE(after_a_full_window_is_written_credit_is_always_returned) {
  struct Case {
    const char* name;
    std::uint32_t piece;  // 0: random pieces
  };
  for (const Case c : {Case{"one write", kInitialWindow}, Case{"1-byte writes", 1},
                       Case{"writes of half minus one", kStep - 1}, Case{"writes of 1000", 1000},
                       Case{"writes of 16384", 16384}, Case{"random writes", 0}}) {
    BOOST_TEST_CONTEXT("case " << c.name) {
      std::mt19937 rng(11);
      StreamFlow f;
      BOOST_TEST_REQUIRE(f.on_received(kInitialWindow));
      BOOST_TEST_REQUIRE(f.recv_window == 0u);
      std::uint32_t left = kInitialWindow, credited = 0;
      while (left > 0) {
        const std::uint32_t n = std::min(
            left, c.piece ? c.piece : std::uniform_int_distribution<std::uint32_t>(1, 40000)(rng));
        credited += f.on_written(n, false);
        left -= n;
      }
      BOOST_TEST(credited > 0u);
      BOOST_TEST(credited + f.recv_unacked == kInitialWindow);
      BOOST_TEST(f.recv_unacked < kStep);
      BOOST_TEST(f.recv_window == credited);
      BOOST_TEST(f.recv_window > kStep);
    }
  }
}

// Both ends simulated: the sender sends whatever its window allows, the
// receiver accepts it, writes it out in random pieces and credits it back.
// The mirrored windows always agree, the receiver never rejects data, and
// the pair never stalls with everything written and nothing to send.
BOOST_AUTO_TEST_CASE(sender_and_receiver_never_deadlock_and_windows_agree) {
  for (const std::uint32_t window : {kInitialWindow, 3u, 2u, 1u, 1000u}) {
    BOOST_TEST_CONTEXT("window " << window) {
      std::mt19937 rng(window);
      StreamFlow sender, receiver;
      sender.send_window = window;
      receiver.recv_window = receiver.recv_window_size = window;
      std::uint64_t sent = 0, written = 0, buffered = 0;
      const std::uint64_t goal = 16ull * window + 20000;
      while (written < goal) {
        if (sender.send_window > 0 && rng() % 2) {
          const std::uint32_t n = std::min(
              sender.send_window, std::uniform_int_distribution<std::uint32_t>(1, 16384)(rng));
          sender.on_sent(n);
          BOOST_TEST_REQUIRE(receiver.on_received(n));
          sent += n;
          buffered += n;
        } else if (buffered > 0) {
          const auto n = static_cast<std::uint32_t>(
              std::uniform_int_distribution<std::uint64_t>(1, buffered)(rng));
          buffered -= n;
          written += n;
          if (const std::uint32_t credit = receiver.on_written(n, false))
            BOOST_TEST_REQUIRE(sender.on_credit(credit));
        } else {
          BOOST_TEST_REQUIRE(sender.send_window > 0u, "deadlock after " << sent << " bytes");
        }
        BOOST_TEST_REQUIRE(sender.send_window == receiver.recv_window);
        BOOST_TEST_REQUIRE(sender.send_window <= window);
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
