// Specification of the wire codec (common/protocol.{hpp,cpp}): the exact bytes
// of every frame type, network byte order, and which inputs are rejected.
// The handshake is in protocol_handshake_test.cpp.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <ostream>
#include <random>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "common/protocol.hpp"
#include "tests/unit/bytes.hpp"

namespace tfunnel::protocol {
// Readable failure messages: the codec's own names for its enums.
std::ostream& operator<<(std::ostream& o, FrameError e) { return o << frame_error_text(e); }
std::ostream& operator<<(std::ostream& o, ResetReason r) { return o << reset_reason_text(r); }
std::ostream& operator<<(std::ostream& o, FrameType t) { return o << "type " << int(t); }
std::ostream& operator<<(std::ostream& o, DecodeResult::Status s) {
  switch (s) {
    case DecodeResult::Status::frame: return o << "frame";
    case DecodeResult::Status::need_more: return o << "need_more";
    case DecodeResult::Status::error: return o << "error";
  }
  return o << "?";
}
}  // namespace tfunnel::protocol

namespace {

using namespace tfunnel::protocol;
using tfunnel::test::Bytes;
using tfunnel::test::cat;
using tfunnel::test::hex;
using tfunnel::test::text;
using Status = DecodeResult::Status;
namespace ip = boost::asio::ip;

Bytes open_payload(const FlowAddresses& f) {
  std::array<std::uint8_t, kMaxOpenSize> buf{};
  const std::size_t n = open_encode(f, buf);
  return Bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
}

const FlowAddresses kFlowV4{ip::make_address("203.0.113.2"), 40000, ip::make_address("192.0.2.1"), 80};
const FlowAddresses kFlowV6{ip::make_address("2001:db8::2"), 443, ip::make_address("2001:db8::1"),
                            8080};

// One named case per frame type (and per interesting field value): the frame
// as typed values, the payload produced by the payload encoder under test,
// and the exact bytes expected on the wire.
struct FrameCase {
  std::string name;
  FrameHeader header;
  Bytes payload;
  Bytes wire;
};

std::vector<FrameCase> valid_frames() {
  return {
      {"open v4",
       {FrameType::open, 0, 13, 1},
       open_payload(kFlowV4),
       {0x01, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x01,  //
        0x04,                                            // family
        0xcb, 0x00, 0x71, 0x02, 0x9c, 0x40,              // 203.0.113.2:40000
        0xc0, 0x00, 0x02, 0x01, 0x00, 0x50}},            // 192.0.2.1:80
      {"open v6",
       {FrameType::open, 0, 37, 0x01020304},
       open_payload(kFlowV6),
       {0x01, 0x00, 0x00, 0x25, 0x01, 0x02, 0x03, 0x04,  //
        0x06,                                            // family
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x01, 0xbb,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x1f, 0x90}},
      {"opened",
       {FrameType::opened, 0, 0, 7},
       {},
       {0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07}},
      {"data",
       {FrameType::data, 0, 5, 1},
       text("hello"),
       {0x03, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 'h', 'e', 'l', 'l', 'o'}},
      {"data on the highest stream id",
       {FrameType::data, 0, 1, 0xfffffffe},
       {0x00},
       {0x03, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xfe, 0x00}},
      {"data length 258 (big-endian length)",
       {FrameType::data, 0, 258, 0x00000100},
       Bytes(258, 0xab),
       cat({Bytes{0x03, 0x00, 0x01, 0x02, 0x00, 0x00, 0x01, 0x00}, Bytes(258, 0xab)})},
      {"fin",
       {FrameType::fin, 0, 0, 2},
       {},
       {0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02}},
      {"rst reset",
       {FrameType::rst, 0, 1, 3},
       Bytes{rst_encode(ResetReason::reset)[0]},
       {0x05, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x01}},
      {"rst refused",
       {FrameType::rst, 0, 1, 3},
       Bytes{rst_encode(ResetReason::refused)[0]},
       {0x05, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x02}},
      {"rst unreachable",
       {FrameType::rst, 0, 1, 3},
       Bytes{rst_encode(ResetReason::unreachable)[0]},
       {0x05, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x03}},
      {"rst timed out",
       {FrameType::rst, 0, 1, 3},
       Bytes{rst_encode(ResetReason::timed_out)[0]},
       {0x05, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x04}},
      {"rst failed",
       {FrameType::rst, 0, 1, 3},
       Bytes{rst_encode(ResetReason::failed)[0]},
       {0x05, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x05}},
      {"credit of the initial window",
       {FrameType::credit, 0, 4, 9},
       [] { auto c = credit_encode(kInitialWindow); return Bytes(c.begin(), c.end()); }(),
       {0x06, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x09, 0x00, 0x04, 0x00, 0x00}},
      {"credit 0x01020304 (big-endian increment)",
       {FrameType::credit, 0, 4, 0x0a0b0c0d},
       [] { auto c = credit_encode(0x01020304); return Bytes(c.begin(), c.end()); }(),
       {0x06, 0x00, 0x00, 0x04, 0x0a, 0x0b, 0x0c, 0x0d, 0x01, 0x02, 0x03, 0x04}},
      {"ping",
       {FrameType::ping, 0, 8, 0},
       [] { auto p = ping_encode(0x0102030405060708); return Bytes(p.begin(), p.end()); }(),
       {0x07, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 7, 8}},
      {"pong",
       {FrameType::pong, 0, 8, 0},
       [] { auto p = ping_encode(0xfedcba9876543210); return Bytes(p.begin(), p.end()); }(),
       {0x08, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32,
        0x10}},
  };
}

// Exactly-sized heap copy: AddressSanitizer catches any read past the input.
Bytes exact(std::span<const std::uint8_t> b) { return Bytes(b.begin(), b.end()); }

}  // namespace

