// Specification of LogThrottle (common/log_throttle.hpp).
#include <boost/test/unit_test.hpp>

#include <chrono>

#include "common/log_throttle.hpp"

namespace {
using tfunnel::LogThrottle;
using namespace std::chrono_literals;
const LogThrottle::Clock::time_point t0 = LogThrottle::Clock::time_point() + 1h;
}  // namespace

BOOST_AUTO_TEST_SUITE(log_throttle)

BOOST_AUTO_TEST_CASE(the_first_message_passes) {
  LogThrottle t(5s);
  BOOST_TEST(t.allow(t0));
  BOOST_TEST(t.suppressed() == 0u);
}

BOOST_AUTO_TEST_CASE(repeats_within_the_interval_are_held_back_and_counted) {
  LogThrottle t(5s);
  BOOST_TEST(t.allow(t0));
  for (int i = 0; i < 1000; ++i) BOOST_TEST(!t.allow(t0 + std::chrono::milliseconds(i)));
  BOOST_TEST(!t.allow(t0 + 4999ms));
  BOOST_TEST(t.allow(t0 + 5s));
  BOOST_TEST(t.suppressed() == 1001u);
  BOOST_TEST(!t.allow(t0 + 6s));
  BOOST_TEST(t.allow(t0 + 11s));
  BOOST_TEST(t.suppressed() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
