// The tfunnel wire format, all of it: handshake, frame header, frame types and
// their payloads. common/PROTOCOL.md describes the same bytes for humans.
//
// Every integer is in network byte order. Fields are encoded one by one into
// byte spans; no struct is ever overlaid on a buffer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <boost/asio/ip/address.hpp>

namespace tfunnel::protocol {

// ---- handshake: magic(4) version(2) role(1) reserved(1) --------------------
inline constexpr std::array<std::uint8_t, 4> kMagic = {'T', 'F', 'N', 'L'};
inline constexpr std::uint16_t kVersion = 1;
inline constexpr std::size_t kHandshakeSize = 8;

enum class Role : std::uint8_t { client = 1, proxy = 2 };

enum class HandshakeError { none, bad_magic, bad_version, bad_role };

std::array<std::uint8_t, kHandshakeSize> handshake_encode(Role self) noexcept;
// Checks the peer's handshake; `expected` is the role the peer must have.
HandshakeError handshake_check(std::span<const std::uint8_t, kHandshakeSize> bytes,
                               Role expected) noexcept;
const char* handshake_error_text(HandshakeError e) noexcept;

// ---- frame header: type(1) flags(1) length(2) stream(4) -------------------
inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::size_t kMaxPayload = 65535;
// TCP data read into a buffer is cut smaller than kMaxPayload so that streams
// interleave finely and a few bytes never pin much memory; spliced bulk data
// (splice_pipe.hpp) may fill a frame, within 2 ms of the channel's rate.
inline constexpr std::size_t kMaxDataPayload = 16384;

enum class FrameType : std::uint8_t {
  open = 1,    // client->proxy: new TCP stream; payload = flow addresses
  opened = 2,  // proxy->client: the connect succeeded; no payload
  data = 3,    // payload = stream bytes, counted against the stream's credit
  fin = 4,     // sender will send no more data on the stream (half-close)
  rst = 5,     // stream aborted; payload = reason(1)
  credit = 6,  // payload = increment(4) of the receiver's window
  ping = 7,    // stream 0; payload = opaque(8), echoed back in a pong
  pong = 8,    // stream 0; payload = the ping's opaque(8)
  udp_open = 9,      // client->proxy: new UDP flow; payload = flow addresses
  datagram = 10,     // one whole UDP datagram (0..65535 bytes), no credit
  unreachable = 11,  // proxy->client: ICMP error for the flow; payload = kind(1)
  ack = 12,          // stream 0; payload = data payload bytes received so far(8)
};
// "data", "open", ...: the type's name in common/PROTOCOL.md; "unknown" if none.
const char* frame_type_name(FrameType t) noexcept;

// What the proxy's flow socket learnt from ICMP, for the client to replay.
enum class Unreachable : std::uint8_t { port = 1, host = 2, net = 3 };

enum class ResetReason : std::uint8_t {
  reset = 1,        // a peer reset the connection
  refused = 2,      // connect refused (RST to our SYN)
  unreachable = 3,  // no route / host or network unreachable
  timed_out = 4,    // connect timed out
  failed = 5,       // any other local failure (out of descriptors, ...)
};
const char* reset_reason_text(ResetReason r) noexcept;

// Both directions of a new stream start with this much credit; receivers
// may grow a window by granting more than they consumed.
inline constexpr std::uint32_t kInitialWindow = 256 * 1024;
// Larger windows are a protocol violation (and an overflow guard).
inline constexpr std::uint32_t kMaxWindow = 1u << 30;

struct FrameHeader {
  FrameType type{};
  std::uint8_t flags = 0;  // reserved, must be zero
  std::uint16_t length = 0;
  std::uint32_t stream = 0;
};

void header_serialize(const FrameHeader& h, std::span<std::uint8_t, kHeaderSize> out) noexcept;
FrameHeader header_deserialize(std::span<const std::uint8_t, kHeaderSize> in) noexcept;

enum class FrameError {
  none,
  unknown_type,
  bad_flags,
  bad_length,
  bad_stream,  // stream id 0 on a stream frame, or non-zero on ping/pong
  bad_payload,
};
const char* frame_error_text(FrameError e) noexcept;

// Checks type, flags, length and stream id against the type's rules, before
// any payload byte is looked at.
FrameError header_validate(const FrameHeader& h) noexcept;

struct Frame {
  FrameHeader header;
  std::span<const std::uint8_t> payload;
};

struct DecodeResult {
  enum class Status { frame, need_more, error } status;
  std::size_t consumed = 0;  // bytes of input that make up `frame`
  Frame frame{};
  FrameError error = FrameError::none;
};

// Pure: decodes the first frame in `in`, if whole. Never reads past `in`.
DecodeResult frame_decode(std::span<const std::uint8_t> in) noexcept;

// ---- payloads --------------------------------------------------------------
// open: family(1: 4 or 6, | kOpenToResolver) src_addr(4|16) src_port(2) dst_addr(4|16) dst_port(2)
// The family byte's high bit: a DNS query the client took from a local
// resolver (--dns); the proxy sends it to its own resolver instead of dst.
inline constexpr std::uint8_t kOpenToResolver = 0x80;
struct FlowAddresses {
  boost::asio::ip::address src;
  std::uint16_t src_port = 0;
  boost::asio::ip::address dst;
  std::uint16_t dst_port = 0;
  bool to_resolver = false;
};
inline constexpr std::size_t kOpenV4Size = 1 + 4 + 2 + 4 + 2;
inline constexpr std::size_t kOpenV6Size = 1 + 16 + 2 + 16 + 2;
inline constexpr std::size_t kMaxOpenSize = kOpenV6Size;

// Returns the encoded size, or 0 when src and dst differ in family.
std::size_t open_encode(const FlowAddresses& f, std::span<std::uint8_t, kMaxOpenSize> out) noexcept;
std::optional<FlowAddresses> open_decode(std::span<const std::uint8_t> in) noexcept;

inline constexpr std::size_t kRstSize = 1;
inline constexpr std::size_t kUnreachableSize = 1;
inline constexpr std::size_t kCreditSize = 4;
inline constexpr std::size_t kPingSize = 8;
inline constexpr std::size_t kAckSize = 8;

std::array<std::uint8_t, kCreditSize> credit_encode(std::uint32_t increment) noexcept;
std::array<std::uint8_t, kPingSize> ping_encode(std::uint64_t opaque) noexcept;
std::array<std::uint8_t, kRstSize> rst_encode(ResetReason r) noexcept;

std::uint32_t credit_decode(std::span<const std::uint8_t> in) noexcept;
std::uint64_t ping_decode(std::span<const std::uint8_t> in) noexcept;
// ack: the cumulative count, modulo 2^64, of data payload bytes received.
std::array<std::uint8_t, kAckSize> ack_encode(std::uint64_t received_total) noexcept;
std::uint64_t ack_decode(std::span<const std::uint8_t> in) noexcept;
std::optional<ResetReason> rst_decode(std::span<const std::uint8_t> in) noexcept;
std::array<std::uint8_t, kUnreachableSize> unreachable_encode(Unreachable u) noexcept;
std::optional<Unreachable> unreachable_decode(std::span<const std::uint8_t> in) noexcept;

// Renders bytes for an error message: printable ASCII kept, the rest escaped.
std::string escape_bytes(std::span<const std::uint8_t> bytes, std::size_t max = 64);

}  // namespace tfunnel::protocol
