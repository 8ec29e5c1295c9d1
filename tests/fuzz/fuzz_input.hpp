// How the fuzz targets read their input: a mode byte, then kPatternSize bytes
// whose low 5 bits give the sizes of the reads the bytes arrive in (1..32
// each, used in turn) and whose high 3 bits are more mode bits, then the
// bytes themselves. Taking the cuts from the input lets the
// fuzzer find a bug that needs a frame split at one exact place.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tfunnel::fuzz {

class FuzzInput {
 public:
  static constexpr std::size_t kPatternSize = 4;
  static constexpr std::size_t kMaxChunk = 32;

  explicit FuzzInput(std::span<const std::uint8_t> data) noexcept {
    if (!data.empty()) {
      mode_ = data[0];
      data = data.subspan(1);
    }
    for (std::size_t i = 0; i < kPatternSize; ++i) {
      if (data.empty()) break;
      pattern_[i] = static_cast<std::uint8_t>(1 + data[0] % kMaxChunk);
      extra_ |= static_cast<unsigned>(data[0] / kMaxChunk) << (3 * i);
      data = data.subspan(1);
    }
    bytes_ = data;
  }

  std::uint8_t mode() const noexcept { return mode_; }
  bool mode_bit(int bit) const noexcept { return (mode_ >> bit) & 1u; }
  // The pattern bytes' high bits (3 of each), for more modes.
  bool extra_bit(int bit) const noexcept { return (extra_ >> bit) & 1u; }
  std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }

  // The next read's size: 1..kMaxChunk, the pattern's sizes in turn.
  std::size_t next_chunk() noexcept {
    const std::size_t n = pattern_[turn_];
    turn_ = (turn_ + 1) % kPatternSize;
    return n;
  }

 private:
  std::uint8_t mode_ = 0;
  unsigned extra_ = 0;
  std::array<std::uint8_t, kPatternSize> pattern_ = {1, 1, 1, 1};
  std::size_t turn_ = 0;
  std::span<const std::uint8_t> bytes_;
};

}  // namespace tfunnel::fuzz
