// Stream id bookkeeping. The client allocates ids in increasing order, wraps
// at 2^32 and skips 0 and every id still live, so an id is never reused while
// either side may still hold it. Both sides also remember which ids were ever
// issued, to tell a late frame of a closed stream (ignored) from a frame for
// a stream that never existed (a protocol violation).
#pragma once

#include <cstdint>
#include <optional>

namespace tfunnel {

class StreamIds {
 public:
  explicit StreamIds(std::uint32_t first = 1) : next_(first == 0 ? 1 : first) {}

  // Client side: the next free id, or nullopt if `live_count` ids are all live.
  template <typename IsLive>
  std::optional<std::uint32_t> allocate(IsLive is_live, std::uint64_t live_count) {
    for (std::uint64_t tries = 0; tries <= live_count; ++tries) {
      const std::uint32_t id = next_;
      advance();
      if (!is_live(id)) {
        note_issued(id);
        return id;
      }
    }
    return std::nullopt;
  }

  // Proxy side: an OPEN for `id` arrived.
  void note_issued(std::uint32_t id) noexcept {
    if (id < highest_) wrapped_ = true;
    if (id > highest_) highest_ = id;
  }

  bool ever_issued(std::uint32_t id) const noexcept { return id != 0 && (wrapped_ || id <= highest_); }

 private:
  void advance() noexcept {
    if (++next_ == 0) next_ = 1;
  }

  std::uint32_t next_;
  std::uint32_t highest_ = 0;
  bool wrapped_ = false;
};

}  // namespace tfunnel
