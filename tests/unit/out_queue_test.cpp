// Specification of the outgoing queue (common/out_queue.{hpp,cpp}): control
// frames first, data frames FIFO with each FIN after its data, and a data
// budget granted to waiting streams in FIFO order.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "common/buffer_pool.hpp"
#include "common/out_queue.hpp"
#include "common/protocol.hpp"
#include "tests/unit/bytes.hpp"

namespace {

using namespace tfunnel;
using protocol::FrameType;
using tfunnel::test::Bytes;
using tfunnel::test::cat;
using tfunnel::test::hex;
constexpr std::size_t kChunk = OutQueue::kChunk;

// The bytes of one batch, as they would go out in one writev.
Bytes flatten(const std::vector<boost::asio::const_buffer>& bufs) {
  Bytes out;
  for (const auto& b : bufs) {
    const auto* p = static_cast<const std::uint8_t*>(b.data());
    out.insert(out.end(), p, p + b.size());
  }
  return out;
}

Bytes batch(OutQueue& q) {
  const Bytes b = flatten(q.batch_begin());
  q.batch_end();
  return b;
}

// A data payload read under a reservation, as a stream does it. Each test
// declares its pool before its queue: queued blocks return to the pool when
// the queue is destroyed, so the pool must outlive the queue.
void push_data(OutQueue& q, BufferPool& pool, std::uint32_t stream, const std::string& s, std::size_t reserved = kChunk) {
  Block b = pool.get();
  std::memcpy(b.get(), s.data(), s.size());
  q.push_data(stream, std::move(b), static_cast<std::uint16_t>(s.size()), reserved);
}

// Frame bytes written out by hand: type, flags 0, length, stream, payload.
Bytes wire(std::uint8_t type, std::uint32_t stream, const std::string& payload = {}) {
  Bytes b = {type,
             0,
             static_cast<std::uint8_t>(payload.size() >> 8),
             static_cast<std::uint8_t>(payload.size()),
             static_cast<std::uint8_t>(stream >> 24),
             static_cast<std::uint8_t>(stream >> 16),
             static_cast<std::uint8_t>(stream >> 8),
             static_cast<std::uint8_t>(stream)};
  // A loop, not insert(): GCC 12 warns falsely on inserting an empty range.
  for (const char c : payload) b.push_back(static_cast<std::uint8_t>(c));
  return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(out_queue)

BOOST_AUTO_TEST_CASE(a_new_queue_is_empty_and_its_batch_has_no_buffers) {
  OutQueue q(4 * kChunk);
  BOOST_TEST(q.empty());
  BOOST_TEST(q.batch_begin().empty());
  q.batch_end();
  BOOST_TEST(q.budget_used() == 0u);
}

BOOST_AUTO_TEST_CASE(control_frames_are_encoded_header_then_payload) {
  OutQueue q(4 * kChunk);
  const auto credit = protocol::credit_encode(0x00020000);
  q.push_control(FrameType::credit, 0x01020304, credit);
  q.push_control(FrameType::opened, 7);
  BOOST_TEST(!q.empty());
  BOOST_TEST(hex(batch(q)) ==
             "06 00 00 04 01 02 03 04 00 02 00 00 "
             "02 00 00 00 00 00 00 07");
  BOOST_TEST(q.empty());
}

BOOST_AUTO_TEST_CASE(raw_bytes_go_out_as_given_in_order_with_control_frames) {
  OutQueue q(4 * kChunk);
  const auto hs = protocol::handshake_encode(protocol::Role::client);
  q.push_raw(hs);
  q.push_control(FrameType::ping, 0, protocol::ping_encode(1));
  BOOST_TEST(hex(batch(q)) == "54 46 4e 4c 00 01 01 00 07 00 00 08 00 00 00 00 00 00 00 00 00 00 00 01");
}

BOOST_AUTO_TEST_CASE(control_frames_go_before_data_in_a_batch) {
  BufferPool pool;
  OutQueue q(4 * kChunk);
  BOOST_TEST_REQUIRE(q.budget_try_reserve(1));
  push_data(q, pool, 1, "abc");
  q.push_fin(1);
  q.push_control(FrameType::rst, 2, protocol::rst_encode(protocol::ResetReason::refused));
  q.push_control(FrameType::credit, 3, protocol::credit_encode(5));
  const Bytes expected = cat({wire(5, 2, "\x02"), wire(6, 3, std::string("\0\0\0\x05", 4)),
                              wire(3, 1, "abc"), wire(4, 1)});
  BOOST_TEST(hex(batch(q)) == hex(expected));
}

BOOST_AUTO_TEST_CASE(data_frames_keep_fifo_order_and_fin_follows_its_data) {
  BufferPool pool;
  OutQueue q(8 * kChunk);
  for (int i = 0; i < 4; ++i) BOOST_TEST_REQUIRE(q.budget_try_reserve(1));
  push_data(q, pool, 1, "a1");
  push_data(q, pool, 2, "b1");
  push_data(q, pool, 1, "a2");
  q.push_fin(1);
  push_data(q, pool, 2, "b2");
  q.push_fin(2);
  const Bytes expected = cat({wire(3, 1, "a1"), wire(3, 2, "b1"), wire(3, 1, "a2"), wire(4, 1),
                              wire(3, 2, "b2"), wire(4, 2)});
  BOOST_TEST(hex(batch(q)) == hex(expected));
  BOOST_TEST(q.empty());
}

// A spliced payload is not in the batch's buffers: the batch ends with that
// frame's header, the writer moves the payload from the splice pipe, and the
// frames queued after it go in the next batch, in order.
BOOST_AUTO_TEST_CASE(a_spliced_frame_ends_its_batch_after_its_header) {
  BufferPool pool;
  OutQueue q(8 * kChunk);
  for (int i = 0; i < 3; ++i) BOOST_TEST_REQUIRE(q.budget_try_reserve(1));
  push_data(q, pool, 1, "a1");
  q.push_spliced(2, 5000, kChunk);
  push_data(q, pool, 1, "a2");
  q.push_fin(2);
  q.push_control(FrameType::credit, 7, protocol::credit_encode(9));
  const Bytes spliced_header = {3, 0, 0x13, 0x88, 0, 0, 0, 2};  // data, 5000 bytes, stream 2
  BOOST_TEST(hex(flatten(q.batch_begin())) ==
             hex(cat({wire(6, 7, std::string("\0\0\0\x09", 4)), wire(3, 1, "a1"), spliced_header})));
  BOOST_TEST(q.batch_spliced() == 5000u);
  BOOST_TEST(q.batch_end() == 5002u);  // both payloads count as data sent
  BOOST_TEST(q.batch_spliced() == 0u);
  BOOST_TEST(hex(batch(q)) == hex(cat({wire(3, 1, "a2"), wire(4, 2)})));
  BOOST_TEST(q.budget_used() == 0u);
}

BOOST_AUTO_TEST_CASE(a_streams_rst_follows_its_queued_data_and_takes_no_budget) {
  BufferPool pool;
  OutQueue q(4 * kChunk);
  BOOST_TEST_REQUIRE(q.budget_try_reserve(1));
  push_data(q, pool, 1, "last bytes");
  const std::size_t used = q.budget_used();
  q.push_rst(1, protocol::ResetReason::reset);
  BOOST_TEST(q.budget_used() == used);
  q.push_control(FrameType::credit, 2, protocol::credit_encode(5));
  const Bytes expected = cat({wire(6, 2, std::string("\0\0\0\x05", 4)), wire(3, 1, "last bytes"),
                              wire(5, 1, "\x01")});
  BOOST_TEST(hex(batch(q)) == hex(expected));
}

BOOST_AUTO_TEST_CASE(a_batch_carries_at_most_64_data_frames_and_the_rest_follow_in_order) {
  BufferPool pool;
  OutQueue q(200 * kChunk);
  Bytes all;
  for (std::uint32_t i = 1; i <= 100; ++i) {
    BOOST_TEST_REQUIRE(q.budget_try_reserve(i));
    push_data(q, pool, i, "x");
    const Bytes f = wire(3, i, "x");
    all.insert(all.end(), f.begin(), f.end());
  }
  const auto& first = q.batch_begin();
  BOOST_TEST(first.size() == 2 * OutQueue::kMaxFramesPerBatch);  // header + payload each
  Bytes got = flatten(first);
  q.batch_end();
  BOOST_TEST(!q.empty());
  got = cat({got, batch(q)});
  BOOST_TEST(q.empty());
  BOOST_TEST(hex(got) == hex(all));
}

BOOST_AUTO_TEST_CASE(frames_queued_during_a_batch_go_in_the_next_and_leave_it_intact) {
  BufferPool pool;
  OutQueue q(4 * kChunk);
  q.push_control(FrameType::opened, 1);
  BOOST_TEST_REQUIRE(q.budget_try_reserve(1));
  push_data(q, pool, 1, "first");
  const auto& bufs = q.batch_begin();
  const Bytes before = flatten(bufs);
  // While the batch is being written, more frames arrive.
  q.push_control(FrameType::credit, 1, protocol::credit_encode(9));
  BOOST_TEST_REQUIRE(q.budget_try_reserve(1));
  push_data(q, pool, 1, "second");
  BOOST_TEST(hex(flatten(bufs)) == hex(before));
  BOOST_TEST(hex(before) == hex(cat({wire(2, 1), wire(3, 1, "first")})));
  q.batch_end();
  BOOST_TEST(hex(batch(q)) ==
             hex(cat({wire(6, 1, std::string("\0\0\0\x09", 4)), wire(3, 1, "second")})));
}

BOOST_AUTO_TEST_CASE(a_burst_of_control_frames_goes_out_whole_in_one_batch) {
  OutQueue q(kChunk);
  Bytes expected;
  for (std::uint32_t i = 1; i <= 10000; ++i) {
    q.push_control(FrameType::credit, i, protocol::credit_encode(i));
    const std::string c = {char(i >> 24), char(i >> 16), char(i >> 8), char(i)};
    const Bytes f = wire(6, i, c);
    expected.insert(expected.end(), f.begin(), f.end());
  }
  BOOST_TEST(hex(batch(q)) == hex(expected));
  q.push_control(FrameType::fin, 1);  // the queue still works after the burst
  BOOST_TEST(hex(batch(q)) == hex(wire(4, 1)));
}

BOOST_AUTO_TEST_CASE(a_reservation_holds_one_chunk_and_shrinks_to_the_bytes_read) {
  BufferPool pool;
  OutQueue q(4 * kChunk);
  BOOST_TEST(q.budget_try_reserve(1));
  BOOST_TEST(q.budget_used() == kChunk);
  push_data(q, pool, 1, std::string(1000, 'z'));
  BOOST_TEST(q.budget_used() == 1000u);
}

// A slow channel reads 2.5 KiB at a time: a window of 32 KiB then holds a
// dozen reservations, not one 16 KiB block and a half-used remainder.
BOOST_AUTO_TEST_CASE(reservations_take_the_chunk_set_when_they_are_made) {
  BufferPool pool;
  OutQueue q(32 * 1024);
  q.set_chunk(2500);
  int granted = 0;
  while (q.budget_try_reserve(1) && granted < 100) ++granted;
  BOOST_TEST(granted == 13);  // 13 x 2500 <= 32768 < 14 x 2500
  BOOST_TEST(q.budget_used() == 13u * 2500u);
  q.set_chunk(100000);  // clamped to one frame's payload
  BOOST_TEST(q.budget_chunk() == OutQueue::kMaxChunk);
  push_data(q, pool, 1, std::string(2000, 'a'), 2500);  // shrinks by what it held, not by the new chunk
  BOOST_TEST(q.budget_used() == 12u * 2500u + 2000u);
  q.budget_cancel(2500);
  BOOST_TEST(q.budget_used() == 11u * 2500u + 2000u);
}

BOOST_AUTO_TEST_CASE(batch_end_releases_the_budget_of_the_data_sent) {
  BufferPool pool;
  OutQueue q(4 * kChunk);
  BOOST_TEST_REQUIRE(q.budget_try_reserve(1));
  push_data(q, pool, 1, std::string(1000, 'z'));
  BOOST_TEST_REQUIRE(q.budget_try_reserve(2));
  push_data(q, pool, 2, std::string(300, 'y'));
  q.push_fin(2);
  q.batch_begin();
  BOOST_TEST(q.budget_used() == 1300u);  // in flight still counts
  q.batch_end();
  BOOST_TEST(q.budget_used() == 0u);
}

BOOST_AUTO_TEST_CASE(fin_and_control_frames_take_no_budget) {
  OutQueue q(kChunk);
  q.push_fin(1);
  q.push_control(FrameType::credit, 1, protocol::credit_encode(1));
  BOOST_TEST(q.budget_used() == 0u);
  BOOST_TEST(q.budget_try_reserve(2));
}

BOOST_AUTO_TEST_CASE(budget_cancel_returns_an_unused_reservation) {
  OutQueue q(kChunk);
  BOOST_TEST(q.budget_try_reserve(1));
  BOOST_TEST(q.budget_used() == kChunk);
  q.budget_cancel(q.budget_chunk());
  BOOST_TEST(q.budget_used() == 0u);
  BOOST_TEST(q.budget_try_reserve(1));
}

BOOST_AUTO_TEST_CASE(streams_that_find_the_budget_spent_are_granted_in_fifo_order) {
  OutQueue q(2 * kChunk);
  BOOST_TEST(q.budget_try_reserve(1));
  BOOST_TEST(q.budget_try_reserve(2));
  BOOST_TEST(!q.budget_try_reserve(3));
  BOOST_TEST(!q.budget_try_reserve(4));
  BOOST_TEST(!q.budget_try_reserve(5));
  BOOST_TEST(q.budget_used() == 2 * kChunk);

  std::vector<std::uint32_t> woken;
  auto wake = [&](std::uint32_t id) {
    woken.push_back(id);
    return true;
  };
  q.budget_grant(wake);  // nothing free: nobody woken
  BOOST_TEST(woken.empty());

  q.budget_cancel(q.budget_chunk());
  q.budget_cancel(q.budget_chunk());
  q.budget_grant(wake);  // two chunks free: the first two waiters
  BOOST_TEST(woken == (std::vector<std::uint32_t>{3, 4}), boost::test_tools::per_element());
  BOOST_TEST(q.budget_used() == 2 * kChunk);

  q.budget_cancel(q.budget_chunk());
  q.budget_grant(wake);
  BOOST_TEST(woken == (std::vector<std::uint32_t>{3, 4, 5}), boost::test_tools::per_element());
  BOOST_TEST(q.budget_used() == 2 * kChunk);
}

BOOST_AUTO_TEST_CASE(a_newcomer_waits_behind_earlier_waiters_even_when_budget_is_free) {
  OutQueue q(kChunk);
  BOOST_TEST(q.budget_try_reserve(1));
  BOOST_TEST(!q.budget_try_reserve(2));
  q.budget_cancel(q.budget_chunk());
  BOOST_TEST(!q.budget_try_reserve(3));  // 2 was first
  std::vector<std::uint32_t> woken;
  q.budget_grant([&](std::uint32_t id) {
    woken.push_back(id);
    return true;
  });
  BOOST_TEST(woken == (std::vector<std::uint32_t>{2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_gone_stream_passes_its_turn_without_taking_budget) {
  OutQueue q(kChunk);
  BOOST_TEST(q.budget_try_reserve(1));
  BOOST_TEST(!q.budget_try_reserve(2));
  BOOST_TEST(!q.budget_try_reserve(3));
  BOOST_TEST(!q.budget_try_reserve(4));
  q.budget_cancel(q.budget_chunk());
  std::vector<std::uint32_t> asked;
  q.budget_grant([&](std::uint32_t id) {
    asked.push_back(id);
    return id != 2 && id != 3;  // 2 and 3 closed while waiting
  });
  BOOST_TEST(asked == (std::vector<std::uint32_t>{2, 3, 4}), boost::test_tools::per_element());
  BOOST_TEST(q.budget_used() == kChunk);
}

BOOST_AUTO_TEST_CASE(sending_a_batch_frees_budget_for_the_waiters) {
  BufferPool pool;
  OutQueue q(kChunk);
  BOOST_TEST_REQUIRE(q.budget_try_reserve(1));
  push_data(q, pool, 1, std::string(kChunk, 'q'));
  BOOST_TEST(!q.budget_try_reserve(2));
  std::vector<std::uint32_t> woken;
  auto wake = [&](std::uint32_t id) {
    woken.push_back(id);
    return true;
  };
  q.budget_grant(wake);
  BOOST_TEST(woken.empty());
  q.batch_begin();
  q.budget_grant(wake);
  BOOST_TEST(woken.empty());  // in flight still holds the budget
  q.batch_end();
  q.budget_grant(wake);
  BOOST_TEST(woken == (std::vector<std::uint32_t>{2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(data_blocks_return_to_the_pool_after_the_batch) {
  BufferPool pool;
  OutQueue q(kChunk);
  Block b = pool.get();
  const std::uint8_t* p = b.get();
  std::memcpy(b.get(), "hi", 2);
  BOOST_TEST_REQUIRE(q.budget_try_reserve(1));
  q.push_data(1, std::move(b), 2, q.budget_chunk());
  batch(q);
  BOOST_TEST((pool.get().get() == p));  // the only free block is the one sent
}

BOOST_AUTO_TEST_SUITE_END()
