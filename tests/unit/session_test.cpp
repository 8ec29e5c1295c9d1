// Specification of how the multiplexer (common/session.cpp, with the streams of
// common/tcp_stream.cpp) takes frames from its peer: which sequences it
// follows and which end the session as a protocol violation. Each case runs a
// real Session on a socketpair (tests/support/session_rig.hpp) and plays its
// peer: the handshake, then the case's frames.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/protocol.hpp"
#include "tests/support/session_rig.hpp"
#include "tests/unit/bytes.hpp"

namespace {

using namespace tfunnel::protocol;
using tfunnel::test::Bytes;
using tfunnel::test::RigConfig;
using tfunnel::test::SessionRig;

Bytes frame(FrameType type, std::uint32_t stream, std::span<const std::uint8_t> payload = {}) {
  Bytes out(kHeaderSize);
  header_serialize(FrameHeader{type, 0, static_cast<std::uint16_t>(payload.size()), stream},
                   std::span<std::uint8_t, kHeaderSize>(out.data(), kHeaderSize));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Bytes open_frame(std::uint32_t stream) {
  std::array<std::uint8_t, kMaxOpenSize> buf{};
  namespace ip = boost::asio::ip;
  const std::size_t n = open_encode({ip::make_address("192.0.2.7"), 40000, ip::make_address("198.51.100.2"), 80}, buf);
  return frame(FrameType::open, stream, std::span<const std::uint8_t>(buf.data(), n));
}

Bytes data_frame(std::uint32_t stream, std::size_t n) { return frame(FrameType::data, stream, Bytes(n, 'x')); }

// `total` bytes of data in frames of at most kMaxPayload.
Bytes data_frames(std::uint32_t stream, std::size_t total) {
  Bytes out;
  for (std::size_t left = total; left > 0;) {
    const std::size_t n = std::min(left, kMaxPayload);
    const Bytes f = data_frame(stream, n);
    out.insert(out.end(), f.begin(), f.end());
    left -= n;
  }
  return out;
}

Bytes credit_frame(std::uint32_t stream, std::uint32_t n) {
  return frame(FrameType::credit, stream, credit_encode(n));
}

struct Case {
  std::string name;
  RigConfig config;
  std::vector<Bytes> frames;  // each written, then the session runs until idle
  std::string violation;      // empty: the session must still be up afterwards
};

RigConfig proxy() { return RigConfig{}; }

// Data waits in the stream while the connect hangs: no byte is written out,
// so no credit comes back to widen the window.
RigConfig proxy_connecting() {
  RigConfig c;
  c.connects = tfunnel::test::Connects::hang;
  return c;
}

RigConfig client_with_one_stream() {
  RigConfig c;
  c.role = Role::client;
  c.client_streams = 1;
  return c;
}

// Runs a case; returns "up", or how the session ended.
std::string outcome(const Case& c) {
  SessionRig rig(c.config);
  rig.send_handshake();
  for (const auto& f : c.frames) rig.send(f);
  BOOST_TEST(rig.output_error() == "");
  if (!rig.stopped()) return "up";
  return std::to_string(rig.end().status) + " " + rig.end().reason;
}

void check_cases(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("case " << c.name) {
      const std::string got = outcome(c);
      if (c.violation.empty()) {
        BOOST_TEST(got == "up");
      } else {
        BOOST_TEST(got.rfind("1 protocol violation: ", 0) == 0, got);
        BOOST_TEST(got.find(c.violation) != std::string::npos, got);
      }
    }
  }
}

// Acks a session sent, in order: the counts they carry.
std::vector<std::uint64_t> acks_sent(const SessionRig& rig) {
  std::vector<std::uint64_t> out;
  for (const auto& f : rig.sent())
    if (f.type == FrameType::ack) out.push_back(ack_decode(f.payload));
  return out;
}

// True while less than an ack's delay has passed since `start`: no ack can
// have gone alone yet (a slow machine or a sanitizer build may pass it).
bool within_ack_delay(std::chrono::steady_clock::time_point start) {
  return std::chrono::steady_clock::now() - start < tfunnel::Session::kAckDelay;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(session)

BOOST_AUTO_TEST_CASE(a_proxy_follows_the_rules_of_a_stream_s_life) {
  check_cases({
      {"open, data before opened, credit", proxy(),
       {open_frame(1), data_frame(1, 100), credit_frame(1, 4096)}, ""},
      {"a whole window of data", proxy_connecting(), {open_frame(1), data_frame(1, 100), data_frames(1, kInitialWindow - 100)}, ""},
      {"fin, then credit for our direction", proxy(), {open_frame(1), frame(FrameType::fin, 1), credit_frame(1, 1)},
       ""},
      {"frames after a reset are late, not wrong", proxy(),
       {open_frame(1), frame(FrameType::rst, 1, rst_encode(ResetReason::reset)), data_frame(1, 10),
        frame(FrameType::fin, 1)},
       ""},
      {"an id opened again after its reset", proxy(),
       {open_frame(1), frame(FrameType::rst, 1, rst_encode(ResetReason::reset)), open_frame(1)}, ""},
      {"ping", proxy(), {frame(FrameType::ping, 0, ping_encode(1))}, ""},
  });
}

BOOST_AUTO_TEST_CASE(a_proxy_ends_the_session_when_the_peer_breaks_a_stream_rule) {
  check_cases({
      {"data for a stream never opened", proxy(), {data_frame(7, 5)}, "never opened"},
      {"a second open for a live stream", proxy(), {open_frame(1), open_frame(1)}, "open for a live stream"},
      {"one byte beyond the window", proxy_connecting(),
       {open_frame(1), data_frames(1, kInitialWindow), data_frame(1, 1)},
       "beyond the stream's credit"},
      {"credit past the window limit", proxy(),
       {open_frame(1), credit_frame(1, kMaxWindow - kInitialWindow), credit_frame(1, 1)}, "window limit"},
      {"credit of zero", proxy(), {open_frame(1), credit_frame(1, 0)}, "credit of 0"},
      {"data after fin", proxy(), {open_frame(1), data_frame(1, 5), frame(FrameType::fin, 1), data_frame(1, 4)},
       "after its fin"},
      {"a second fin", proxy(), {open_frame(1), frame(FrameType::fin, 1), frame(FrameType::fin, 1)}, "fin twice"},
      {"opened sent to the proxy", proxy(), {open_frame(1), frame(FrameType::opened, 1)},
       "opened sent to the proxy"},
  });
}

BOOST_AUTO_TEST_CASE(a_client_ends_the_session_when_the_proxy_breaks_a_stream_rule) {
  check_cases({
      {"opened, data, fin", client_with_one_stream(),
       {frame(FrameType::opened, 1), data_frame(1, 10), frame(FrameType::fin, 1)}, ""},
      {"opened twice", client_with_one_stream(), {frame(FrameType::opened, 1), frame(FrameType::opened, 1)},
       "opened twice"},
      {"data after fin", client_with_one_stream(),
       {frame(FrameType::opened, 1), frame(FrameType::fin, 1), data_frame(1, 1)}, "after its fin"},
      {"open sent to the client", client_with_one_stream(), {open_frame(2)}, "open sent to the client"},
      {"data for a stream never opened", client_with_one_stream(), {data_frame(99, 5)}, "never opened"},
  });
}

// Found by tests/fuzz/session_fuzz: the first five bytes of a handshake, read
// alone, were taken for a login banner.
BOOST_AUTO_TEST_CASE(a_handshake_cut_into_reads_anywhere_is_taken) {
  for (const Role role : {Role::proxy, Role::client}) {
    for (std::size_t cut = 1; cut < kHandshakeSize; ++cut) {
      BOOST_TEST_CONTEXT("role " << static_cast<int>(role) << ", cut after " << cut << " bytes") {
        RigConfig c;
        c.role = role;
        SessionRig rig(c);
        const auto hello = rig.peer_handshake();
        rig.send(std::span(hello).first(cut));
        BOOST_TEST(!rig.stopped(), rig.end().reason);
        rig.send(std::span(hello).subspan(cut));
        BOOST_TEST(rig.ready());
        BOOST_TEST(!rig.stopped(), rig.end().reason);
      }
    }
    BOOST_TEST_CONTEXT("role " << static_cast<int>(role) << ", one byte per read") {
      RigConfig c;
      c.role = role;
      SessionRig rig(c);
      for (const std::uint8_t b : rig.peer_handshake()) rig.send(std::span(&b, 1));
      BOOST_TEST(rig.ready());
      BOOST_TEST(!rig.stopped(), rig.end().reason);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_banner_is_refused_at_its_first_byte_that_cannot_start_a_handshake) {
  RigConfig c;
  SessionRig rig(c);
  rig.send(tfunnel::test::text("TF"));
  BOOST_TEST(!rig.stopped());
  rig.send(tfunnel::test::text("x"));
  BOOST_TEST(rig.stopped());
  BOOST_TEST(rig.end().reason == "channel: not a tfunnel handshake; received \"TFx\"");
}

// Found with tests/fuzz/session_fuzz: a pong echoing a time before the
// clock's epoch made the round trip overflow (UBSan: signed overflow).
BOOST_AUTO_TEST_CASE(a_pong_with_any_time_in_it_is_taken_without_overflow) {
  for (const std::uint64_t t : {0x8000000000000000ull, 0xffffffffffffffffull, 0x7fffffffffffffffull, 0ull, 1ull}) {
    BOOST_TEST_CONTEXT("pong of " << t) {
      SessionRig rig(proxy());
      rig.send_handshake();
      rig.send(frame(FrameType::pong, 0, ping_encode(t)));
      BOOST_TEST(!rig.stopped(), rig.end().reason);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_violation_message_names_the_frame_type_and_stream) {
  const std::string got = outcome({"", proxy(), {data_frame(7, 5)}, ""});
  BOOST_TEST(got == "1 protocol violation: frame for a stream never opened (data frame, stream 7, length 5)");
}

BOOST_AUTO_TEST_CASE(the_session_ends_at_eof_and_leaves_no_work_behind) {
  for (const Role role : {Role::proxy, Role::client}) {
    BOOST_TEST_CONTEXT("role " << static_cast<int>(role)) {
      RigConfig c;
      c.role = role;
      c.client_streams = 2;
      c.app_bytes = 3000;
      SessionRig rig(c);
      rig.send_handshake();
      if (role == Role::proxy) rig.send(open_frame(1));
      BOOST_TEST(!rig.stopped());
      BOOST_TEST(rig.finish());
      BOOST_TEST(rig.stopped());
      BOOST_TEST(rig.end().reason == "channel closed by the peer");
    }
  }
}

BOOST_AUTO_TEST_CASE(the_session_counts_streams_payload_and_resets_as_they_happen) {
  SessionRig rig(proxy());
  rig.send_handshake();
  std::size_t channel = kHandshakeSize;
  const auto send = [&](const Bytes& f) {
    rig.send(f);
    channel += f.size();
  };
  send(open_frame(1));
  send(data_frame(1, 100));
  send(open_frame(2));
  send(frame(FrameType::rst, 2, rst_encode(ResetReason::reset)));
  Bytes udp_open = open_frame(3);
  udp_open[0] = static_cast<std::uint8_t>(FrameType::udp_open);  // the type leads the header
  send(udp_open);
  send(frame(FrameType::datagram, 3, Bytes(40, 'd')));
  // A flow's idle timeout is its normal end, not a reset.
  send(frame(FrameType::rst, 3, rst_encode(ResetReason::timed_out)));
  BOOST_TEST_REQUIRE(!rig.stopped(), rig.end().reason);
  const tfunnel::SessionStats& s = rig.session().stats();
  BOOST_TEST(s.streams_total == 2u);
  BOOST_TEST(s.streams_open == 1u);
  BOOST_TEST(s.flows_total == 1u);
  BOOST_TEST(s.flows_open == 0u);
  BOOST_TEST(s.bytes_received == 140u);
  BOOST_TEST(s.resets_received == 1u);
  BOOST_TEST(s.channel_received == channel);
  BOOST_TEST(rig.session().stats_line().find(" streams_open=1 streams_total=2 flows_open=0 flows_total=1 ") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_session_counts_payload_it_sends_once_written) {
  RigConfig c;
  c.role = Role::client;
  c.client_streams = 1;
  c.app_bytes = 3000;
  SessionRig rig(c);
  rig.send_handshake();
  rig.run_until_idle();
  BOOST_TEST(rig.session().stats().bytes_sent == 3000u);
  BOOST_TEST(rig.session().stats().streams_total == 1u);
  BOOST_TEST(rig.session().stats().channel_sent > 3000u);
}

// The proxy's connect hangs in these cases: what arrives waits in the stream,
// no credit goes back, and acks are the only frames it may send.
BOOST_AUTO_TEST_CASE(an_ack_alone_waits_its_delay) {
  SessionRig rig(proxy_connecting());
  rig.send_handshake();
  rig.send(open_frame(1));
  const auto start = std::chrono::steady_clock::now();
  rig.send(data_frame(1, 100));
  if (within_ack_delay(start)) BOOST_TEST(acks_sent(rig).empty());
  std::this_thread::sleep_for(tfunnel::Session::kAckDelay * 3);
  rig.run_until_idle();
  BOOST_TEST(acks_sent(rig) == std::vector<std::uint64_t>{100});
  BOOST_TEST(!rig.stopped(), rig.end().reason);
}

// Whatever the timing, fewer than kAckBytes wait unacknowledged once the
// session has read what came: a fast peer's window never waits for a delay.
BOOST_AUTO_TEST_CASE(an_ack_goes_at_once_when_its_bytes_reach_the_limit) {
  SessionRig rig(proxy_connecting());
  rig.send_handshake();
  std::uint64_t total = 0;
  for (std::uint32_t id = 1; id <= 4; ++id) {
    rig.send(open_frame(id));
    BOOST_TEST_REQUIRE(!rig.stopped(), rig.end().reason);
    for (int part = 0; part < 4; ++part) {  // the stream's whole first window
      rig.send(data_frames(id, kInitialWindow / 4));
      total += kInitialWindow / 4;
      const auto acks = acks_sent(rig);
      BOOST_TEST(total - (acks.empty() ? 0 : acks.back()) < tfunnel::Session::kAckBytes);
    }
  }
  BOOST_TEST(acks_sent(rig).size() >= total / tfunnel::Session::kAckBytes);
  BOOST_TEST(!rig.stopped(), rig.end().reason);
}

BOOST_AUTO_TEST_CASE(an_ack_rides_with_the_next_frame_the_session_sends) {
  SessionRig rig(proxy_connecting());
  rig.send_handshake();
  rig.send(open_frame(1));
  const auto start = std::chrono::steady_clock::now();
  rig.send(data_frame(1, 100));
  rig.send(frame(FrameType::ping, 0, ping_encode(7)));
  const bool quick = within_ack_delay(start);
  BOOST_TEST(acks_sent(rig) == std::vector<std::uint64_t>{100});
  if (quick) {
    BOOST_TEST_REQUIRE(rig.sent().size() == 2u);
    BOOST_TEST((rig.sent()[0].type == FrameType::pong));
  }
}

BOOST_AUTO_TEST_SUITE_END()
