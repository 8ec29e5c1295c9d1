// The multiplexer's sending half (session.hpp): frames queued for the
// channel, the data budget that follows the channel's window, round-trip
// pings, acknowledgements, and the one coroutine that writes the channel.
#include <cerrno>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "common/session.hpp"

namespace tfunnel {

namespace asio = boost::asio;
using asio::awaitable;
using protocol::FrameType;

namespace {
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);
}  // namespace

// ---- channel writer -----------------------------------------------------------

void Session::send_control(FrameType type, std::uint32_t stream, std::span<const std::uint8_t> payload) {
  if (stopped_) return;
  out_.push_control(type, stream, payload);
  writer_wake();
}

void Session::send_data(std::uint32_t stream, Block payload, std::uint16_t len, std::size_t reserved) {
  out_.push_data(stream, std::move(payload), len, reserved);
  writer_wake();
}

ssize_t Session::send_spliced(std::uint32_t stream, int socket_fd, std::size_t max, std::size_t reserved) {
  if (stopped_ || !splice_.is_open()) {
    errno = EAGAIN;
    return -1;
  }
  const ssize_t n = splice_.fill_from(socket_fd, max);
  if (n <= 0) return n;
  out_.push_spliced(stream, static_cast<std::uint16_t>(n), reserved);
  writer_wake();
  return n;
}

void Session::send_rst(std::uint32_t stream, protocol::ResetReason reason) {
  if (stopped_) return;
  ++stats_.resets_sent;
  out_.push_rst(stream, reason);
  writer_wake();
}

bool Session::send_datagram(std::uint32_t stream, std::span<const std::uint8_t> datagram) {
  if (stopped_) return false;
  if (out_.backlog() > kDatagramBacklog) {
    ++stats_.datagrams_dropped;
    return false;
  }
  // Counted when queued, as control frames they wait behind little.
  stats_.bytes_sent += datagram.size();
  out_.push_control(FrameType::datagram, stream, datagram);
  writer_wake();
  return true;
}

void Session::send_fin(std::uint32_t stream) {
  if (stopped_) return;
  out_.push_fin(stream);
  writer_wake();
}

void Session::budget_cancel(std::size_t reserved) noexcept {
  out_.budget_cancel(reserved);
  budget_grant();
}

void Session::budget_grant() {
  out_.budget_grant([this](std::uint32_t id) {
    const auto it = streams_.find(id);
    if (it == streams_.end()) return false;
    it->second->on_budget_granted();
    return true;
  });
}

void Session::budget_follow_window() {
  // Spliced reads fill no block: where they work, bulk frames may be as big
  // as a frame can be (fewer system calls per byte on both sides), but never
  // more than the channel carries in a few ms (channel_control.hpp), nor a
  // quarter of the window: a reservation must always fit what the window
  // lets in flight, or streams would wait for a grant that never comes.
  const std::size_t quantum = control_.quantum(splice_.is_open() ? OutQueue::kMaxChunk : BufferPool::kBlockSize);
  out_.set_chunk(std::min(quantum, control_.window() / 4));
  out_.set_budget_limit(std::min(kDataBudget, control_.room()));
  budget_grant();
}

void Session::rtt_ping_maybe() {
  if (rtt_ping_outstanding_ || control_.in_flight() == 0 || !handshake_done_) return;
  rtt_ping_ns_ = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  rtt_ping_outstanding_ = true;
  send_control(FrameType::ping, 0, protocol::ping_encode(rtt_ping_ns_));
}

