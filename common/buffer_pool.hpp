// Fixed-size data blocks recycled between streams, so that a connection only
// holds a buffer while it has bytes in flight, never while idle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "common/protocol.hpp"

namespace tfunnel {

class BufferPool;

struct BlockReturn {
  BufferPool* pool = nullptr;
  void operator()(std::uint8_t* p) const noexcept;
};
using Block = std::unique_ptr<std::uint8_t[], BlockReturn>;

class BufferPool {
 public:
  static constexpr std::size_t kBlockSize = protocol::kMaxDataPayload;

  explicit BufferPool(std::size_t keep = 64) : keep_(keep) {}
  ~BufferPool() {
    for (auto* p : free_) delete[] p;
  }
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  Block get() {
    std::uint8_t* p;
    if (free_.empty()) {
      p = new std::uint8_t[kBlockSize];
    } else {
      p = free_.back();
      free_.pop_back();
    }
    return Block(p, BlockReturn{this});
  }

  void put(std::uint8_t* p) noexcept {
    if (free_.size() < keep_) {
      free_.push_back(p);  // capacity reserved up front: cannot throw
    } else {
      delete[] p;
    }
  }

  void reserve() { free_.reserve(keep_); }

  // A block holding only `n` bytes, for a read that returned little: thousands
  // of streams each with a few bytes queued (a request line, a keystroke) must
  // not each hold a whole block. The original block returns to the pool.
  static constexpr std::size_t kFitBelow = 2048;
  static Block fit(Block block, std::size_t n) {
    if (n >= kFitBelow) return block;
    Block small(new std::uint8_t[n == 0 ? 1 : n], BlockReturn{});
    std::memcpy(small.get(), block.get(), n);
    return small;
  }

 private:
  std::size_t keep_;
  std::vector<std::uint8_t*> free_;
};

inline void BlockReturn::operator()(std::uint8_t* p) const noexcept {
  if (pool) pool->put(p);
  else delete[] p;
}

}  // namespace tfunnel
