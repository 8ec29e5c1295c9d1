// Specification of ByteQueue (common/byte_queue.hpp): appends fill the last
// block, consumption crosses blocks, an empty queue holds no block.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <span>
#include <vector>

#include "common/buffer_pool.hpp"
#include "common/byte_queue.hpp"

namespace {

using tfunnel::Block;
using tfunnel::BufferPool;
using tfunnel::ByteQueue;
using Bytes = std::vector<std::uint8_t>;
constexpr std::size_t kBlock = BufferPool::kBlockSize;

Bytes front_bytes(const ByteQueue& q) {
  const auto b = q.front();
  const auto* p = static_cast<const std::uint8_t*>(b.data());
  return Bytes(p, p + b.size());
}

// Takes everything out, front buffer by front buffer.
Bytes drain(ByteQueue& q) {
  Bytes out;
  while (!q.empty()) {
    const Bytes f = front_bytes(q);
    BOOST_TEST_REQUIRE(!f.empty());
    out.insert(out.end(), f.begin(), f.end());
    q.consume(f.size());
  }
  return out;
}

Bytes pattern(std::size_t n, std::size_t start = 0) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>((start + i) * 7);
  return b;
}

// Puts two known blocks into the pool's free list, the one get() returns
// next last, and gives back their addresses in that order.
std::pair<const std::uint8_t*, const std::uint8_t*> prime(BufferPool& pool) {
  Block a = pool.get();
  Block b = pool.get();
  const std::uint8_t* pa = a.get();
  const std::uint8_t* pb = b.get();
  a.reset();  // free list: a
  b.reset();  // free list: a, b -> get() returns b, then a
  return {pb, pa};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(byte_queue)

BOOST_AUTO_TEST_CASE(a_new_queue_is_empty) {
  ByteQueue q;
  BOOST_TEST(q.empty());
  BOOST_TEST(q.size() == 0u);
}

BOOST_AUTO_TEST_CASE(appended_bytes_come_out_in_order) {
  BufferPool pool;
  ByteQueue q;
  const Bytes in = pattern(1000);
  q.append(in, pool);
  BOOST_TEST(!q.empty());
  BOOST_TEST(q.size() == 1000u);
  BOOST_TEST(drain(q) == in, boost::test_tools::per_element());
}

// The proxy queues the first bytes of every connection while it connects:
// a small first append holds only its own bytes, not a whole block.
BOOST_AUTO_TEST_CASE(a_small_first_append_takes_no_block) {
  BufferPool pool;
  const auto [first, second] = prime(pool);
  ByteQueue q;
  q.append(pattern(BufferPool::kFitBelow - 1), pool);
  BOOST_TEST(q.front().size() == BufferPool::kFitBelow - 1);
  BOOST_TEST((q.front().data() != first && q.front().data() != second));
  BOOST_TEST((pool.get().get() == first));  // the pool was not touched
}

BOOST_AUTO_TEST_CASE(many_one_byte_appends_use_one_block_after_the_first) {
  BufferPool pool;
  const auto [first, second] = prime(pool);
  ByteQueue q;
  for (std::size_t i = 0; i < 1000; ++i) {
    const std::uint8_t b = static_cast<std::uint8_t>(i);
    q.append(std::span(&b, 1), pool);
  }
  BOOST_TEST(q.size() == 1000u);
  BOOST_TEST(q.front().size() == 1u);  // the first byte, in its own small chunk
  q.consume(1);
  BOOST_TEST(q.front().size() == 999u);  // the rest, one contiguous block
  BOOST_TEST((q.front().data() == first));
  const Bytes rest = front_bytes(q);
  for (std::size_t i = 0; i < rest.size(); ++i) BOOST_TEST(rest[i] == static_cast<std::uint8_t>(i + 1));
  // Only one block was taken from the pool: the other is still free.
  BOOST_TEST((pool.get().get() == second));
}

BOOST_AUTO_TEST_CASE(appends_fill_the_tail_block_before_taking_another) {
  BufferPool pool;
  ByteQueue q;
  q.append(pattern(kBlock - 10), pool);
  q.append(pattern(30, kBlock - 10), pool);  // 10 fill the first block, 20 start the next
  BOOST_TEST(q.size() == kBlock + 20);
  BOOST_TEST(q.front().size() == kBlock);
  q.consume(kBlock);
  BOOST_TEST(q.front().size() == 20u);
  BOOST_TEST(front_bytes(q) == pattern(20, kBlock), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_large_append_spans_blocks) {
  BufferPool pool;
  ByteQueue q;
  const Bytes in = pattern(3 * kBlock + 5);
  q.append(in, pool);
  BOOST_TEST(q.size() == in.size());
  BOOST_TEST(q.front().size() == kBlock);
  BOOST_TEST(drain(q) == in, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(consume_crosses_block_boundaries) {
  BufferPool pool;
  ByteQueue q;
  const Bytes in = pattern(2 * kBlock + 100);
  q.append(in, pool);
  q.consume(kBlock + 50);  // all of the first block and part of the second
  BOOST_TEST(q.size() == kBlock + 50);
  BOOST_TEST(q.front().size() == kBlock - 50);
  BOOST_TEST(front_bytes(q)[0] == in[kBlock + 50]);
  q.consume(kBlock);  // the rest of the second block and part of the third
  BOOST_TEST(q.size() == 50u);
  BOOST_TEST(front_bytes(q) == Bytes(in.end() - 50, in.end()), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(partial_consume_advances_within_the_front_block) {
  BufferPool pool;
  ByteQueue q;
  const Bytes in = pattern(kBlock / 2);
  q.append(in, pool);
  q.consume(1);
  BOOST_TEST(q.size() == in.size() - 1);
  BOOST_TEST(front_bytes(q) == Bytes(in.begin() + 1, in.end()), boost::test_tools::per_element());
  q.append(pattern(5, in.size()), pool);  // appends after a consume still fill the same block
  BOOST_TEST(q.front().size() == in.size() + 4);
}

BOOST_AUTO_TEST_CASE(the_queue_is_empty_and_holds_no_block_after_everything_is_consumed) {
  BufferPool pool;
  const auto [first, second] = prime(pool);
  ByteQueue q;
  q.append(pattern(5000), pool);
  q.consume(2000);
  q.consume(3000);
  BOOST_TEST(q.empty());
  BOOST_TEST(q.size() == 0u);
  // The block went back to the pool (it is the next one handed out).
  BOOST_TEST((pool.get().get() == first));
  (void)second;
}

BOOST_AUTO_TEST_CASE(an_emptied_queue_takes_a_fresh_block_for_new_bytes) {
  BufferPool pool;
  ByteQueue q;
  q.append(pattern(kBlock), pool);
  q.consume(kBlock);
  BOOST_TEST(q.empty());
  q.append(pattern(3, 9), pool);
  BOOST_TEST(q.size() == 3u);
  BOOST_TEST(front_bytes(q) == pattern(3, 9), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(clear_drops_every_byte_and_returns_the_blocks) {
  BufferPool pool;
  const auto [first, second] = prime(pool);
  ByteQueue q;
  q.append(pattern(2 * kBlock), pool);  // takes both primed blocks
  q.clear();
  BOOST_TEST(q.empty());
  BOOST_TEST(q.size() == 0u);
  Block a = pool.get();
  Block b = pool.get();
  const std::set<const std::uint8_t*> back = {a.get(), b.get()};
  BOOST_TEST((back == std::set<const std::uint8_t*>{first, second}));
}

BOOST_AUTO_TEST_CASE(a_drained_block_goes_back_at_once_in_a_long_queue) {
  BufferPool pool;
  ByteQueue q;
  q.append(pattern(40 * kBlock), pool);
  for (int i = 0; i < 20; ++i) {
    const auto* head = static_cast<const std::uint8_t*>(q.front().data());
    q.consume(kBlock);
    // Not kept until the queue compacts its list of blocks.
    BOOST_TEST_REQUIRE((pool.get().get() == head));
  }
  BOOST_TEST(q.size() == 20 * kBlock);
  BOOST_TEST(front_bytes(q) == pattern(kBlock, 20 * kBlock), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(small_consumes_through_a_long_queue_keep_the_byte_order) {
  BufferPool pool;
  ByteQueue q;
  const Bytes in = pattern(50 * kBlock + 123);
  q.append(in, pool);
  Bytes out;
  while (!q.empty()) {
    const Bytes f = front_bytes(q);
    const std::size_t n = std::min<std::size_t>(f.size(), 7000);
    out.insert(out.end(), f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n));
    q.consume(n);
  }
  BOOST_TEST(q.size() == 0u);
  BOOST_TEST(out == in, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(random_appends_and_consumes_keep_the_byte_order) {
  std::mt19937 rng(5);
  BufferPool pool;
  ByteQueue q;
  Bytes in, out;
  std::size_t produced = 0;
  for (int i = 0; i < 3000; ++i) {
    if (rng() % 2) {
      const std::size_t n = rng() % 3 == 0 ? std::uniform_int_distribution<std::size_t>(1, 40000)(rng)
                                           : std::uniform_int_distribution<std::size_t>(1, 100)(rng);
      const Bytes b = pattern(n, produced);
      produced += n;
      in.insert(in.end(), b.begin(), b.end());
      q.append(b, pool);
    } else if (!q.empty()) {
      const Bytes f = front_bytes(q);
      const std::size_t n = std::uniform_int_distribution<std::size_t>(1, f.size())(rng);
      out.insert(out.end(), f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n));
      q.consume(n);
    }
    BOOST_TEST_REQUIRE(q.size() == in.size() - out.size());
  }
  const Bytes rest = drain(q);
  out.insert(out.end(), rest.begin(), rest.end());
  BOOST_TEST(out == in, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
