#include <boost/test/unit_test.hpp>
#include "common/protocol.hpp"
BOOST_AUTO_TEST_SUITE(protocol_)
BOOST_AUTO_TEST_CASE(header_round_trip) {
  using namespace tfunnel::protocol;
  std::array<std::uint8_t, kHeaderSize> b;
  header_serialize({FrameType::data, 0, 5, 7}, b);
  const auto h = header_deserialize(b);
  BOOST_TEST(h.length == 5);
  BOOST_TEST(h.stream == 7u);
}
BOOST_AUTO_TEST_SUITE_END()
