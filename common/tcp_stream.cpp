#include "common/tcp_stream.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/session.hpp"
#include "common/socket_options.hpp"

namespace tfunnel {

namespace asio = boost::asio;
using asio::awaitable;
using protocol::FrameType;
using protocol::ResetReason;

namespace {
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);
}

TcpStream::TcpStream(Session& session, std::uint32_t id, asio::ip::tcp::socket socket, bool connected)
    : Stream(id, StreamKind::tcp),
      session_(session),
      socket_(std::move(socket)),
      signal_(socket_.get_executor(), asio::steady_timer::time_point::max()),
      connected_(connected) {}

void TcpStream::start() {
  connected_ = true;
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  socket_set_nodelay(socket_.native_handle());
  asio::co_spawn(socket_.get_executor(), pump_out(), asio::detached);
  if (!pending_.empty()) drain_start();
  else if (fin_received_) shutdown_write();
}

void TcpStream::wake() noexcept { signal_.cancel(); }

awaitable<bool> TcpStream::wait_until(bool (TcpStream::*ready)() const) {
  while (!closed_ && !(this->*ready)()) co_await signal_.async_wait(as_tuple_awaitable);
  co_return !closed_;
}

void TcpStream::on_budget_granted() {
  budget_granted_ = true;
  reserved_ = static_cast<std::uint16_t>(session_.budget_chunk());
  wake();
}

// local socket -> channel
awaitable<void> TcpStream::pump_out() {
  const auto self = shared_from_this();
  bool maybe_readable = true;  // data may have arrived before we started
  bool sparse = true;          // a new burst: nothing read since the last EAGAIN
  bool short_read = false;     // the last read got less than it asked for
  while (!closed_) {
    if (!maybe_readable) {
      read_wait_start();
      co_return;
    }
    // While it waits for credit or budget nothing reads the socket, so only
    // its error state can tell that the application reset it meanwhile.
    if (!has_credit()) watch_start();
    if (!co_await wait_until(&TcpStream::has_credit)) co_return;
    budget_granted_ = session_.budget_try_reserve(id(), sparse);
    if (budget_granted_) reserved_ = static_cast<std::uint16_t>(session_.budget_chunk());
    else watch_start();
    if (!co_await wait_until(&TcpStream::has_budget)) {
      if (budget_granted_) session_.budget_cancel(reserved_);
      co_return;
    }
    budget_granted_ = false;

    // A new burst may pass a full window (out_queue.hpp), so it takes little:
    // a keystroke or a request fits, a bulk stream is back in line next read.
    const std::size_t quantum = sparse ? std::min<std::size_t>(kSparseRead, reserved_) : reserved_;
    const std::size_t max = std::min<std::size_t>(quantum, flow_.send_window);
    // Bulk goes socket to channel without a copy; a burst's first read stays
    // a plain read, so a few bytes never hold more than their size. A splice
    // reports the socket's end or error itself (and clears the error: a read
    // after it would see a clean end instead of a reset).
    boost::system::error_code ec;
    std::size_t n = 0;
    // After a short read the socket is most likely empty: a plain read says
    // so in one call, where a splice's EAGAIN would need a read to confirm.
    if (!sparse && !short_read) {
      const ssize_t k = session_.send_spliced(id(), socket_.native_handle(), max, reserved_);
      if (k > 0) {
        flow_.on_sent(static_cast<std::uint32_t>(k));
        short_read = static_cast<std::size_t>(k) < max;
        continue;
      }
      if (k == 0) ec = asio::error::eof;
      else if (errno != EAGAIN && errno != EINVAL) ec.assign(errno, boost::system::system_category());
    }
    Block block;
    const std::size_t ask = std::min(max, BufferPool::kBlockSize);
    if (!ec) {
      block = session_.pool().get();
      n = socket_.read_some(asio::buffer(block.get(), ask), ec);
    }
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      session_.budget_cancel(reserved_);
      maybe_readable = false;
      continue;
    }
    if (ec) {
      session_.budget_cancel(reserved_);
      if (ec == asio::error::eof) {
        session_.send_fin(id());
        fin_sent_ = true;
        finish_if_done();
        break;  // out of the block's scope: a half-closed stream holds no buffer
      }
      LOG_I(session_.log(), "stream %u: local read: %s", id(), ec.message().c_str());
      fail(ResetReason::reset);
      co_return;
    }
    sparse = false;
    short_read = n < ask;
    flow_.on_sent(static_cast<std::uint32_t>(n));
    session_.send_data(id(), BufferPool::fit(std::move(block), n), static_cast<std::uint16_t>(n), reserved_);
  }
  // A half-closed socket reads EOF forever, even after a reset: an
  // application's RST after its FIN must still reach the peer.
  if (fin_sent_) watch_start();
}

// Only after EAGAIN: an edge-triggered wait never misses data this way. The
// wait holds no coroutine: an idle stream costs its object, its socket and
// one small handler, where a suspended pump_out keeps three coroutine frames
// (about 1 KiB). Readable data or an error starts pump_out afresh, whose read
// reports the error.
void TcpStream::read_wait_start() {
  socket_.async_wait(asio::socket_base::wait_read, [self = shared_from_this()](const boost::system::error_code&) {
    if (!self->closed_) asio::co_spawn(self->socket_.get_executor(), self->pump_out(), asio::detached);
  });
}

void TcpStream::watch_start() {
  if (watching_ || closed_) return;
  watching_ = true;
  asio::co_spawn(socket_.get_executor(), watch_reset(), asio::detached);
}