// Every ping carries its send time: each pong is a round-trip sample.
void Session::on_pong(std::uint64_t sent_ns) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point now = Clock::now();
  if (sent_ns == rtt_ping_ns_) rtt_ping_outstanding_ = false;
  // Not one of ours: a time after now, or before the clock's epoch (the
  // peer may echo anything; now - sent must not overflow).
  if (sent_ns > static_cast<std::uint64_t>(now.time_since_epoch().count())) return;
  const Clock::time_point sent{Clock::duration(static_cast<Clock::rep>(sent_ns))};
  control_.on_rtt(sent, now, used_);
  LOG_D(log_, "channel: rtt %.1f ms (base %.1f), window %zu, in flight %zu, used %zu",
        std::chrono::duration<double, std::milli>(control_.last_rtt()).count(),
        std::chrono::duration<double, std::milli>(control_.base_rtt()).count(), control_.window(),
        control_.in_flight(), used_);
  used_ = control_.in_flight() + out_.budget_used();
  budget_follow_window();
  rtt_ping_maybe();
}

void Session::writer_wake() noexcept {
  if (writer_waiting_) writer_signal_.cancel();
}

// The peer's window (channel_control.hpp) learns what left the channel a
// little late, never by more than kAckBytes or kAckDelay: the window it
// keeps is many times either on every channel it measures.
void Session::ack_note() {
  if (received_total_ == ack_sent_ || stopped_) return;
  if (received_total_ - ack_sent_ >= kAckBytes) return ack_push();
  if (ack_waiting()) return;
  ack_due_ = std::chrono::steady_clock::now() + kAckDelay;
  writer_wake();  // an idle writer must learn the due time
}

void Session::ack_push() {
  ack_due_ = {};
  if (received_total_ == ack_sent_ || stopped_) return;
  ack_sent_ = received_total_;
  send_control(FrameType::ack, 0, protocol::ack_encode(ack_sent_));
}

awaitable<void> Session::writer_idle() {
  if (ack_waiting() && std::chrono::steady_clock::now() >= ack_due_) {
    ack_push();
    co_return;
  }
  writer_signal_.expires_at(ack_waiting() ? ack_due_ : std::chrono::steady_clock::time_point::max());
  writer_waiting_ = true;
  co_await writer_signal_.async_wait(as_tuple_awaitable);
  writer_waiting_ = false;
}

awaitable<void> Session::write_loop() {
  while (!stopped_) {
    if (out_.empty()) {
      co_await writer_idle();
      continue;
    }
    if (ack_waiting()) ack_push();  // rides with this batch
    const auto& buffers = out_.batch_begin();
    auto [ec, n] = co_await asio::async_write(out_fd_, buffers, as_tuple_awaitable);
    if (stopped_) co_return;
    if (!ec && out_.batch_spliced() > 0) {
      ec = co_await write_spliced(out_.batch_spliced());
      if (stopped_) co_return;
      n += out_.batch_spliced();
    }
    if (ec) {
      stop(role_ == protocol::Role::client || ec != asio::error::broken_pipe ? 1 : 0,
           "channel write: " + ec.message());
      co_return;
    }
    const std::size_t data = out_.batch_end();
    control_.on_written(data);
    stats_.bytes_sent += data;
    stats_.channel_sent += n;
    used_ = std::max(used_, control_.in_flight() + out_.budget_used());
    budget_follow_window();
    rtt_ping_maybe();
  }
}

// The payload of the frame whose header just went out, from the splice pipe;
// nothing else may reach the channel before its last byte.
awaitable<boost::system::error_code> Session::write_spliced(std::size_t n) {
  while (n > 0) {
    const ssize_t k = splice_.drain_to(out_fd_.native_handle(), n);
    if (k > 0) {
      n -= static_cast<std::size_t>(k);
      continue;
    }
    if (k < 0 && errno == EINTR) continue;
    if (k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
      co_return boost::system::error_code(k == 0 ? EPIPE : errno, boost::system::system_category());
    auto [ec] = co_await out_fd_.async_wait(asio::posix::stream_descriptor::wait_write, as_tuple_awaitable);
    if (ec || stopped_) co_return ec ? ec : asio::error::operation_aborted;
  }
  co_return boost::system::error_code{};
}

}  // namespace tfunnel
