#include "common/protocol.hpp"

#include <algorithm>
#include <cstdio>

#include <boost/endian/conversion.hpp>

namespace tfunnel::protocol {

namespace endian = boost::endian;

std::array<std::uint8_t, kHandshakeSize> handshake_encode(Role self) noexcept {
  std::array<std::uint8_t, kHandshakeSize> out{};
  std::copy(kMagic.begin(), kMagic.end(), out.begin());
  endian::store_big_u16(&out[4], kVersion);
  out[6] = static_cast<std::uint8_t>(self);
  out[7] = 0;
  return out;
}

HandshakeError handshake_check(std::span<const std::uint8_t, kHandshakeSize> bytes,
                               Role expected) noexcept {
  if (!std::equal(kMagic.begin(), kMagic.end(), bytes.begin())) return HandshakeError::bad_magic;
  if (endian::load_big_u16(&bytes[4]) != kVersion) return HandshakeError::bad_version;
  if (bytes[6] != static_cast<std::uint8_t>(expected)) return HandshakeError::bad_role;
  return HandshakeError::none;
}

const char* handshake_error_text(HandshakeError e) noexcept {
  switch (e) {
    case HandshakeError::none: return "ok";
    case HandshakeError::bad_magic: return "not a tfunnel handshake";
    case HandshakeError::bad_version: return "unsupported protocol version";
    case HandshakeError::bad_role: return "peer has the same role (two clients or two proxies joined)";
  }
  return "?";
}

const char* frame_type_name(FrameType t) noexcept {
  switch (t) {
    case FrameType::open: return "open";
    case FrameType::opened: return "opened";
    case FrameType::data: return "data";
    case FrameType::fin: return "fin";
    case FrameType::rst: return "rst";
    case FrameType::credit: return "credit";
    case FrameType::ping: return "ping";
    case FrameType::pong: return "pong";
    case FrameType::udp_open: return "udp_open";
    case FrameType::datagram: return "datagram";
    case FrameType::unreachable: return "unreachable";
    case FrameType::ack: return "ack";
  }
  return "unknown";
}

const char* reset_reason_text(ResetReason r) noexcept {
  switch (r) {
    case ResetReason::reset: return "reset";
    case ResetReason::refused: return "refused";
    case ResetReason::unreachable: return "unreachable";
    case ResetReason::timed_out: return "timed out";
    case ResetReason::failed: return "failed";
  }
  return "?";
}

void header_serialize(const FrameHeader& h, std::span<std::uint8_t, kHeaderSize> out) noexcept {
  out[0] = static_cast<std::uint8_t>(h.type);
  out[1] = h.flags;
  endian::store_big_u16(&out[2], h.length);
  endian::store_big_u32(&out[4], h.stream);
}

FrameHeader header_deserialize(std::span<const std::uint8_t, kHeaderSize> in) noexcept {
  FrameHeader h;
  h.type = static_cast<FrameType>(in[0]);
  h.flags = in[1];
  h.length = endian::load_big_u16(&in[2]);
  h.stream = endian::load_big_u32(&in[4]);
  return h;
}

const char* frame_error_text(FrameError e) noexcept {
  switch (e) {
    case FrameError::none: return "ok";
    case FrameError::unknown_type: return "unknown frame type";
    case FrameError::bad_flags: return "reserved flags set";
    case FrameError::bad_length: return "bad length for the frame type";
    case FrameError::bad_stream: return "bad stream id for the frame type";
    case FrameError::bad_payload: return "malformed payload";
  }
  return "?";
}

FrameError header_validate(const FrameHeader& h) noexcept {
  if (h.flags != 0) return FrameError::bad_flags;
  const bool control = h.type == FrameType::ping || h.type == FrameType::pong || h.type == FrameType::ack;
  bool length_ok = false;
  switch (h.type) {
    case FrameType::udp_open:
    case FrameType::open: length_ok = h.length == kOpenV4Size || h.length == kOpenV6Size; break;
    case FrameType::opened:
    case FrameType::fin: length_ok = h.length == 0; break;
    case FrameType::data: length_ok = h.length > 0; break;
    case FrameType::rst: length_ok = h.length == kRstSize; break;
    case FrameType::datagram: length_ok = true; break;
    case FrameType::unreachable: length_ok = h.length == kUnreachableSize; break;
    case FrameType::credit: length_ok = h.length == kCreditSize; break;
    case FrameType::ping:
    case FrameType::pong: length_ok = h.length == kPingSize; break;
    case FrameType::ack: length_ok = h.length == kAckSize; break;
    default: return FrameError::unknown_type;
  }
  if (!length_ok) return FrameError::bad_length;
  if (control != (h.stream == 0)) return FrameError::bad_stream;
  return FrameError::none;
}

DecodeResult frame_decode(std::span<const std::uint8_t> in) noexcept {
  DecodeResult r{DecodeResult::Status::need_more};
  if (in.size() < kHeaderSize) return r;
  const FrameHeader h = header_deserialize(in.first<kHeaderSize>());
  if (const FrameError e = header_validate(h); e != FrameError::none) {
    r.status = DecodeResult::Status::error;
    r.error = e;
    return r;
  }
  const std::size_t total = kHeaderSize + h.length;
  if (in.size() < total) return r;
  r.status = DecodeResult::Status::frame;
  r.consumed = total;
  r.frame = Frame{h, in.subspan(kHeaderSize, h.length)};
  return r;
}

namespace {

std::size_t address_encode(const boost::asio::ip::address& a, std::uint8_t* out) noexcept {
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), out);
    return b.size();
  }
  const auto b = a.to_v6().to_bytes();
  std::copy(b.begin(), b.end(), out);
  return b.size();
}