// Waits for the socket's error edge and resets the stream on an error.
awaitable<void> TcpStream::watch_reset() {
  const auto self = shared_from_this();
  for (int wakeups = 0; !closed_ && wakeups < kMaxWatchWakeups; ++wakeups) {
    co_await socket_.async_wait(asio::socket_base::wait_error, as_tuple_awaitable);
    if (closed_) co_return;
    int error = 0;
    socklen_t len = sizeof error;
    if (::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error != 0) {
      LOG_I(session_.log(), "stream %u: local socket: %s", id(), std::strerror(error));
      fail(ResetReason::reset);
    }
  }
}

bool TcpStream::on_credit(std::uint32_t increment) {
  if (!flow_.on_credit(increment)) return false;
  wake();
  return true;
}

// channel -> local socket
bool TcpStream::on_data(std::span<const std::uint8_t> payload) {
  if (!on_data_begin(static_cast<std::uint32_t>(payload.size()))) return false;
  on_data_part(payload);
  return true;
}

bool TcpStream::on_data_begin(std::uint32_t len) {
  // The peer queues its FIN after its last data: nothing may follow it.
  if (fin_received_) return false;
  return flow_.on_received(len);
}

void TcpStream::on_data_part(std::span<const std::uint8_t> bytes) {
  if (closed_) return;
  if (connected_ && pending_.empty()) write_now(bytes);
  else pending_append(bytes);
}

int TcpStream::splice_fd() noexcept {
  // Bytes already waiting go first; before the connect there is no socket.
  return closed_ || !connected_ || !pending_.empty() ? -1 : socket_.native_handle();
}

// A socket that took only part of the payload is not keeping up: its
// window must not grow (flow.hpp), or what it cannot take piles up here.
void TcpStream::on_data_spliced(std::size_t n, bool whole) { written(n, whole); }

void TcpStream::pending_append(std::span<const std::uint8_t> bytes) {
  if (!session_.buffered_reserve(bytes.size())) {
    ++session_.stats().limited;
    if (session_.limit_log().allow())
      LOG_W(session_.log(), "stream %u: --max-buffer reached (%zu bytes wait for local sockets): reset", id(),
            session_.buffered());
    fail(ResetReason::failed);
    return;
  }
  pending_.append(bytes, session_.pool());
}

void TcpStream::pending_consume(std::size_t n) {
  pending_.consume(n);
  session_.buffered_release(n);
}

void TcpStream::write_now(std::span<const std::uint8_t> payload) {
  boost::system::error_code ec;
  const std::size_t n = socket_.write_some(asio::buffer(payload.data(), payload.size()), ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    LOG_I(session_.log(), "stream %u: local write: %s", id(), ec.message().c_str());
    fail(ResetReason::reset);
    return;
  }
  const std::size_t written_now = ec ? 0 : n;
  written(written_now, written_now == payload.size());
  if (written_now < payload.size()) {
    pending_append(payload.subspan(written_now));
    drain_start();
  }
}

void TcpStream::written(std::size_t n, bool keeping_up) {
  if (n == 0) return;
  if (const std::uint32_t credit = flow_.on_written(static_cast<std::uint32_t>(n), keeping_up,
                                                    std::chrono::steady_clock::now(), session_.channel_rtt()))
    session_.send_control(FrameType::credit, id(), protocol::credit_encode(credit));
}

void TcpStream::drain_start() {
  if (draining_ || closed_) return;
  draining_ = true;
  asio::co_spawn(socket_.get_executor(), drain(), asio::detached);
}

awaitable<void> TcpStream::drain() {
  const auto self = shared_from_this();
  while (!pending_.empty()) {
    auto [ec, n] = co_await socket_.async_write_some(pending_.front(), as_tuple_awaitable);
    if (closed_) co_return;
    if (ec) {
      LOG_I(session_.log(), "stream %u: local write: %s", id(), ec.message().c_str());
      fail(ResetReason::reset);
      co_return;
    }
    pending_consume(n);
    written(n, pending_.empty());
  }
  draining_ = false;
  if (fin_received_) shutdown_write();
}

bool TcpStream::on_opened() {
  // The proxy sends it once, when its connect succeeded.
  if (opened_received_) return false;
  opened_received_ = true;
  LOG_D(session_.log(), "stream %u: opened", id());
  return true;
}

bool TcpStream::on_fin() {
  if (fin_received_) return false;
  fin_received_ = true;
  if (connected_ && pending_.empty() && !draining_) shutdown_write();
  return true;
}

void TcpStream::shutdown_write() {
  if (shut_down_ || closed_) return;
  boost::system::error_code ec;
  socket_.shutdown(asio::socket_base::shutdown_send, ec);
  shut_down_ = true;
  finish_if_done();
}

void TcpStream::finish_if_done() {
  if (!fin_sent_ || !shut_down_ || closed_) return;
  LOG_D(session_.log(), "stream %u: closed", id());
  closed_ = true;
  boost::system::error_code ec;
  socket_.close(ec);
  signal_.cancel();
  session_.stream_erase(id());
}

void TcpStream::on_rst(ResetReason reason) {
  LOG_I(session_.log(), "stream %u: reset by the peer (%s)", id(), protocol::reset_reason_text(reason));
  abort_local();
  session_.stream_erase(id());
}

void TcpStream::fail(ResetReason reason) {
  if (closed_) return;
  session_.send_rst(id(), reason);
  abort_local();
  session_.stream_erase(id());
}

void TcpStream::abort_local() noexcept {
  if (closed_) return;
  closed_ = true;
  if (socket_.is_open()) socket_set_linger_zero(socket_.native_handle());
  boost::system::error_code ec;
  socket_.close(ec);
  signal_.cancel();
  session_.buffered_release(pending_.size());
  pending_.clear();
}

}  // namespace tfunnel
