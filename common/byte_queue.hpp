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
  bool empty() const noexcept { return chunks_.empty(); }
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
    const Chunk& c = chunks_.front();
    return {c.block.get() + c.begin, c.end - c.begin};
  }

  void consume(std::size_t n) noexcept {
    size_ -= n;
    while (n > 0) {
      Chunk& c = chunks_.front();
      const std::size_t k = std::min<std::size_t>(n, c.end - c.begin);
      c.begin += static_cast<std::uint32_t>(k);
      n -= k;
      if (c.begin == c.end) chunks_.erase(chunks_.begin());
    }
    if (chunks_.empty()) clear();
  }

  void clear() noexcept {
    std::vector<Chunk>().swap(chunks_);
    size_ = 0;
  }

 private:
  struct Chunk {
    Block block;
    std::uint32_t begin;
    std::uint32_t end;
    std::uint32_t capacity;
  };
  std::vector<Chunk> chunks_;
  std::size_t size_ = 0;
};

}  // namespace tfunnel
