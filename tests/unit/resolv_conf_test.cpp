// Specification of resolv_conf_parse (common/resolv_conf.hpp).
#include <boost/test/unit_test.hpp>

#include <string>

#include "common/resolv_conf.hpp"

namespace {
using tfunnel::resolv_conf_parse;
std::string text(const std::vector<boost::asio::ip::address>& v) {
  std::string s;
  for (const auto& a : v) s += a.to_string() + " ";
  return s;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(resolv_conf)

BOOST_AUTO_TEST_CASE(nameservers_come_in_file_order) {
  const auto v = resolv_conf_parse(
      "# generated\nsearch example.org\nnameserver 192.0.2.53\noptions edns0\n"
      "nameserver\t2001:db8::53\n  nameserver 198.51.100.53  # trailing words\n");
  BOOST_TEST(text(v) == "192.0.2.53 2001:db8::53 198.51.100.53 ");
}

BOOST_AUTO_TEST_CASE(bad_scoped_and_commented_lines_are_skipped) {
  const auto v = resolv_conf_parse(
      "nameserver not-an-address\nnameserver fe80::1%eth0\n#nameserver 192.0.2.1\n"
      "nameservers 192.0.2.2\nnameserver\nnameserver 203.0.113.9\n");
  BOOST_TEST(text(v) == "203.0.113.9 ");
}

BOOST_AUTO_TEST_CASE(an_unreadable_file_has_no_nameserver) {
  BOOST_TEST(tfunnel::resolv_conf_nameservers("/nonexistent/resolv.conf").empty());
}

BOOST_AUTO_TEST_SUITE_END()
