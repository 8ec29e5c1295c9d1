// Specification of stream id allocation (common/stream_ids.hpp): increasing
// ids that wrap at 2^32, never 0, never an id still live; and which ids count
// as ever issued.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "common/stream_ids.hpp"

namespace {

using tfunnel::StreamIds;

// Allocates like the client's session: `live` is its stream map.
std::optional<std::uint32_t> allocate(StreamIds& ids, std::set<std::uint32_t>& live) {
  const auto id = ids.allocate([&](std::uint32_t x) { return live.count(x) != 0; }, live.size());
  if (id) live.insert(*id);
  return id;
}

std::vector<std::uint32_t> allocate_n(StreamIds& ids, std::set<std::uint32_t>& live, int n) {
  std::vector<std::uint32_t> out;
  for (int i = 0; i < n; ++i) {
    const auto id = allocate(ids, live);
    BOOST_TEST_REQUIRE(id.has_value());
    out.push_back(*id);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stream_ids)

BOOST_AUTO_TEST_CASE(ids_start_at_1_and_increase) {
  StreamIds ids;
  std::set<std::uint32_t> live;
  BOOST_TEST(allocate_n(ids, live, 4) == (std::vector<std::uint32_t>{1, 2, 3, 4}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_first_id_of_0_starts_at_1) {
  StreamIds ids(0);
  std::set<std::uint32_t> live;
  BOOST_TEST(*allocate(ids, live) == 1u);
}

BOOST_AUTO_TEST_CASE(closed_ids_are_not_reused_before_the_wrap) {
  StreamIds ids;
  std::set<std::uint32_t> live;
  allocate_n(ids, live, 3);
  live.clear();  // all three closed
  BOOST_TEST(*allocate(ids, live) == 4u);
}

BOOST_AUTO_TEST_CASE(allocation_near_2_pow_32_wraps_and_skips_0) {
  StreamIds ids(0xfffffffe);
  std::set<std::uint32_t> live;
  BOOST_TEST(allocate_n(ids, live, 4) == (std::vector<std::uint32_t>{0xfffffffe, 0xffffffff, 1, 2}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(allocation_after_the_wrap_skips_ids_still_live) {
  StreamIds ids(0xfffffffd);
  std::set<std::uint32_t> live = {0xfffffffe, 1, 2, 4};
  BOOST_TEST(allocate_n(ids, live, 3) == (std::vector<std::uint32_t>{0xfffffffd, 0xffffffff, 3}),
             boost::test_tools::per_element());
  BOOST_TEST(*allocate(ids, live) == 5u);
}

BOOST_AUTO_TEST_CASE(allocation_never_asks_about_or_returns_id_0) {
  StreamIds ids(0xffffffff);
  std::vector<std::uint32_t> asked;
  const auto id = ids.allocate(
      [&](std::uint32_t x) {
        asked.push_back(x);
        return x != 2;  // only 2 is free
      },
      3);
  BOOST_TEST_REQUIRE(id.has_value());
  BOOST_TEST(*id == 2u);
  BOOST_TEST(asked == (std::vector<std::uint32_t>{0xffffffff, 1, 2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_free_id_is_found_whenever_fewer_than_all_ids_are_live) {
  // Every candidate but the last of live_count + 1 is live.
  StreamIds ids(100);
  std::set<std::uint32_t> live;
  for (std::uint32_t i = 100; i < 1100; ++i) live.insert(i);
  BOOST_TEST(*allocate(ids, live) == 1100u);
}

BOOST_AUTO_TEST_CASE(allocation_returns_nullopt_when_all_candidates_are_live) {
  StreamIds ids(10);
  int asked = 0;
  const auto id = ids.allocate(
      [&](std::uint32_t) {
        ++asked;
        return true;
      },
      5);
  BOOST_TEST(!id.has_value());
  BOOST_TEST(asked == 6);  // live_count + 1 candidates, then it gives up
  BOOST_TEST(!ids.ever_issued(10));
  // Once ids are free again, allocation goes on after the candidates tried.
  std::set<std::uint32_t> live;
  BOOST_TEST(*allocate(ids, live) == 16u);
}

BOOST_AUTO_TEST_CASE(nothing_is_issued_at_first_and_0_never_is) {
  StreamIds ids;
  BOOST_TEST(!ids.ever_issued(0));
  BOOST_TEST(!ids.ever_issued(1));
  BOOST_TEST(!ids.ever_issued(0xffffffff));
}

BOOST_AUTO_TEST_CASE(allocated_ids_are_issued_and_later_ones_are_not) {
  StreamIds ids;
  std::set<std::uint32_t> live;
  allocate_n(ids, live, 3);
  BOOST_TEST(ids.ever_issued(1));
  BOOST_TEST(ids.ever_issued(3));
  BOOST_TEST(!ids.ever_issued(4));
  BOOST_TEST(!ids.ever_issued(0));
  live.clear();
  BOOST_TEST(ids.ever_issued(2));  // closing a stream does not un-issue it
}

BOOST_AUTO_TEST_CASE(proxy_side_counts_every_id_up_to_the_highest_opened_as_issued) {
  StreamIds ids;
  ids.note_issued(5);
  BOOST_TEST(ids.ever_issued(5));
  BOOST_TEST(ids.ever_issued(1));  // ids below the highest were issued (increasing order)
  BOOST_TEST(!ids.ever_issued(6));
  BOOST_TEST(!ids.ever_issued(0));
  ids.note_issued(5);  // the same id again is no wrap
  BOOST_TEST(!ids.ever_issued(6));
}

BOOST_AUTO_TEST_CASE(after_the_ids_wrap_every_nonzero_id_counts_as_issued) {
  StreamIds ids;
  ids.note_issued(0xfffffff0);
  BOOST_TEST(!ids.ever_issued(0xfffffff1));
  ids.note_issued(3);  // lower than the highest: the client wrapped
  BOOST_TEST(ids.ever_issued(0xfffffff1));
  BOOST_TEST(ids.ever_issued(0xffffffff));
  BOOST_TEST(ids.ever_issued(4));
  BOOST_TEST(!ids.ever_issued(0));
}

BOOST_AUTO_TEST_CASE(client_side_wrap_also_marks_every_id_issued) {
  StreamIds ids(0xffffffff);
  std::set<std::uint32_t> live;
  BOOST_TEST(*allocate(ids, live) == 0xffffffffu);
  BOOST_TEST(ids.ever_issued(0xffffffff));
  BOOST_TEST(*allocate(ids, live) == 1u);
  BOOST_TEST(ids.ever_issued(1));
  BOOST_TEST(ids.ever_issued(2));
  BOOST_TEST(!ids.ever_issued(0));
}

BOOST_AUTO_TEST_SUITE_END()
