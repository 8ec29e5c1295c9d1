// Specification of BufferPool (common/buffer_pool.hpp): blocks are recycled,
// at most `keep` are held free, and a block outlives nothing it should not.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstring>

#include "common/buffer_pool.hpp"

namespace {

using tfunnel::Block;
using tfunnel::BlockReturn;
using tfunnel::BufferPool;

}  // namespace

BOOST_AUTO_TEST_SUITE(buffer_pool)

BOOST_AUTO_TEST_CASE(a_block_holds_one_maximal_data_payload) {
  BufferPool pool;
  Block b = pool.get();
  std::memset(b.get(), 0xab, BufferPool::kBlockSize);  // ASan: the whole block is ours
  BOOST_TEST(BufferPool::kBlockSize == tfunnel::protocol::kMaxDataPayload);
}

BOOST_AUTO_TEST_CASE(a_returned_block_is_handed_out_again) {
  BufferPool pool;
  Block b = pool.get();
  const std::uint8_t* p = b.get();
  b.reset();
  BOOST_TEST((pool.get().get() == p));
}

BOOST_AUTO_TEST_CASE(the_most_recently_returned_block_comes_back_first) {
  BufferPool pool;
  Block a = pool.get();
  Block b = pool.get();
  const std::uint8_t* pa = a.get();
  const std::uint8_t* pb = b.get();
  a.reset();
  b.reset();
  Block c = pool.get();
  Block d = pool.get();
  BOOST_TEST((c.get() == pb));
  BOOST_TEST((d.get() == pa));
}

BOOST_AUTO_TEST_CASE(blocks_beyond_keep_are_freed_not_kept) {
  BufferPool pool(1);
  pool.reserve();
  Block a = pool.get();
  Block b = pool.get();
  const std::uint8_t* pa = a.get();
  a.reset();  // kept
  b.reset();  // over the limit: freed
  BOOST_TEST((pool.get().get() == pa));
}

BOOST_AUTO_TEST_CASE(a_block_without_a_pool_frees_itself) {
  Block b(new std::uint8_t[4], BlockReturn{});
  b.reset();  // LeakSanitizer reports it otherwise
  BOOST_TEST(!b);
}

// A short read must not keep a whole block queued: fit() copies it out and
// the block goes back to the pool; a long one keeps its block.
BOOST_AUTO_TEST_CASE(fit_gives_a_short_payload_its_own_small_buffer) {
  BufferPool pool;
  Block b = pool.get();
  const std::uint8_t* const block = b.get();
  std::memcpy(b.get(), "hello", 5);
  Block small = BufferPool::fit(std::move(b), 5);
  BOOST_TEST((small.get() != block));
  BOOST_TEST(std::memcmp(small.get(), "hello", 5) == 0);
  BOOST_TEST((pool.get().get() == block));  // returned to the pool

  Block big = pool.get();
  const std::uint8_t* const big_block = big.get();
  Block kept = BufferPool::fit(std::move(big), BufferPool::kFitBelow);
  BOOST_TEST((kept.get() == big_block));
}

BOOST_AUTO_TEST_SUITE_END()
