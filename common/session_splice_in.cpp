// The session's bulk receive path (session.hpp): data payloads spliced from a
// channel that is a pipe straight into their streams' sockets.
#include <poll.h>

#include <cerrno>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/session.hpp"

namespace tfunnel {

namespace asio = boost::asio;
using asio::awaitable;
using protocol::Frame;
using protocol::FrameType;

namespace {
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);
}  // namespace

// The data frame whose header is the reader's next bytes: its checks and
// counts as dispatch() makes them, the payload bytes already read given to
// the stream, the rest spliced from the channel into its socket while the
// socket takes it. What the socket cannot take now is read the usual way
// (rest_feed) and waits in the stream. False: not a stream that can splice.
awaitable<bool> Session::splice_in(const protocol::FrameHeader& h) {
  const auto it = streams_.find(h.stream);
  if (it == streams_.end() || it->second->splice_fd() < 0) {
    bulk_in_ = 0;
    co_return false;
  }
  const std::shared_ptr<Stream> s = it->second;
  stats_.bytes_received += h.length;
  if (!s->on_data_begin(h.length)) {
    violation(refusal_text(FrameType::data), Frame{h, {}});
    co_return true;
  }
  reader_.consume(protocol::kHeaderSize);
  const auto part = reader_.pending();  // less than the payload: need_more said so
  s->on_data_part(part);
  reader_.consume(part.size());
  // Acknowledged as they leave the channel, like a frame read whole: the
  // peer's window counts what is still in the pipe as in flight.
  received_total_ += part.size();
  std::size_t left = h.length - part.size();
  bulk_in_ = kBulkFrames;
  for (int busy = 0; left > 0 && !stopped_ && busy < 4;) {
    const int fd = s->splice_fd();
    if (fd < 0) break;
    const ssize_t k = ::splice(in_.native_handle(), nullptr, fd, nullptr, left, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (k > 0) {
      left -= static_cast<std::size_t>(k);
      received_total_ += static_cast<std::size_t>(k);
      stats_.channel_received += static_cast<std::size_t>(k);
      last_received_ = std::chrono::steady_clock::now();
      s->on_data_spliced(static_cast<std::size_t>(k), left == 0);
      continue;
    }
    if (k == 0) break;  // the channel ended: the next read says so
    if (errno == EINTR) continue;
    if (errno != EAGAIN) break;  // the socket's error: the stream's own write reports it
    // Which side is not ready: a full socket hands the rest to the stream,
    // an empty channel is waited for.
    pollfd p[2] = {{in_.native_handle(), POLLIN, 0}, {fd, POLLOUT, 0}};
    if (::poll(p, 2, 0) < 0 || !(p[1].revents & POLLOUT)) break;
    if (p[0].revents & POLLIN) {
      ++busy;
      continue;
    }
    auto [ec] = co_await in_.async_wait(asio::posix::stream_descriptor::wait_read, as_tuple_awaitable);
    if (ec) break;
  }
  rest_stream_ = h.stream;
  rest_ = left;
  co_return true;
}

// In bulk mode a read takes one header alone, or the rest of one small
// frame: a read that ran on would take the next big payload through the
// buffer, where a splice could move it.
std::size_t Session::bulk_read_size() const noexcept {
  const auto pending = reader_.pending();
  if (pending.size() < protocol::kHeaderSize) return protocol::kHeaderSize - pending.size();
  const auto h = protocol::header_deserialize(pending.first<protocol::kHeaderSize>());
  const std::size_t frame = protocol::kHeaderSize + h.length;
  return frame > pending.size() ? frame - pending.size() : protocol::kHeaderSize;
}

// Bytes of a spliced frame's payload that came through the reader's buffer.
void Session::rest_feed() {
  if (rest_ == 0) return;
  const auto pending = reader_.pending();
  const std::size_t n = std::min(rest_, pending.size());
  if (const auto it = streams_.find(rest_stream_); it != streams_.end()) {
    const std::shared_ptr<Stream> s = it->second;
    s->on_data_part(pending.first(n));
  }
  reader_.consume(n);
  rest_ -= n;
  received_total_ += n;
}

}  // namespace tfunnel
