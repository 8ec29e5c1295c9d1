// Bytes received for a stream but not yet written to its local socket.
// Appends fill the last block before taking a new one, so many small frames
// cost no more memory than their bytes; an empty queue holds no heap memory.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include <boost/asio/buffer.hpp>

#include "common/buffer_pool.hpp"

namespace tfunnel {

class ByteQueue {
 public:
  bool empty() const noexcept { return head_ == chunks_.size(); }
  std::size_t size() const noexcept { return size_; }

  void append(std::span<const std::uint8_t> bytes, BufferPool& pool) {
    while (!bytes.empty()) {
      if (chunks_.empty() && bytes.size() < BufferPool::kFitBelow) {
        // The proxy queues the first bytes of every connection while it
        // connects: thousands at once must not each take a whole block.
        chunks_.push_back(Chunk{Block(new std::uint8_t[bytes.size()], BlockReturn{}), 0, 0,
                                static_cast<std::uint32_t>(bytes.size())});
      } else if (chunks_.empty() || chunks_.back().end == chunks_.back().capacity) {
        chunks_.push_back(Chunk{pool.get(), 0, 0, BufferPool::kBlockSize});
      }
      Chunk& c = chunks_.back();
      const std::size_t n = std::min<std::size_t>(bytes.size(), c.capacity - c.end);
      std::memcpy(c.block.get() + c.end, bytes.data(), n);
      c.end += static_cast<std::uint32_t>(n);
      size_ += n;
      bytes = bytes.subspan(n);
    }
  }

  boost::asio::const_buffer front() const noexcept {
    const Chunk& c = chunks_[head_];
    return {c.block.get() + c.begin, c.end - c.begin};
  }

  void consume(std::size_t n) noexcept {
    size_ -= n;
    while (n > 0) {
      Chunk& c = chunks_[head_];
      const std::size_t k = std::min<std::size_t>(n, c.end - c.begin);
      c.begin += static_cast<std::uint32_t>(k);
      n -= k;
      if (c.begin == c.end) {
        c.block.reset();  // back to the pool now, its slot goes later
        ++head_;
      }
    }
    if (head_ == chunks_.size()) {
      clear();
    } else if (head_ >= kCompactAfter) {
      // Erasing each drained chunk at once moved the whole vector every
      // 64 KiB: a queue as long as a big window (128 chunks) spent more
      // there than on its bytes (callgrind: 14% of a slow reader's client).
      chunks_.erase(chunks_.begin(), chunks_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

  void clear() noexcept {
    std::vector<Chunk>().swap(chunks_);
    head_ = 0;
    size_ = 0;
  }

 private:
  struct Chunk {
    Block block;
    std::uint32_t begin;
    std::uint32_t end;
    std::uint32_t capacity;
  };
  static constexpr std::size_t kCompactAfter = 16;
  std::vector<Chunk> chunks_;  // drained ones before head_, their blocks released
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace tfunnel
