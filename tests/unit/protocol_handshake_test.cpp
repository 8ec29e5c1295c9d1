// Specification of the handshake and of escape_bytes (common/protocol.{hpp,cpp}):
// what each side sends first, what it accepts from the peer, and how rejected
// bytes are shown to the user.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <ostream>
#include <set>
#include <string>

#include "common/protocol.hpp"
#include "tests/unit/bytes.hpp"

namespace tfunnel::protocol {
std::ostream& operator<<(std::ostream& o, HandshakeError e) { return o << handshake_error_text(e); }
}  // namespace tfunnel::protocol

namespace {
using namespace tfunnel::protocol;
using tfunnel::test::Bytes;
using tfunnel::test::hex;
using tfunnel::test::text;
}  // namespace

BOOST_AUTO_TEST_SUITE(protocol_handshake)

// ---- handshake ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(handshake_is_magic_version_role_reserved) {
  BOOST_TEST(hex(handshake_encode(Role::client)) == "54 46 4e 4c 00 01 01 00");
  BOOST_TEST(hex(handshake_encode(Role::proxy)) == "54 46 4e 4c 00 01 02 00");
}

BOOST_AUTO_TEST_CASE(handshake_check_accepts_only_the_other_role_with_our_magic_and_version) {
  struct Case {
    std::string name;
    Bytes bytes;
    Role expected;
    HandshakeError error;
  };
  const std::vector<Case> cases = {
      {"client hello checked by the proxy", {'T', 'F', 'N', 'L', 0, 1, 1, 0}, Role::client,
       HandshakeError::none},
      {"proxy hello checked by the client", {'T', 'F', 'N', 'L', 0, 1, 2, 0}, Role::proxy,
       HandshakeError::none},
      {"ssh banner", text("SSH-2.0-"), Role::proxy, HandshakeError::bad_magic},
      {"shell login banner", text("Welcome\n"), Role::proxy, HandshakeError::bad_magic},
      {"lower-case magic", {'t', 'f', 'n', 'l', 0, 1, 2, 0}, Role::proxy, HandshakeError::bad_magic},
      {"magic with its last byte wrong", {'T', 'F', 'N', 'X', 0, 1, 2, 0}, Role::proxy,
       HandshakeError::bad_magic},
      {"all zero", Bytes(8, 0), Role::proxy, HandshakeError::bad_magic},
      {"version 2", {'T', 'F', 'N', 'L', 0, 2, 2, 0}, Role::proxy, HandshakeError::bad_version},
      {"version 0", {'T', 'F', 'N', 'L', 0, 0, 2, 0}, Role::proxy, HandshakeError::bad_version},
      {"version 1 in little-endian order", {'T', 'F', 'N', 'L', 1, 0, 2, 0}, Role::proxy,
       HandshakeError::bad_version},
      {"two clients joined", {'T', 'F', 'N', 'L', 0, 1, 1, 0}, Role::proxy, HandshakeError::bad_role},
      {"two proxies joined", {'T', 'F', 'N', 'L', 0, 1, 2, 0}, Role::client, HandshakeError::bad_role},
      {"role 0", {'T', 'F', 'N', 'L', 0, 1, 0, 0}, Role::client, HandshakeError::bad_role},
      {"role 3", {'T', 'F', 'N', 'L', 0, 1, 3, 0}, Role::client, HandshakeError::bad_role},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("case " << c.name << ": " << hex(c.bytes)) {
      BOOST_TEST_REQUIRE(c.bytes.size() == kHandshakeSize);
      const std::span<const std::uint8_t, kHandshakeSize> in(c.bytes.data(), kHandshakeSize);
      BOOST_TEST(handshake_check(in, c.expected) == c.error);
    }
  }
}

BOOST_AUTO_TEST_CASE(handshake_round_trips_between_client_and_proxy) {
  const auto client = handshake_encode(Role::client);
  const auto proxy = handshake_encode(Role::proxy);
  BOOST_TEST(handshake_check(client, Role::client) == HandshakeError::none);
  BOOST_TEST(handshake_check(proxy, Role::proxy) == HandshakeError::none);
  BOOST_TEST(handshake_check(client, Role::proxy) == HandshakeError::bad_role);
  BOOST_TEST(handshake_check(proxy, Role::client) == HandshakeError::bad_role);
}

BOOST_AUTO_TEST_CASE(handshake_errors_have_distinct_messages) {
  std::set<std::string> texts;
  for (auto e : {HandshakeError::none, HandshakeError::bad_magic, HandshakeError::bad_version,
                 HandshakeError::bad_role})
    texts.insert(handshake_error_text(e));
  BOOST_TEST(texts.size() == 4u);
  BOOST_TEST(texts.count("?") == 0u);
  BOOST_TEST(std::string(handshake_error_text(HandshakeError::bad_role)).find("same role") !=
             std::string::npos);
}

// ---- escape_bytes -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(escape_bytes_keeps_printable_ascii_and_escapes_the_rest) {
  struct Case {
    std::string name;
    Bytes in;
    std::size_t max;
    std::string out;
  };
  const std::vector<Case> cases = {
      {"empty", {}, 64, ""},
      {"ssh banner", text("SSH-2.0-OpenSSH_9.2p1"), 64, "SSH-2.0-OpenSSH_9.2p1"},
      {"line ends and tab", text("a\r\nb\tc"), 64, "a\\r\\nb\\tc"},
      {"quote and backslash", text("\"\\"), 64, "\\\"\\\\"},
      {"control and high bytes", {0x00, 0x01, 0x1f, 0x7f, 0x80, 0xff}, 64,
       "\\x00\\x01\\x1f\\x7f\\x80\\xff"},
      {"space and tilde are printable", text(" ~"), 64, " ~"},
      {"a handshake", {'T', 'F', 'N', 'L', 0, 1, 2, 0}, 64, "TFNL\\x00\\x01\\x02\\x00"},
      {"exactly max bytes: no ellipsis", Bytes(64, 'A'), 64, std::string(64, 'A')},
      {"longer than max: cut with an ellipsis", Bytes(65, 'A'), 64, std::string(64, 'A') + "..."},
      {"small max", text("hello"), 3, "hel..."},
      {"max counts input bytes, not output characters", {0x00, 0x01, 0x02}, 2, "\\x00\\x01..."},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("case " << c.name) { BOOST_TEST(escape_bytes(c.in, c.max) == c.out); }
  }
}

BOOST_AUTO_TEST_CASE(escape_bytes_default_max_is_64) {
  BOOST_TEST(escape_bytes(Bytes(100, 'x')) == std::string(64, 'x') + "...");
}

BOOST_AUTO_TEST_SUITE_END()
