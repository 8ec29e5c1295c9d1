// Specification of FrameReader (common/frame_reader.{hpp,cpp}): however the
// channel's bytes are cut into reads, the same frames come out, in order.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "common/frame_reader.hpp"
#include "common/protocol.hpp"
#include "tests/unit/bytes.hpp"

namespace {

using namespace tfunnel::protocol;
using tfunnel::FrameReader;
using tfunnel::test::Bytes;
using tfunnel::test::hex;
using Status = DecodeResult::Status;

// A frame as text for comparisons: all of it in hex when short; the header in
// hex, the payload's size and a hash when long (hex of 64 KiB frames is slow).
std::string describe(std::span<const std::uint8_t> f) {
  if (f.size() <= kHeaderSize + 64) return hex(f);
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (const std::uint8_t b : f.subspan(kHeaderSize)) h = (h ^ b) * 1099511628211ull;
  char buf[64];
  std::snprintf(buf, sizeof buf, " + %zu bytes, fnv1a %016llx", f.size() - kHeaderSize,
                static_cast<unsigned long long>(h));
  return hex(f.first(kHeaderSize)) + buf;
}

Bytes frame(FrameType type, std::uint32_t stream, std::span<const std::uint8_t> payload) {
  Bytes out(kHeaderSize);
  header_serialize(FrameHeader{type, 0, static_cast<std::uint16_t>(payload.size()), stream},
                   std::span<std::uint8_t, kHeaderSize>(out.data(), kHeaderSize));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

template <std::size_t N>
Bytes frame(FrameType type, std::uint32_t stream, const std::array<std::uint8_t, N>& payload) {
  return frame(type, stream, std::span<const std::uint8_t>(payload));
}

Bytes open_frame(std::uint32_t stream, const char* src, const char* dst) {
  namespace ip = boost::asio::ip;
  std::array<std::uint8_t, kMaxOpenSize> buf{};
  const std::size_t n = open_encode({ip::make_address(src), 1234, ip::make_address(dst), 80}, buf);
  return frame(FrameType::open, stream, std::span<const std::uint8_t>(buf.data(), n));
}

struct Named {
  std::string name;
  Bytes wire;
};

// One valid frame of every type.
std::vector<Named> valid_frames() {
  const Bytes hello = {'h', 'e', 'l', 'l', 'o'};
  return {
      {"open v4", open_frame(1, "203.0.113.2", "192.0.2.1")},
      {"open v6", open_frame(0x01020304, "2001:db8::2", "2001:db8::1")},
      {"opened", frame(FrameType::opened, 7, Bytes{})},
      {"data", frame(FrameType::data, 1, hello)},
      {"data of one byte", frame(FrameType::data, 0xffffffff, Bytes{0})},
      {"data of 300 bytes", frame(FrameType::data, 0x100, Bytes(300, 0xa5))},
      {"fin", frame(FrameType::fin, 2, Bytes{})},
      {"rst", frame(FrameType::rst, 3, rst_encode(ResetReason::refused))},
      {"credit", frame(FrameType::credit, 9, credit_encode(0x01020304))},
      {"ping", frame(FrameType::ping, 0, ping_encode(0x0102030405060708))},
      {"pong", frame(FrameType::pong, 0, ping_encode(42))},
  };
}

// What the reader yields, one string per frame (header and payload bytes),
// or "error: ..." at a malformed frame.
using Yield = std::vector<std::string>;

void put(FrameReader& r, std::span<const std::uint8_t> bytes) {
  const auto w = r.writable();
  BOOST_TEST_REQUIRE(w.size() >= bytes.size());
  std::memcpy(w.data(), bytes.data(), bytes.size());
  r.commit(bytes.size());
}

// Takes every whole frame, copying each out before the next writable().
bool drain(FrameReader& r, Yield& out) {
  for (;;) {
    const DecodeResult d = r.next();
    if (d.status == Status::need_more) return true;
    if (d.status == Status::error) {
      out.push_back(std::string("error: ") + frame_error_text(d.error));
      return false;
    }
    Bytes f(kHeaderSize);
    header_serialize(d.frame.header, std::span<std::uint8_t, kHeaderSize>(f.data(), kHeaderSize));
    f.insert(f.end(), d.frame.payload.begin(), d.frame.payload.end());
    out.push_back(describe(f));
  }
}

Yield expected_of(const std::vector<Bytes>& frames) {
  Yield y;
  for (const auto& f : frames) y.push_back(describe(f));
  return y;
}

Bytes join(const std::vector<Bytes>& frames) {
  Bytes all;
  for (const auto& f : frames) all.insert(all.end(), f.begin(), f.end());
  return all;
}

// Feeds `bytes` cut at the given sizes, draining after each piece.
Yield feed(std::span<const std::uint8_t> bytes, const std::vector<std::size_t>& cuts) {
  FrameReader r;
  Yield out;
  std::size_t at = 0;
  for (const std::size_t n : cuts) {
    put(r, bytes.subspan(at, n));
    at += n;
    if (!drain(r, out)) return out;
  }
  BOOST_TEST_REQUIRE(at == bytes.size());
  return out;
}

// A random valid frame; data payloads reach the maximal length now and then.
Bytes random_frame(std::mt19937& rng) {
  const auto stream = static_cast<std::uint32_t>(rng() | 1u);
  switch (rng() % 10) {
    case 0: return open_frame(stream, "10.1.2.3", "198.51.100.7");
    case 1: return open_frame(stream, "2001:db8::5", "2001:db8::6");
    case 2: return frame(FrameType::opened, stream, Bytes{});
    case 3: return frame(FrameType::fin, stream, Bytes{});
    case 4: return frame(FrameType::rst, stream, rst_encode(ResetReason::reset));
    case 5: return frame(FrameType::credit, stream, credit_encode(static_cast<std::uint32_t>(rng())));
    case 6: return frame(FrameType::ping, 0, ping_encode(rng()));
    default: {
      std::size_t n;
      switch (rng() % 16) {
        case 0: n = kMaxPayload; break;
        case 1: n = kMaxDataPayload; break;
        case 2: n = std::uniform_int_distribution<std::size_t>(1, kMaxPayload)(rng); break;
        default: n = std::uniform_int_distribution<std::size_t>(1, 200)(rng); break;
      }
      Bytes payload(n);
      for (auto& b : payload) b = static_cast<std::uint8_t>(rng());
      return frame(FrameType::data, stream, payload);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(frame_reader)

BOOST_AUTO_TEST_CASE(a_whole_frame_in_one_read_yields_it) {
  for (const auto& c : valid_frames()) {
    BOOST_TEST_CONTEXT("case " << c.name) {
      BOOST_TEST(feed(c.wire, {c.wire.size()}) == expected_of({c.wire}), boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(every_frame_split_at_every_byte_boundary_yields_the_same_frame) {
  for (const auto& c : valid_frames()) {
    for (std::size_t k = 0; k <= c.wire.size(); ++k) {
      BOOST_TEST_CONTEXT("case " << c.name << ", split after " << k << " bytes") {
        BOOST_TEST(feed(c.wire, {k, c.wire.size() - k}) == expected_of({c.wire}),
                   boost::test_tools::per_element());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(every_frame_fed_one_byte_at_a_time_yields_the_same_frame) {
  for (const auto& c : valid_frames()) {
    BOOST_TEST_CONTEXT("case " << c.name) {
      BOOST_TEST(feed(c.wire, std::vector<std::size_t>(c.wire.size(), 1)) == expected_of({c.wire}),
                 boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(a_partial_frame_yields_nothing_until_its_last_byte) {
  for (const auto& c : valid_frames()) {
    BOOST_TEST_CONTEXT("case " << c.name) {
      FrameReader r;
      Yield out;
      for (std::size_t i = 0; i + 1 < c.wire.size(); ++i) {
        put(r, std::span(c.wire).subspan(i, 1));
        drain(r, out);
        BOOST_TEST_REQUIRE(out.empty());
        BOOST_TEST(r.pending().size() == i + 1);
      }
      put(r, std::span(c.wire).last(1));
      drain(r, out);
      BOOST_TEST(out == expected_of({c.wire}), boost::test_tools::per_element());
      BOOST_TEST(r.pending().empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(all_frames_back_to_back_split_at_every_byte_boundary_yield_them_in_order) {
  std::vector<Bytes> frames;
  for (const auto& c : valid_frames()) frames.push_back(c.wire);
  const Bytes all = join(frames);
  const Yield expected = expected_of(frames);
  for (std::size_t k = 0; k <= all.size(); ++k) {
    BOOST_TEST_CONTEXT("split after " << k << " of " << all.size() << " bytes") {
      BOOST_TEST(feed(all, {k, all.size() - k}) == expected, boost::test_tools::per_element());
    }
  }
  BOOST_TEST(feed(all, std::vector<std::size_t>(all.size(), 1)) == expected,
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(many_frames_fed_in_random_chunk_sizes_yield_them_in_order) {
  // Read sizes: "mixed" has reads of a few bytes, a few KiB, up to a maximal
  // frame, or all the free space; "small" cuts nearly every frame.
  for (const char* profile : {"mixed", "small"}) {
    for (const unsigned seed : {1u, 2u, 3u}) {
      BOOST_TEST_CONTEXT("reads " << profile << ", seed " << seed) {
        std::mt19937 rng(seed);
        std::vector<Bytes> frames;
        for (int i = 0; i < 3000; ++i) frames.push_back(random_frame(rng));
        const Bytes all = join(frames);
        const bool small = profile[0] == 's';

        FrameReader r;
        Yield out;
        std::size_t at = 0;
        std::size_t reads = 0;
        while (at < all.size()) {
          const auto w = r.writable();
          BOOST_TEST_REQUIRE(!w.empty());
          std::size_t n;
          switch (small ? 5 : rng() % 5) {
            case 0: n = w.size(); break;
            case 1: n = std::uniform_int_distribution<std::size_t>(1, 16)(rng); break;
            case 2: n = std::uniform_int_distribution<std::size_t>(1, 4096)(rng); break;
            case 5: n = std::uniform_int_distribution<std::size_t>(1, 600)(rng); break;
            default: n = std::uniform_int_distribution<std::size_t>(1, 70000)(rng); break;
          }
          n = std::min({n, w.size(), all.size() - at});
          std::memcpy(w.data(), all.data() + at, n);
          r.commit(n);
          at += n;
          ++reads;
          BOOST_TEST_REQUIRE(drain(r, out));
        }
        BOOST_TEST(r.pending().empty());
        BOOST_TEST_MESSAGE(profile << " reads, seed " << seed << ": " << frames.size() << " frames, "
                                   << all.size() << " bytes in " << reads << " reads");
        BOOST_TEST(out == expected_of(frames), boost::test_tools::per_element());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(after_whole_frames_are_taken_a_maximal_frame_always_fits) {
  // Small frames up to near the end of the buffer, then the start of a
  // maximal data frame: once the small ones are taken, the rest must fit.
  std::mt19937 rng(7);
  std::vector<Bytes> small;
  std::size_t total = 0;
  while (total < FrameReader::kCapacity - 2000) {
    small.push_back(frame(FrameType::data, 5, Bytes(std::uniform_int_distribution<std::size_t>(1, 1500)(rng), 1)));
    total += small.back().size();
  }
  const Bytes big = frame(FrameType::data, 5, Bytes(kMaxPayload, 0xee));
  FrameReader r;
  Yield out;
  put(r, join(small));
  put(r, std::span(big).first(FrameReader::kCapacity - total));
  BOOST_TEST(r.writable().empty());
  BOOST_TEST(drain(r, out));
  BOOST_TEST(out.size() == small.size());
  BOOST_TEST(r.pending().size() == FrameReader::kCapacity - total);
  put(r, std::span(big).subspan(FrameReader::kCapacity - total));
  out.clear();
  drain(r, out);
  BOOST_TEST(out == expected_of({big}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_empty_reader_offers_its_whole_capacity) {
  FrameReader r;
  BOOST_TEST(r.writable().size() == FrameReader::kCapacity);
  BOOST_TEST(r.pending().empty());
  const Bytes f = frame(FrameType::fin, 1, Bytes{});
  put(r, f);
  Yield out;
  drain(r, out);
  BOOST_TEST(r.writable().size() == FrameReader::kCapacity);
  BOOST_TEST((r.next().status == Status::need_more));
}

BOOST_AUTO_TEST_CASE(a_malformed_frame_stops_the_reader_after_the_valid_ones) {
  const Bytes a = frame(FrameType::fin, 1, Bytes{});
  const Bytes bad = {0x03, 0x01, 0x00, 0x01, 0, 0, 0, 1, 'x'};  // data with a flag set
  const Bytes b = frame(FrameType::fin, 2, Bytes{});
  Bytes all = a;
  all.insert(all.end(), bad.begin(), bad.end());
  all.insert(all.end(), b.begin(), b.end());
  for (std::size_t k = 0; k <= all.size(); ++k) {
    BOOST_TEST_CONTEXT("split after " << k << " bytes") {
      const Yield out = feed(all, {k, all.size() - k});
      // The error is reported as soon as the bad header is complete, and no
      // frame behind it is ever yielded.
      const Yield expected = {describe(a), "error: reserved flags set"};
      BOOST_TEST(out == expected, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(a_malformed_header_is_reported_before_its_payload_arrives) {
  FrameReader r;
  const Bytes bad_data = {0x03, 0x00, 0x00, 0x00, 0, 0, 0, 1};  // data of length 0
  put(r, std::span(bad_data).first(7));
  BOOST_TEST((r.next().status == Status::need_more));
  put(r, std::span(bad_data).last(1));
  const DecodeResult d = r.next();
  BOOST_TEST((d.status == Status::error));
  BOOST_TEST((d.error == FrameError::bad_length));
  // The offending bytes stay pending, for the error message, and the reader
  // keeps reporting the same error.
  BOOST_TEST(hex(r.pending()) == hex(bad_data));
  BOOST_TEST((r.next().error == FrameError::bad_length));
}

BOOST_AUTO_TEST_CASE(pending_shows_and_consume_skips_the_handshake_before_frames) {
  const auto hs = handshake_encode(Role::proxy);
  const Bytes f = frame(FrameType::ping, 0, ping_encode(1));
  for (std::size_t k = 0; k <= hs.size() + f.size(); ++k) {
    BOOST_TEST_CONTEXT("split after " << k << " bytes") {
      Bytes all(hs.begin(), hs.end());
      all.insert(all.end(), f.begin(), f.end());
      FrameReader r;
      put(r, std::span(all).first(k));
      const std::size_t first = std::min<std::size_t>(k, kHandshakeSize);
      BOOST_TEST(hex(r.pending().first(first)) == hex(std::span(hs).first(first)));
      if (k < kHandshakeSize) put(r, std::span(all).subspan(k, kHandshakeSize - k));
      BOOST_TEST_REQUIRE(r.pending().size() >= kHandshakeSize);
      BOOST_TEST((handshake_check(r.pending().first<kHandshakeSize>(), Role::proxy) ==
                  HandshakeError::none));
      r.consume(kHandshakeSize);
      Yield out;
      drain(r, out);
      put(r, std::span(all).subspan(std::max<std::size_t>(k, kHandshakeSize)));
      drain(r, out);
      BOOST_TEST(out == expected_of({f}), boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
