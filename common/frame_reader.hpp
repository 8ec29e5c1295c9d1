// Sans-I/O framing of the channel's input: the caller reads big chunks into
// writable(), commits them, then takes every whole frame with next().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/protocol.hpp"

namespace tfunnel {

class FrameReader {
 public:
  // Room for many frames per read, and always for one maximal frame.
  static constexpr std::size_t kCapacity = 256 * 1024;
  static constexpr std::size_t kMinRoom = protocol::kHeaderSize + protocol::kMaxPayload;
  static_assert(kCapacity >= 2 * kMinRoom);

  FrameReader() : buf_(kCapacity) {}

  // Free space after the buffered bytes, at least kMinRoom (compacts first
  // when less is left).
  std::span<std::uint8_t> writable();
  void commit(std::size_t n) noexcept { end_ += n; }

  // The next whole frame; its payload stays valid until writable() is called.
  protocol::DecodeResult next() noexcept;

  // Bytes received and not yet consumed (for error messages and handshake).
  std::span<const std::uint8_t> pending() const noexcept {
    return {buf_.data() + begin_, end_ - begin_};
  }
  void consume(std::size_t n) noexcept { begin_ += n; }

 private:
  std::vector<std::uint8_t> buf_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace tfunnel