boost::asio::ip::address address_decode(bool v4, const std::uint8_t* in) noexcept {
  if (v4) {
    boost::asio::ip::address_v4::bytes_type b;
    std::copy(in, in + b.size(), b.begin());
    return boost::asio::ip::address_v4(b);
  }
  boost::asio::ip::address_v6::bytes_type b;
  std::copy(in, in + b.size(), b.begin());
  return boost::asio::ip::address_v6(b);
}

}  // namespace

std::size_t open_encode(const FlowAddresses& f, std::span<std::uint8_t, kMaxOpenSize> out) noexcept {
  if (f.src.is_v4() != f.dst.is_v4()) return 0;
  std::uint8_t* p = out.data();
  *p++ = static_cast<std::uint8_t>((f.dst.is_v4() ? 4 : 6) | (f.to_resolver ? kOpenToResolver : 0));
  p += address_encode(f.src, p);
  endian::store_big_u16(p, f.src_port);
  p += 2;
  p += address_encode(f.dst, p);
  endian::store_big_u16(p, f.dst_port);
  p += 2;
  return static_cast<std::size_t>(p - out.data());
}

std::optional<FlowAddresses> open_decode(std::span<const std::uint8_t> in) noexcept {
  if (in.empty()) return std::nullopt;
  const std::uint8_t family = in[0] & ~kOpenToResolver;
  const bool v4 = family == 4;
  if (!v4 && family != 6) return std::nullopt;
  const std::size_t alen = v4 ? 4 : 16;
  if (in.size() != (v4 ? kOpenV4Size : kOpenV6Size)) return std::nullopt;
  const std::uint8_t* p = in.data() + 1;
  FlowAddresses f;
  f.src = address_decode(v4, p);
  f.src_port = endian::load_big_u16(p + alen);
  p += alen + 2;
  f.dst = address_decode(v4, p);
  f.dst_port = endian::load_big_u16(p + alen);
  f.to_resolver = (in[0] & kOpenToResolver) != 0;
  return f;
}

std::array<std::uint8_t, kCreditSize> credit_encode(std::uint32_t increment) noexcept {
  std::array<std::uint8_t, kCreditSize> out;
  endian::store_big_u32(out.data(), increment);
  return out;
}

std::array<std::uint8_t, kPingSize> ping_encode(std::uint64_t opaque) noexcept {
  std::array<std::uint8_t, kPingSize> out;
  endian::store_big_u64(out.data(), opaque);
  return out;
}

std::array<std::uint8_t, kAckSize> ack_encode(std::uint64_t received_total) noexcept {
  return ping_encode(received_total);
}

std::uint64_t ack_decode(std::span<const std::uint8_t> in) noexcept { return ping_decode(in); }

std::array<std::uint8_t, kRstSize> rst_encode(ResetReason r) noexcept {
  return {static_cast<std::uint8_t>(r)};
}

std::uint32_t credit_decode(std::span<const std::uint8_t> in) noexcept {
  return endian::load_big_u32(in.data());
}

std::uint64_t ping_decode(std::span<const std::uint8_t> in) noexcept {
  return endian::load_big_u64(in.data());
}

std::optional<ResetReason> rst_decode(std::span<const std::uint8_t> in) noexcept {
  const std::uint8_t v = in[0];
  if (v < static_cast<std::uint8_t>(ResetReason::reset) ||
      v > static_cast<std::uint8_t>(ResetReason::failed))
    return std::nullopt;
  return static_cast<ResetReason>(v);
}

std::array<std::uint8_t, kUnreachableSize> unreachable_encode(Unreachable u) noexcept {
  return {static_cast<std::uint8_t>(u)};
}

std::optional<Unreachable> unreachable_decode(std::span<const std::uint8_t> in) noexcept {
  const std::uint8_t v = in[0];
  if (v < static_cast<std::uint8_t>(Unreachable::port) || v > static_cast<std::uint8_t>(Unreachable::net))
    return std::nullopt;
  return static_cast<Unreachable>(v);
}

std::string escape_bytes(std::span<const std::uint8_t> bytes, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
    const std::uint8_t c = bytes[i];
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c == '\\' || c == '"') (out += '\\') += static_cast<char>(c);
    else if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
    else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (bytes.size() > max) out += "...";
  return out;
}

}  // namespace tfunnel::protocol