BOOST_AUTO_TEST_SUITE(protocol_)

// ---- frame header -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(header_is_type_flags_length_stream_in_network_byte_order) {
  std::array<std::uint8_t, kHeaderSize> b{};
  header_serialize({FrameType::credit, 0, 0x0102, 0x03040506}, b);
  BOOST_TEST(hex(b) == "06 00 01 02 03 04 05 06");
  const FrameHeader h = header_deserialize(b);
  BOOST_TEST(h.type == FrameType::credit);
  BOOST_TEST(h.flags == 0);
  BOOST_TEST(h.length == 0x0102);
  BOOST_TEST(h.stream == 0x03040506u);
}

BOOST_AUTO_TEST_CASE(header_deserialize_keeps_unvalidated_fields) {
  const Bytes b = {0xee, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  const FrameHeader h = header_deserialize(std::span<const std::uint8_t, kHeaderSize>(b.data(), 8));
  BOOST_TEST(static_cast<int>(h.type) == 0xee);
  BOOST_TEST(h.flags == 0x80);
  BOOST_TEST(h.length == 0xffff);
  BOOST_TEST(h.stream == 0xffffffffu);
}

// ---- every frame type: encode and decode --------------------------------------

BOOST_AUTO_TEST_CASE(every_frame_type_encodes_to_its_exact_bytes) {
  std::set<FrameType> covered;
  for (const auto& c : valid_frames()) {
    BOOST_TEST_CONTEXT("case " << c.name) {
      std::array<std::uint8_t, kHeaderSize> h{};
      header_serialize(c.header, h);
      BOOST_TEST(hex(cat({h, c.payload})) == hex(c.wire));
      covered.insert(c.header.type);
    }
  }
  BOOST_TEST(covered.size() == 8u);  // open .. pong
}

BOOST_AUTO_TEST_CASE(every_frame_type_decodes_from_its_exact_bytes) {
  for (const auto& c : valid_frames()) {
    BOOST_TEST_CONTEXT("case " << c.name) {
      const Bytes in = exact(c.wire);
      const DecodeResult r = frame_decode(in);
      BOOST_TEST_REQUIRE(r.status == Status::frame);
      BOOST_TEST(r.error == FrameError::none);
      BOOST_TEST(r.consumed == c.wire.size());
      BOOST_TEST(r.frame.header.type == c.header.type);
      BOOST_TEST(r.frame.header.flags == 0);
      BOOST_TEST(r.frame.header.length == c.header.length);
      BOOST_TEST(r.frame.header.stream == c.header.stream);
      BOOST_TEST(hex(r.frame.payload) == hex(c.payload));
      // The payload is a view into the input, right after the header.
      BOOST_TEST((r.frame.payload.data() == in.data() + kHeaderSize));
    }
  }
}

BOOST_AUTO_TEST_CASE(every_proper_prefix_of_a_valid_frame_needs_more) {
  for (const auto& c : valid_frames()) {
    for (std::size_t n = 0; n < c.wire.size(); ++n) {
      BOOST_TEST_CONTEXT("case " << c.name << ", first " << n << " bytes") {
        const Bytes in = exact(std::span(c.wire).first(n));
        const DecodeResult r = frame_decode(in);
        BOOST_TEST(r.status == Status::need_more);
        BOOST_TEST(r.consumed == 0u);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(decode_takes_only_the_first_of_several_frames) {
  const auto frames = valid_frames();
  for (std::size_t i = 0; i + 1 < frames.size(); ++i) {
    BOOST_TEST_CONTEXT("case " << frames[i].name << " followed by " << frames[i + 1].name) {
      const Bytes in = cat({frames[i].wire, frames[i + 1].wire});
      const DecodeResult r = frame_decode(in);
      BOOST_TEST_REQUIRE(r.status == Status::frame);
      BOOST_TEST(r.consumed == frames[i].wire.size());
      BOOST_TEST(hex(r.frame.payload) == hex(frames[i].payload));
      const DecodeResult r2 = frame_decode(std::span(in).subspan(r.consumed));
      BOOST_TEST_REQUIRE(r2.status == Status::frame);
      BOOST_TEST(r2.consumed == frames[i + 1].wire.size());
    }
  }
}

BOOST_AUTO_TEST_CASE(data_payload_may_be_as_long_as_the_length_field_allows) {
  Bytes in = {0x03, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01};
  in.resize(kHeaderSize + kMaxPayload, 0x5a);
  const DecodeResult r = frame_decode(in);
  BOOST_TEST_REQUIRE(r.status == Status::frame);
  BOOST_TEST(r.consumed == kHeaderSize + kMaxPayload);
  BOOST_TEST(r.frame.payload.size() == kMaxPayload);
}

// ---- malformed frames -----------------------------------------------------------

BOOST_AUTO_TEST_CASE(malformed_headers_are_rejected_before_the_payload_arrives) {
  struct Case {
    std::string name;
    Bytes header;
    FrameError error;
  };
  const std::vector<Case> cases = {
      // type
      {"type 0", {0x00, 0, 0x00, 0x00, 0, 0, 0, 1}, FrameError::unknown_type},
      {"type 13", {0x0d, 0, 0x00, 0x00, 0, 0, 0, 1}, FrameError::unknown_type},
      {"ack length 4", {0x0c, 0, 0x00, 0x04, 0, 0, 0, 0}, FrameError::bad_length},
      {"ack on a stream", {0x0c, 0, 0x00, 0x08, 0, 0, 0, 1}, FrameError::bad_stream},
      {"type 255", {0xff, 0, 0x00, 0x01, 0, 0, 0, 1}, FrameError::unknown_type},
      // flags
      {"data with flag 0x01", {0x03, 0x01, 0x00, 0x01, 0, 0, 0, 1}, FrameError::bad_flags},
      {"fin with flag 0x80", {0x04, 0x80, 0x00, 0x00, 0, 0, 0, 1}, FrameError::bad_flags},
      {"ping with flags 0xff", {0x07, 0xff, 0x00, 0x08, 0, 0, 0, 0}, FrameError::bad_flags},
      // length per type
      {"open length 0", {0x01, 0, 0x00, 0x00, 0, 0, 0, 1}, FrameError::bad_length},
      {"open length 12", {0x01, 0, 0x00, 0x0c, 0, 0, 0, 1}, FrameError::bad_length},
      {"open length 14", {0x01, 0, 0x00, 0x0e, 0, 0, 0, 1}, FrameError::bad_length},
      {"open length 36", {0x01, 0, 0x00, 0x24, 0, 0, 0, 1}, FrameError::bad_length},
      {"open length 38", {0x01, 0, 0x00, 0x26, 0, 0, 0, 1}, FrameError::bad_length},
      {"open length 13 as little-endian", {0x01, 0, 0x0d, 0x00, 0, 0, 0, 1},
       FrameError::bad_length},
      {"opened length 1", {0x02, 0, 0x00, 0x01, 0, 0, 0, 1}, FrameError::bad_length},
      {"data length 0", {0x03, 0, 0x00, 0x00, 0, 0, 0, 1}, FrameError::bad_length},
      {"fin length 1", {0x04, 0, 0x00, 0x01, 0, 0, 0, 1}, FrameError::bad_length},
      {"fin length 256", {0x04, 0, 0x01, 0x00, 0, 0, 0, 1}, FrameError::bad_length},
      {"rst length 0", {0x05, 0, 0x00, 0x00, 0, 0, 0, 1}, FrameError::bad_length},
      {"rst length 2", {0x05, 0, 0x00, 0x02, 0, 0, 0, 1}, FrameError::bad_length},
      {"credit length 3", {0x06, 0, 0x00, 0x03, 0, 0, 0, 1}, FrameError::bad_length},
      {"credit length 5", {0x06, 0, 0x00, 0x05, 0, 0, 0, 1}, FrameError::bad_length},
      {"credit length 8", {0x06, 0, 0x00, 0x08, 0, 0, 0, 1}, FrameError::bad_length},
      {"ping length 0", {0x07, 0, 0x00, 0x00, 0, 0, 0, 0}, FrameError::bad_length},
      {"ping length 7", {0x07, 0, 0x00, 0x07, 0, 0, 0, 0}, FrameError::bad_length},
      {"ping length 9", {0x07, 0, 0x00, 0x09, 0, 0, 0, 0}, FrameError::bad_length},
      {"pong length 4", {0x08, 0, 0x00, 0x04, 0, 0, 0, 0}, FrameError::bad_length},
      // stream id per type
      {"open on stream 0", {0x01, 0, 0x00, 0x0d, 0, 0, 0, 0}, FrameError::bad_stream},
      {"opened on stream 0", {0x02, 0, 0x00, 0x00, 0, 0, 0, 0}, FrameError::bad_stream},
      {"data on stream 0", {0x03, 0, 0x00, 0x01, 0, 0, 0, 0}, FrameError::bad_stream},
      {"fin on stream 0", {0x04, 0, 0x00, 0x00, 0, 0, 0, 0}, FrameError::bad_stream},
      {"rst on stream 0", {0x05, 0, 0x00, 0x01, 0, 0, 0, 0}, FrameError::bad_stream},
      {"credit on stream 0", {0x06, 0, 0x00, 0x04, 0, 0, 0, 0}, FrameError::bad_stream},
      {"ping on stream 1", {0x07, 0, 0x00, 0x08, 0, 0, 0, 1}, FrameError::bad_stream},
      {"ping on stream 0x01000000", {0x07, 0, 0x00, 0x08, 1, 0, 0, 0}, FrameError::bad_stream},
      {"pong on stream 0xffffffff", {0x08, 0, 0x00, 0x08, 0xff, 0xff, 0xff, 0xff},
       FrameError::bad_stream},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("case " << c.name << ": " << hex(c.header)) {
      BOOST_TEST_REQUIRE(c.header.size() == kHeaderSize);
      const FrameHeader h =
          header_deserialize(std::span<const std::uint8_t, kHeaderSize>(c.header.data(), 8));
      BOOST_TEST(header_validate(h) == c.error);
      // The header alone is enough to reject the frame...
      const DecodeResult r = frame_decode(exact(c.header));
      BOOST_TEST(r.status == Status::error);
      BOOST_TEST(r.error == c.error);
      BOOST_TEST(r.consumed == 0u);
      // ... and a payload behind it changes nothing.
      const Bytes with_payload = cat({c.header, Bytes(64, 0)});
      const DecodeResult r2 = frame_decode(with_payload);
      BOOST_TEST(r2.status == Status::error);
      BOOST_TEST(r2.error == c.error);
    }
  }
}

BOOST_AUTO_TEST_CASE(valid_headers_pass_validation) {
  for (const auto& c : valid_frames()) {
    BOOST_TEST_CONTEXT("case " << c.name) { BOOST_TEST(header_validate(c.header) == FrameError::none); }
  }
}

BOOST_AUTO_TEST_CASE(frame_errors_have_distinct_messages) {
  std::set<std::string> texts;
  for (auto e : {FrameError::none, FrameError::unknown_type, FrameError::bad_flags,
                 FrameError::bad_length, FrameError::bad_stream, FrameError::bad_payload})
    texts.insert(frame_error_text(e));
  BOOST_TEST(texts.size() == 6u);
  BOOST_TEST(texts.count("?") == 0u);
}

// The decoder is total: any input gives a frame, need_more or an error, never
// reads past its input (exact-size heap buffers under ASan), and never claims
// more bytes than it was given.
BOOST_AUTO_TEST_CASE(decode_of_random_bytes_never_overreads_and_is_consistent) {
  const unsigned seed = 20240601;
  std::mt19937 rng(seed);
  BOOST_TEST_CONTEXT("seed " << seed) {
    for (int i = 0; i < 20000; ++i) {
      Bytes in(std::uniform_int_distribution<std::size_t>(0, 48)(rng));
      for (auto& b : in) b = static_cast<std::uint8_t>(rng());
      // Bias towards plausible headers so that every branch is reached.
      if (in.size() > 0) in[0] = static_cast<std::uint8_t>(rng() % 10);
      if (in.size() > 1 && rng() % 4) in[1] = 0;
      if (in.size() > 2 && rng() % 4) in[2] = 0;
      if (in.size() > 3 && rng() % 2) in[3] = static_cast<std::uint8_t>(rng() % 40);
      if (in.size() > 7 && rng() % 2) in[4] = in[5] = in[6] = 0;
      const DecodeResult r = frame_decode(in);
      switch (r.status) {
        case Status::frame: {
          BOOST_TEST_REQUIRE(r.consumed <= in.size());
          BOOST_TEST(r.consumed == kHeaderSize + r.frame.header.length);
          BOOST_TEST(header_validate(r.frame.header) == FrameError::none);
          const Bytes payload = exact(r.frame.payload);
          if (r.frame.header.type == FrameType::open) (void)open_decode(payload);
          if (r.frame.header.type == FrameType::rst) (void)rst_decode(payload);
          if (r.frame.header.type == FrameType::credit) (void)credit_decode(payload);
          if (r.frame.header.type == FrameType::ping) (void)ping_decode(payload);
          break;
        }
        case Status::need_more: BOOST_TEST(r.consumed == 0u); break;
        case Status::error:
          BOOST_TEST(r.consumed == 0u);
          BOOST_TEST(r.error != FrameError::none);
          break;
      }
    }
  }
}

// ---- payloads -------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(open_payload_round_trips_both_families) {
  struct Case {
    std::string name;
    FlowAddresses flow;
    std::size_t size;
  };
  const std::vector<Case> cases = {
      {"v4", kFlowV4, kOpenV4Size},
      {"v6", kFlowV6, kOpenV6Size},
      {"v4 extremes", {ip::make_address("0.0.0.0"), 0, ip::make_address("255.255.255.255"), 65535},
       kOpenV4Size},
      {"v6 v4-mapped stays v6",
       {ip::make_address("::ffff:203.0.113.1"), 1, ip::make_address("::ffff:203.0.113.2"), 2},
       kOpenV6Size},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("case " << c.name) {
      const Bytes p = open_payload(c.flow);
      BOOST_TEST(p.size() == c.size);
      const auto f = open_decode(p);
      BOOST_TEST_REQUIRE(f.has_value());
      BOOST_TEST(f->src == c.flow.src);
      BOOST_TEST(f->src_port == c.flow.src_port);
      BOOST_TEST(f->dst == c.flow.dst);
      BOOST_TEST(f->dst_port == c.flow.dst_port);
    }
  }
}

// --dns: the family byte's high bit says "ask the proxy's resolver"; it
// travels with either family and is off unless set.
BOOST_AUTO_TEST_CASE(open_carries_the_to_resolver_mark) {
  for (FlowAddresses flow : {kFlowV4, kFlowV6}) {
    BOOST_TEST(!open_decode(open_payload(flow))->to_resolver);
    flow.to_resolver = true;
    const Bytes p = open_payload(flow);
    BOOST_TEST((p[0] & tfunnel::protocol::kOpenToResolver) != 0);
    const auto f = open_decode(p);
    BOOST_TEST_REQUIRE(f.has_value());
    BOOST_TEST(f->to_resolver);
    BOOST_TEST(f->dst == flow.dst);
    BOOST_TEST(f->dst_port == flow.dst_port);
  }
}

BOOST_AUTO_TEST_CASE(open_encode_refuses_mixed_families) {
  std::array<std::uint8_t, kMaxOpenSize> buf{};
  const FlowAddresses v4_to_v6{ip::make_address("203.0.113.1"), 1, ip::make_address("2001:db8::1"), 2};
  const FlowAddresses v6_to_v4{ip::make_address("2001:db8::1"), 1, ip::make_address("203.0.113.1"), 2};
  BOOST_TEST(open_encode(v4_to_v6, buf) == 0u);
  BOOST_TEST(open_encode(v6_to_v4, buf) == 0u);
}

BOOST_AUTO_TEST_CASE(open_decode_rejects_bad_family_or_size) {
  const Bytes v4 = open_payload(kFlowV4);
  const Bytes v6 = open_payload(kFlowV6);
  auto with_family = [](Bytes b, std::uint8_t family) {
    b[0] = family;
    return b;
  };
  struct Case {
    std::string name;
    Bytes payload;
  };
  const std::vector<Case> cases = {
      {"empty", {}},
      {"family only", {0x04}},
      {"family 0", with_family(v4, 0)},
      {"family 5", with_family(v4, 5)},
      {"family 10 (AF_INET6 on Linux)", with_family(v6, 10)},
      {"family 2 (AF_INET on Linux)", with_family(v4, 2)},
      {"family 4 with the v6 size", with_family(v6, 4)},
      {"family 6 with the v4 size", with_family(v4, 6)},
      {"v4 one byte short", Bytes(v4.begin(), v4.end() - 1)},
      {"v4 one byte long", cat({v4, Bytes{0}})},
      {"v6 one byte short", Bytes(v6.begin(), v6.end() - 1)},
      {"v6 one byte long", cat({v6, Bytes{0}})},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("case " << c.name << ": " << hex(c.payload)) {
      BOOST_TEST(!open_decode(exact(c.payload)).has_value());
    }
  }
}

BOOST_AUTO_TEST_CASE(rst_decode_accepts_exactly_the_five_reasons) {
  for (int v = 0; v < 256; ++v) {
    BOOST_TEST_CONTEXT("reason byte " << v) {
      const Bytes in{static_cast<std::uint8_t>(v)};
      const auto r = rst_decode(in);
      if (v >= 1 && v <= 5) {
        BOOST_TEST_REQUIRE(r.has_value());
        BOOST_TEST(static_cast<int>(*r) == v);
        BOOST_TEST(rst_encode(*r)[0] == v);
      } else {
        BOOST_TEST(!r.has_value());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(reset_reasons_have_distinct_names) {
  std::set<std::string> names;
  for (auto r : {ResetReason::reset, ResetReason::refused, ResetReason::unreachable,
                 ResetReason::timed_out, ResetReason::failed})
    names.insert(reset_reason_text(r));
  BOOST_TEST(names.size() == 5u);
  BOOST_TEST(names.count("?") == 0u);
}

BOOST_AUTO_TEST_CASE(frame_types_are_named_as_in_the_protocol_document) {
  std::set<std::string> names;
  for (int t = 1; t <= 12; ++t) names.insert(frame_type_name(static_cast<FrameType>(t)));
  BOOST_TEST(names.size() == 12u);
  BOOST_TEST(names.count("unknown") == 0u);
  BOOST_TEST(frame_type_name(FrameType::data) == std::string("data"));
  BOOST_TEST(frame_type_name(FrameType::udp_open) == std::string("udp_open"));
  BOOST_TEST(frame_type_name(static_cast<FrameType>(0)) == std::string("unknown"));
  BOOST_TEST(frame_type_name(FrameType::ack) == std::string("ack"));
  BOOST_TEST(frame_type_name(static_cast<FrameType>(13)) == std::string("unknown"));
}

BOOST_AUTO_TEST_CASE(credit_and_ping_payloads_are_big_endian) {
  BOOST_TEST(hex(credit_encode(0x01020304)) == "01 02 03 04");
  BOOST_TEST(hex(credit_encode(0xffffffff)) == "ff ff ff ff");
  BOOST_TEST(hex(ping_encode(0x0102030405060708)) == "01 02 03 04 05 06 07 08");
  const Bytes c = {0x00, 0x04, 0x00, 0x00};
  BOOST_TEST(credit_decode(c) == kInitialWindow);
  const Bytes p = {0x80, 0, 0, 0, 0, 0, 0, 0x01};
  BOOST_TEST(ping_decode(p) == 0x8000000000000001ull);
  for (std::uint32_t v : {0u, 1u, 0x7fffffffu, 0x80000000u, 0xffffffffu})
    BOOST_TEST(credit_decode(credit_encode(v)) == v);
  for (std::uint64_t v : {0ull, 1ull, 0xffffffffffffffffull, 0x0123456789abcdefull})
    BOOST_TEST(ping_decode(ping_encode(v)) == v);
}

BOOST_AUTO_TEST_CASE(limits_fit_the_header_and_the_window_guard) {
  BOOST_TEST(kMaxPayload == 0xffffu);
  BOOST_TEST(kMaxDataPayload <= kMaxPayload);
  BOOST_TEST(kOpenV4Size == 13u);
  BOOST_TEST(kOpenV6Size == 37u);
  BOOST_TEST(kInitialWindow <= kMaxWindow);
}

BOOST_AUTO_TEST_SUITE_END()
