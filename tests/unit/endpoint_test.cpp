// Specification of the address helpers (common/endpoint.{hpp,cpp}).
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "common/endpoint.hpp"

namespace {

namespace ip = boost::asio::ip;
using tfunnel::endpoint_text;
using tfunnel::endpoint_unmap;

}  // namespace

BOOST_AUTO_TEST_SUITE(endpoint)

BOOST_AUTO_TEST_CASE(unmap_turns_v4_mapped_v6_into_plain_v4) {
  struct Case {
    std::string in;
    std::string out;
    bool v4;
  };
  const std::vector<Case> cases = {
      {"::ffff:192.0.2.1", "192.0.2.1", true},
      {"::ffff:0.0.0.0", "0.0.0.0", true},
      {"::ffff:255.255.255.255", "255.255.255.255", true},
      {"192.0.2.1", "192.0.2.1", true},
      {"2001:db8::1", "2001:db8::1", false},
      {"::1", "::1", false},
      {"::", "::", false},
      {"::192.0.2.1", "::192.0.2.1", false},  // v4-compatible, not v4-mapped
      {"64:ff9b::c000:201", "64:ff9b::c000:201", false},  // NAT64 prefix stays v6
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("case " << c.in) {
      const ip::address a = endpoint_unmap(ip::make_address(c.in));
      BOOST_TEST(a.is_v4() == c.v4);
      BOOST_TEST(a.to_string() == c.out);
    }
  }
}

BOOST_AUTO_TEST_CASE(text_is_address_colon_port_with_v6_in_brackets) {
  struct Case {
    std::string addr;
    unsigned port;
    std::string text;
  };
  const std::vector<Case> cases = {
      {"192.0.2.1", 80, "192.0.2.1:80"},
      {"0.0.0.0", 0, "0.0.0.0:0"},
      {"2001:db8::1", 443, "[2001:db8::1]:443"},
      {"::1", 65535, "[::1]:65535"},
      {"::ffff:203.0.113.1", 8080, "[::ffff:203.0.113.1]:8080"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("case " << c.text) {
      BOOST_TEST(endpoint_text(ip::make_address(c.addr), static_cast<std::uint16_t>(c.port)) == c.text);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
