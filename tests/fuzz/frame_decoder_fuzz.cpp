// libFuzzer target for the channel's decoders (common/protocol.cpp,
// common/frame_reader.cpp): the handshake check, frame_decode, the payload
// decoders and FrameReader. For any bytes:
// - a handshake is accepted exactly when magic, version and role match;
// - every frame that decodes passes header_validate, re-encodes to its own
//   bytes, and so does each payload that decodes;
// - cut into reads of any sizes, the bytes give FrameReader the same frames
//   as frame_decode over them in one piece, and the same error at the same
//   place.
// Input layout: fuzz_input.hpp. Mode bit 0 puts large data frames before the
// bytes, so that they reach the end of the reader's buffer where it compacts;
// bits 1-7 shift where they land.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "common/frame_reader.hpp"
#include "common/protocol.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace {

using namespace tfunnel::protocol;
using tfunnel::FrameReader;
using tfunnel::fuzz::FuzzInput;
using Bytes = std::span<const std::uint8_t>;

void check(bool ok, const char* rule) {
  if (ok) return;
  std::fprintf(stderr, "frame_decoder_fuzz: broken rule: %s\n", rule);
  std::abort();
}

bool same(Bytes a, Bytes b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

void handshake_fuzz(Bytes bytes) {
  check(escape_bytes(bytes, 16).size() <= 16 * 4 + 3, "escape_bytes output bounded by its max");
  if (bytes.size() < kHandshakeSize) return;
  const auto got = bytes.first<kHandshakeSize>();
  for (const Role role : {Role::client, Role::proxy}) {
    const auto hello = handshake_encode(role);
    // The reserved byte is not checked: a later version may use it.
    const bool match = std::equal(hello.begin(), hello.end() - 1, got.begin());
    check((handshake_check(got, role) == HandshakeError::none) == match,
          "a handshake is accepted exactly when magic, version and role match");
  }
}

// Each payload decoder either rejects the payload or re-encodes it exactly.
void payload_fuzz(const Frame& f) {
  const Bytes p = f.payload;
  switch (f.header.type) {
    case FrameType::open:
    case FrameType::udp_open: {
      const auto flow = open_decode(p);
      if (!flow) return;
      std::array<std::uint8_t, kMaxOpenSize> out;
      const std::size_t n = open_encode(*flow, out);
      check(same(Bytes(out.data(), n), p), "open payload re-encodes to its bytes");
      return;
    }
    case FrameType::credit: check(same(credit_encode(credit_decode(p)), p), "credit re-encodes"); return;
    case FrameType::ping:
    case FrameType::pong: check(same(ping_encode(ping_decode(p)), p), "ping re-encodes"); return;
    case FrameType::ack: check(same(ack_encode(ack_decode(p)), p), "ack re-encodes"); return;
    case FrameType::rst:
      if (const auto r = rst_decode(p)) check(same(rst_encode(*r), p), "rst re-encodes");
      return;
    case FrameType::unreachable:
      if (const auto u = unreachable_decode(p)) check(same(unreachable_encode(*u), p), "unreachable re-encodes");
      return;
    default: return;
  }
}

// Where each frame lies in the bytes, and how decoding ended.
struct Decoded {
  std::vector<std::size_t> frame_ends;
  bool error = false;
  FrameError why = FrameError::none;
  std::size_t consumed = 0;
};

void frame_fuzz(const Frame& f, Bytes wire) {
  check(header_validate(f.header) == FrameError::none, "a decoded frame passes header_validate");
  check(f.payload.size() == f.header.length, "the payload has the header's length");
  std::array<std::uint8_t, kHeaderSize> h;
  header_serialize(f.header, h);
  check(same(h, wire.first(kHeaderSize)), "the header re-encodes to its bytes");
  check(same(f.payload, wire.subspan(kHeaderSize)), "the payload is the bytes after the header");
  payload_fuzz(f);
}

Decoded decode_whole(Bytes bytes) {
  Decoded d;
  for (;;) {
    const DecodeResult r = frame_decode(bytes.subspan(d.consumed));
    if (r.status == DecodeResult::Status::need_more) return d;
    if (r.status == DecodeResult::Status::error) {
      check(r.error != FrameError::none, "an error names its cause");
      d.error = true;
      d.why = r.error;
      return d;
    }
    check(r.consumed == kHeaderSize + r.frame.header.length, "a frame consumes header and payload");
    frame_fuzz(r.frame, bytes.subspan(d.consumed, r.consumed));
    d.consumed += r.consumed;
    d.frame_ends.push_back(d.consumed);
  }
}

// `prefix` bytes come in reads of 16 KiB, the rest as the input says.
void decode_in_reads(Bytes bytes, std::size_t prefix, FuzzInput& in, const Decoded& whole) {
  FrameReader reader;
  std::size_t at = 0, frames = 0, consumed = 0;
  while (at < bytes.size()) {
    const std::size_t n = std::min(at < prefix ? 16384 : in.next_chunk(), bytes.size() - at);
    const auto room = reader.writable();
    check(room.size() >= FrameReader::kMinRoom, "the reader always has room for a maximal frame");
    std::memcpy(room.data(), bytes.data() + at, n);
    reader.commit(n);
    at += n;
    for (;;) {
      const DecodeResult r = reader.next();
      if (r.status == DecodeResult::Status::need_more) break;
      if (r.status == DecodeResult::Status::error) {
        check(whole.error && r.error == whole.why && consumed == whole.consumed,
              "reads stop at the same malformed frame as one piece");
        return;
      }
      check(frames < whole.frame_ends.size(), "reads yield no more frames than one piece");
      const std::size_t end = whole.frame_ends[frames++];
      check(end - consumed == r.consumed, "reads yield frames of the same sizes");
      frame_fuzz(r.frame, bytes.subspan(consumed, r.consumed));
      consumed = end;
    }
  }
  check(!whole.error, "reads reach the malformed frame that one piece reports");
  check(frames == whole.frame_ends.size(), "reads yield every frame of one piece");
  check(reader.pending().size() == bytes.size() - consumed, "a partial frame stays pending");
}

// Data frames that fill the reader's buffer to around the point where it
// starts compacting (4 KiB before it, plus 64 bytes per `shift`).
std::vector<std::uint8_t> padding(unsigned shift) {
  std::size_t left = FrameReader::kCapacity - FrameReader::kMinRoom - 4096 + 64 * shift;
  std::vector<std::uint8_t> out;
  while (left > 0) {
    // The last frame takes what is left; the one before leaves it a byte.
    const std::size_t len = left - kHeaderSize <= kMaxPayload
                                ? left - kHeaderSize
                                : std::min(kMaxPayload, left - 2 * kHeaderSize - 1);
    std::array<std::uint8_t, kHeaderSize> h;
    header_serialize({FrameType::data, 0, static_cast<std::uint16_t>(len), 1}, h);
    out.insert(out.end(), h.begin(), h.end());
    out.resize(out.size() + len, static_cast<std::uint8_t>(len));
    left -= kHeaderSize + len;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzInput in(Bytes(data, size));
  Bytes bytes = in.bytes();
  handshake_fuzz(bytes);
  std::vector<std::uint8_t> padded;
  if (in.mode_bit(0)) {
    padded = padding(in.mode() >> 1);
    padded.insert(padded.end(), bytes.begin(), bytes.end());
  }
  const Bytes all = in.mode_bit(0) ? Bytes(padded) : bytes;
  const Decoded whole = decode_whole(all);
  decode_in_reads(all, all.size() - bytes.size(), in, whole);
  return 0;
}
